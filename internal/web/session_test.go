package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/demo"
)

func TestLoginWithTheDemoPasswordShowsTheRoleHomePage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "dispatcher")
		res := c.Get("/")
		if res.Status != http.StatusOK || !res.Contains("指挥部调度员", "受理、派发、审核") {
			t.Fatalf("home: %d %s", res.Status, res.Body)
		}
		admin := e.Login(t, "admin").Get("/")
		if !admin.Contains("系统管理员", `href="/users"`, `href="/audit"`) {
			t.Fatalf("admin home lacks admin links: %s", admin.Body)
		}
		if res.Contains(`href="/audit"`) {
			t.Fatal("a dispatcher must not be offered the audit log")
		}
	})
}

func TestAnonymousVisitorIsSentToLogin(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		res := e.Anonymous(t).Get("/users?page=2")
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fusers%3Fpage%3D2" {
			t.Fatalf("got %d %q", res.Status, res.Header.Get("Location"))
		}
	})
}

func TestWrongPasswordIsRefusedWithAMessageInTheUsersLanguage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		res := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"nope-nope"}})
		if res.Status != http.StatusUnauthorized || !res.Contains("用户名或密码") {
			t.Fatalf("zh: %d %s", res.Status, res.Body)
		}
		c.Lang = "en-US,en;q=0.9"
		res = c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"nope-nope"}})
		if res.Status != http.StatusUnauthorized || !res.Contains("username or password") {
			t.Fatalf("en: %d %s", res.Status, res.Body)
		}
		if strings.Contains(res.Body, "nope-nope") {
			t.Fatal("the password must not be echoed back")
		}
	})
}

func TestRepeatedFailuresAskForTheCaptchaThenLockTheAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		bad := url.Values{"username": {"operator"}, "password": {"wrong-password"}}
		for i := 0; i < 3; i++ {
			c.PostForm("/login", bad)
		}
		// The fourth attempt without a captcha is refused before the password is checked.
		res := c.PostForm("/login", url.Values{"username": {"operator"}, "password": {demo.Password}})
		if res.Status != http.StatusBadRequest || !res.Contains("验证码", `name="captcha_id"`) {
			t.Fatalf("captcha not required: %d %s", res.Status, res.Body)
		}
		// Three more failures with correct captchas lock the account; each
		// answer page carries the next captcha.
		for i := 0; i < 3; i++ {
			id, answer := captcha(t, e, res)
			v := url.Values{"username": {"operator"}, "password": {"wrong-password"}, "captcha_id": {id}, "captcha": {answer}}
			res = c.PostForm("/login", v)
		}
		if res.Status != http.StatusTooManyRequests || !res.Contains("已锁定", "15") {
			t.Fatalf("not locked: %d %s", res.Status, res.Body)
		}
		if got := res.Header.Get("Retry-After"); got != "900" {
			t.Fatalf("locked login's Retry-After = %q, want the 15-minute lock, 900 seconds", got)
		}
		// Even the right password is refused while locked.
		id, answer := captcha(t, e, res)
		res = c.PostForm("/login", url.Values{"username": {"operator"}, "password": {demo.Password}, "captcha_id": {id}, "captcha": {answer}})
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("locked account logged in: %d", res.Status)
		}
		// After the lock ends, the right password with a captcha works.
		e.Clock.Advance(16 * time.Minute)
		id, answer = captcha(t, e, res)
		res = c.PostForm("/login", url.Values{"username": {"operator"}, "password": {demo.Password}, "captcha_id": {id}, "captcha": {answer}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("after the lock: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND actor_name = 'operator'"); n != 6 {
			t.Fatalf("audit has %d failed logins, want 6", n)
		}
	})
}

// captcha answers the captcha a login page shows.
func captcha(t *testing.T, e *apptest.Env, res *apptest.Response) (string, string) {
	t.Helper()
	i := strings.Index(res.Body, `name="captcha_id" value="`)
	if i < 0 {
		t.Fatalf("no captcha on the login page: %s", res.Body)
	}
	rest := res.Body[i+len(`name="captcha_id" value="`):]
	id := rest[:strings.IndexByte(rest, '"')]
	answer, err := e.App.Accounts.CaptchaAnswerForTest(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return id, answer
}

func TestAFormWithoutTheCSRFTokenIsRefusedAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "admin")
		before := e.Count(t, "SELECT COUNT(*) FROM audit_log")
		res := c.PostFormRaw("/account/password", url.Values{"current": {demo.Password}, "new": {"Another-pass-1"}, "confirm": {"Another-pass-1"}})
		if res.Status != http.StatusForbidden || !res.Contains("页面已过期") {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		res = c.PostFormRaw("/account/password", url.Values{"csrf": {"forged"}, "current": {demo.Password}, "new": {"Another-pass-1"}, "confirm": {"Another-pass-1"}})
		if res.Status != http.StatusForbidden {
			t.Fatalf("forged token: got %d", res.Status)
		}
		if after := e.Count(t, "SELECT COUNT(*) FROM audit_log"); after != before {
			t.Fatalf("audit log grew from %d to %d", before, after)
		}
		// The login form itself is protected too.
		res = e.Anonymous(t).PostFormRaw("/login", url.Values{"username": {"admin"}, "password": {demo.Password}})
		if res.Status != http.StatusForbidden {
			t.Fatalf("login without token: got %d", res.Status)
		}
	})
}

func TestLanguageSwitchIsRememberedForTheUser(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "leader")
		if res := c.Get("/"); !res.Contains(`lang="zh-CN"`, "您好") {
			t.Fatalf("default is not Chinese: %s", res.Body)
		}
		res := c.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("switch: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/"); !res.Contains(`lang="en"`, "Hello") {
			t.Fatalf("not English after the switch: %s", res.Body)
		}
		// A new session on another device (Chinese browser) keeps the choice.
		other := e.Login(t, "leader")
		if res := other.Get("/"); !res.Contains(`lang="en"`) {
			t.Fatalf("choice not remembered for the user: %s", res.Body)
		}
		if res := c.PostForm("/lang", url.Values{"lang": {"fr"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("unsupported language: %d", res.Status)
		}
	})
}

func TestSessionEndsAfterIdleTimeout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "leader")
		e.Clock.Advance(3 * time.Hour)
		res := c.Get("/")
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("idle session still valid: %d", res.Status)
		}
	})
}

func TestChangePasswordValidatesAndEndsOtherSessions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "appraiser")
		other := e.Login(t, "appraiser")
		res := c.PostForm("/account/password", url.Values{"current": {"wrong"}, "new": {"short"}, "confirm": {"x"}})
		if res.Status != http.StatusBadRequest || !res.Contains("当前密码不正确", "至少", "两次") {
			t.Fatalf("bad input: %d %s", res.Status, res.Body)
		}
		res = c.PostForm("/account/password", url.Values{"current": {demo.Password}, "new": {"New-pass-2026"}, "confirm": {"New-pass-2026"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("change: %d %s", res.Status, res.Body)
		}
		if res := other.Get("/"); res.Status != http.StatusSeeOther {
			t.Fatalf("the other session survived the change: %d", res.Status)
		}
		if res := c.Get("/"); res.Status != http.StatusOK {
			t.Fatalf("this session ended: %d", res.Status)
		}
	})
}

func TestAPILoginTokenAndMe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.API(t, "handler_zgq")
		res := c.JSON("GET", "/api/v1/me", nil)
		var me struct {
			Username    string   `json:"username"`
			Roles       []string `json:"roles"`
			Permissions []string `json:"permissions"`
			Scope       struct {
				Kind        string   `json:"kind"`
				RegionPaths []string `json:"region_paths"`
			} `json:"scope"`
		}
		res.Decode(&me)
		if res.Status != 200 || me.Username != "handler_zgq" || me.Scope.Kind != "region" || len(me.Scope.RegionPaths) != 1 {
			t.Fatalf("me: %d %s", res.Status, res.Body)
		}
		if r := c.JSON("POST", "/api/v1/auth/logout", nil); r.Status != http.StatusNoContent {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		res = c.JSON("GET", "/api/v1/me", nil)
		if res.Status != http.StatusUnauthorized || !res.Contains(`"code":"unauthorized"`) {
			t.Fatalf("revoked token: %d %s", res.Status, res.Body)
		}
	})
}

func TestAPIErrorsHaveOneShapeInTheRequestLanguage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		c.Lang = "en"
		res := c.JSON("POST", "/api/v1/auth/login", map[string]string{"username": "", "password": ""})
		if res.Status != http.StatusBadRequest || !res.Contains(`"code":"invalid"`, `"username":"Required."`) {
			t.Fatalf("en: %d %s", res.Status, res.Body)
		}
		c.Lang = "zh-CN"
		res = c.JSON("POST", "/api/v1/auth/login", map[string]any{"username": 1})
		if res.Status != http.StatusBadRequest || !res.Contains(`"message":"请求的 JSON 中“username”的值类型不对。"`, `"username":"应为文字。"`) {
			t.Fatalf("zh: %d %s", res.Status, res.Body)
		}
		res = c.JSON("GET", "/api/v1/me", nil)
		if res.Status != http.StatusUnauthorized || !res.Contains(`"message":"请先登录。"`) {
			t.Fatalf("anonymous: %d %s", res.Status, res.Body)
		}
	})
}
