package accountweb_test

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/demo"
)

func idPath(prefix string, id int64, suffix string) string {
	return prefix + strconv.FormatInt(id, 10) + suffix
}

// homeFigure reads one tile of the home page (regions, units …) by its label.
func homeFigure(t *testing.T, c *apptest.Client, label string) int {
	t.Helper()
	res := c.Get("/")
	m := regexp.MustCompile(`<span class="n">([\d,]+)</span><span class="l">` + regexp.QuoteMeta(label) + `</span>`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no %q figure on the home page: %d %s", label, res.Status, res.Body)
	}
	n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	return n
}

func newStreetHandlerForm(e *apptest.Env, t *testing.T) url.Values {
	return url.Values{
		"username": {"zgq_new"}, "display_name": {"新办理人"}, "phone": {"13912345678"}, "email": {"zgq@example.gov.cn"},
		"unit_id": {strconv.FormatInt(e.ID(t, "units", "code", "ST-ZGQ"), 10)}, "scope_kind": {"region"},
		"roles": {"unit_handler"}, "active": {"1"}, "password": {"Zgq-Handler-2026"},
	}
}

func TestAdminCreatesAStreetHandlerWhoLogsInAndSeesOnlyThatStreet(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		res := admin.PostForm("/users", newStreetHandlerForm(e, t))
		id := e.ID(t, "users", "username", "zgq_new")
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != idPath("/users/", id, "") {
			t.Fatalf("create: %d %q %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		detail := admin.Get(idPath("/users/", id, ""))
		if !detail.Contains("新办理人", "139****5678", "本区域及以下", "责任单位办理人") || detail.Contains("13912345678") {
			t.Fatalf("detail page: %s", detail.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'user' AND action = 'create' AND entity_id = ? AND after LIKE ? AND after NOT LIKE ?",
			strconv.FormatInt(id, 10), "%139****5678%", "%13912345678%"); n != 1 {
			t.Fatalf("%d audit rows with the masked phone, want 1", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE after LIKE '%Zgq-Handler-2026%'"); n != 0 {
			t.Fatal("the password reached the audit log")
		}

		// Editing with the masked phone as shown keeps the stored number.
		edit := newStreetHandlerForm(e, t)
		edit.Del("password")
		edit.Del("username")
		edit.Set("display_name", "新办理人（改）")
		edit.Set("phone", "139****5678")
		if res := admin.PostForm(idPath("/users/", id, ""), edit); res.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM users WHERE id = ? AND phone = '13912345678' AND display_name = '新办理人（改）'", id); n != 1 {
			t.Fatal("the edit lost the stored phone or the new name")
		}

		c := e.Anonymous(t)
		res = c.PostForm("/login", url.Values{"username": {"zgq_new"}, "password": {"Zgq-Handler-2026"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("new user login: %d %q %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		units, regions := homeFigure(t, c, "单位"), homeFigure(t, c, "区域")
		zgq := e.Login(t, "handler_zgq")
		if want := homeFigure(t, zgq, "单位"); units != want || units == 0 {
			t.Fatalf("new handler sees %d units, handler_zgq %d", units, want)
		}
		if want := homeFigure(t, zgq, "区域"); regions != want {
			t.Fatalf("new handler sees %d regions, handler_zgq %d", regions, want)
		}
		if all := homeFigure(t, admin, "单位"); units >= all {
			t.Fatalf("a street handler sees %d units, as many as the admin (%d)", units, all)
		}
		api := e.Anonymous(t)
		login := api.JSON("POST", "/api/v1/auth/login", map[string]string{"username": "zgq_new", "password": "Zgq-Handler-2026"})
		var tok struct{ Token string }
		login.Decode(&tok)
		api.Token = tok.Token
		r := api.JSON("GET", "/api/v1/units?size=500", nil)
		var ul struct {
			Total int
			Items []struct{ Code string }
		}
		r.Decode(&ul)
		if r.Status != http.StatusOK || ul.Total != units {
			t.Fatalf("api units: %d total %d, home %d: %s", r.Status, ul.Total, units, r.Body)
		}
		for _, u := range ul.Items {
			if u.Code == "ST-SWZ" || u.Code == "HQ" {
				t.Fatalf("the street handler sees unit %s", u.Code)
			}
		}
		list := c.Get("/users")
		if list.Status != http.StatusOK || !list.Contains("handler_zgq", "zgq_new") || list.Contains("handler_swq", "handler_cg") {
			t.Fatalf("the new handler's user list is not limited to the street: %d %s", list.Status, list.Body)
		}
	})
}

func TestBadUserInputGetsFieldMessagesInZhAndEnAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		before := e.Count(t, "SELECT COUNT(*) FROM users")
		api := e.API(t, "admin") // logging in is audited; take the count after
		auditBefore := e.Count(t, "SELECT COUNT(*) FROM audit_log")
		bad := url.Values{"username": {"admin"}, "display_name": {" "}, "phone": {"12345"}, "scope_kind": {"unit"},
			"unit_id": {strconv.FormatInt(e.ID(t, "units", "code", "HQ"), 10)}, "password": {"weak"}, "active": {"1"}}
		res := admin.PostForm("/users", bad)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("zh: %d %s", res.Status, res.Body)
		}
		for _, want := range []string{`id="e-display_name"`, "必填", `id="e-phone"`, "请输入有效的手机或固定电话号码",
			`id="e-username"`, "该用户名已被使用", `id="e-roles"`, "请至少选择一个角色", `id="e-password"`, "密码至少需要"} {
			if !res.Contains(want) {
				t.Errorf("zh page lacks %q", want)
			}
		}
		if res.Contains("weak") {
			t.Error("the password was echoed back")
		}
		admin.Lang = "en"
		res = admin.PostForm("/users", bad)
		if res.Status != http.StatusBadRequest || !res.Contains("Required.", "valid mobile or landline", "username is already taken",
			"at least one role", "at least") || res.Contains("必填") {
			t.Fatalf("en: %d %s", res.Status, res.Body)
		}

		body := map[string]any{"username": "admin", "display_name": "", "phone": "12345", "password": "weak", "scope_kind": "unit"}
		r := api.JSON("POST", "/api/v1/users", body)
		var out struct {
			Error struct {
				Code   string
				Fields map[string]string
			}
		}
		r.Decode(&out)
		if r.Status != http.StatusBadRequest || out.Error.Code != "invalid" {
			t.Fatalf("api: %d %s", r.Status, r.Body)
		}
		for f, want := range map[string]string{"display_name": "必填", "phone": "电话号码", "username": "已被使用", "roles": "角色", "password": "密码"} {
			if !strings.Contains(out.Error.Fields[f], want) {
				t.Errorf("api field %s = %q, want %q", f, out.Error.Fields[f], want)
			}
		}
		api.Lang = "en"
		r = api.JSON("POST", "/api/v1/users", body)
		if r.Status != http.StatusBadRequest || !r.Contains("Required.", "already taken") {
			t.Fatalf("api en: %d %s", r.Status, r.Body)
		}
		if after := e.Count(t, "SELECT COUNT(*) FROM users"); after != before {
			t.Fatalf("users went from %d to %d", before, after)
		}
		if after := e.Count(t, "SELECT COUNT(*) FROM audit_log"); after != auditBefore {
			t.Fatalf("audit log went from %d to %d", auditBefore, after)
		}
	})
}

func TestAUserOutsideTheScopeIs404AndAUnitHandlerCannotManageUsersOrRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		swq := e.ID(t, "users", "username", "handler_swq")
		zgq := e.Login(t, "handler_zgq")
		if res := zgq.Get(idPath("/users/", swq, "")); res.Status != http.StatusNotFound {
			t.Fatalf("page: %d", res.Status)
		}
		api := e.API(t, "handler_zgq")
		if res := api.JSON("GET", idPath("/api/v1/users/", swq, ""), nil); res.Status != http.StatusNotFound {
			t.Fatalf("api: %d %s", res.Status, res.Body)
		}
		list := zgq.Get("/users")
		if list.Status != http.StatusOK || !list.Contains("handler_zgq") || list.Contains("handler_swq") {
			t.Fatalf("list: %d %s", list.Status, list.Body)
		}
		if res := api.JSON("GET", "/api/v1/users?size=500", nil); res.Status != http.StatusOK || res.Contains("handler_swq") || !res.Contains(`"handler_zgq"`) {
			t.Fatalf("api list: %d %s", res.Status, res.Body)
		}
		if res := e.Login(t, "admin").Get(idPath("/users/", swq, "")); res.Status != http.StatusOK || !res.Contains("handler_swq") {
			t.Fatalf("the admin cannot see handler_swq: %d", res.Status)
		}
		before := e.Count(t, "SELECT COUNT(*) FROM users")
		if res := zgq.PostForm("/users", newStreetHandlerForm(e, t)); res.Status != http.StatusForbidden {
			t.Fatalf("POST /users: %d", res.Status)
		}
		if res := zgq.PostForm("/roles", url.Values{"code": {"sneaky"}, "name": {"偷偷"}, "perms": {"user.manage"}}); res.Status != http.StatusForbidden {
			t.Fatalf("POST /roles: %d", res.Status)
		}
		if res := api.JSON("POST", "/api/v1/roles", map[string]any{"code": "sneaky", "name": "偷偷"}); res.Status != http.StatusForbidden {
			t.Fatalf("POST /api/v1/roles: %d", res.Status)
		}
		if e.Count(t, "SELECT COUNT(*) FROM users") != before || e.Count(t, "SELECT COUNT(*) FROM roles WHERE code = 'sneaky'") != 0 {
			t.Fatal("a refused request changed something")
		}
	})
}

func TestRevealingAPhoneShowsTheFullNumberAndIsAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		zgqID := e.ID(t, "users", "username", "handler_zgq")
		admin := e.Login(t, "admin")
		page := admin.Get(idPath("/users/", zgqID, ""))
		if !page.Contains("138****1004", idPath(`action="/users/`, zgqID, `/phone"`)) || page.Contains("13800001004") {
			t.Fatalf("detail before the reveal: %s", page.Body)
		}
		if list := admin.Get("/users?q=handler_zgq"); !list.Contains("138****1004") || list.Contains("13800001004") {
			t.Fatalf("the list must show the masked phone: %s", list.Body)
		}
		res := admin.PostForm(idPath("/users/", zgqID, "/phone"), nil)
		if res.Status != http.StatusOK || !res.Contains(`id="full-phone">13800001004<`) {
			t.Fatalf("reveal: %d %s", res.Status, res.Body)
		}
		q := "SELECT COUNT(*) FROM audit_log WHERE action = 'view_contact' AND entity = 'user' AND entity_id = ?"
		if n := e.Count(t, q, strconv.FormatInt(zgqID, 10)); n != 1 {
			t.Fatalf("%d view_contact rows, want 1", n)
		}
		api := e.API(t, "admin")
		r := api.JSON("POST", idPath("/api/v1/users/", zgqID, "/reveal-phone"), nil)
		if r.Status != http.StatusOK || !r.Contains(`"phone":"13800001004"`) {
			t.Fatalf("api reveal: %d %s", r.Status, r.Body)
		}
		if r := api.JSON("GET", idPath("/api/v1/users/", zgqID, ""), nil); !r.Contains(`"phone":"138****1004"`) {
			t.Fatalf("api get must mask: %s", r.Body)
		}
		if n := e.Count(t, q, strconv.FormatInt(zgqID, 10)); n != 2 {
			t.Fatalf("%d view_contact rows after the API reveal, want 2", n)
		}

		// handler_zgq may see users but lacks contact.view.
		zgq := e.Login(t, "handler_zgq")
		if res := zgq.PostForm(idPath("/users/", zgqID, "/phone"), nil); res.Status != http.StatusForbidden || res.Contains("13800001004") {
			t.Fatalf("reveal without contact.view: %d", res.Status)
		}
		if r := e.API(t, "handler_zgq").JSON("POST", idPath("/api/v1/users/", zgqID, "/reveal-phone"), nil); r.Status != http.StatusForbidden {
			t.Fatalf("api reveal without contact.view: %d", r.Status)
		}
		if page := zgq.Get(idPath("/users/", zgqID, "")); page.Contains("/phone\"") {
			t.Fatal("the show button is offered without contact.view")
		}
		if n := e.Count(t, q, strconv.FormatInt(zgqID, 10)); n != 2 {
			t.Fatalf("a refused reveal was audited: %d", n)
		}
	})
}

var generatedRe = regexp.MustCompile(`id="generated-password">([^<]+)<`)

func TestAdminResetWithAGeneratedPasswordReplacesTheOldOneAndForcesAChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		cg := e.ID(t, "users", "username", "handler_cg")
		admin := e.Login(t, "admin")
		// A typed password that breaks the policy is refused on the page.
		res := admin.PostForm(idPath("/users/", cg, "/password"), url.Values{"mode": {"set"}, "password": {"short"}})
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-password"`, "密码至少需要") {
			t.Fatalf("weak password: %d %s", res.Status, res.Body)
		}
		res = admin.PostForm(idPath("/users/", cg, "/password"), url.Values{"mode": {"generate"}, "must_change": {"1"}})
		m := generatedRe.FindStringSubmatch(res.Body)
		if res.Status != http.StatusOK || m == nil || !res.Contains("只显示这一次") {
			t.Fatalf("generate: %d %s", res.Status, res.Body)
		}
		pw := html.UnescapeString(m[1])
		if again := admin.Get(idPath("/users/", cg, "")); again.Contains(m[1]) {
			t.Fatal("the generated password is shown again")
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'password' AND entity_id = ?", strconv.FormatInt(cg, 10)); n != 1 {
			t.Fatalf("%d password audit rows", n)
		}

		c := e.Anonymous(t)
		if res := c.PostForm("/login", url.Values{"username": {"handler_cg"}, "password": {demo.Password}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("the old password still works: %d", res.Status)
		}
		// The failure shows on the detail page; unlocking clears it and is audited.
		if page := admin.Get(idPath("/users/", cg, "")); !page.Contains("登录失败 1 次") {
			t.Fatalf("the failure is not shown: %s", page.Body)
		}
		if res := admin.PostForm(idPath("/users/", cg, "/unlock"), nil); res.Status != http.StatusSeeOther {
			t.Fatalf("unlock: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'unlock' AND entity_id = ?", strconv.FormatInt(cg, 10)); n != 1 {
			t.Fatalf("%d unlock audit rows", n)
		}
		if res := c.PostForm("/login", url.Values{"username": {"handler_cg"}, "password": {pw}}); res.Status != http.StatusSeeOther {
			t.Fatalf("the new password fails: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/users"); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/account/password" {
			t.Fatalf("must-change not forced: %d %q", res.Status, res.Header.Get("Location"))
		}

		// The API returns a generated password once, and takes a typed one.
		api := e.API(t, "admin")
		r := api.JSON("POST", idPath("/api/v1/users/", cg, "/password"), map[string]any{"generate": true})
		var out struct{ Password string }
		r.Decode(&out)
		if r.Status != http.StatusOK || len(out.Password) < 14 {
			t.Fatalf("api generate: %d %s", r.Status, r.Body)
		}
		r = api.JSON("POST", idPath("/api/v1/users/", cg, "/password"), map[string]any{"password": "Chengguan-2026!"})
		if r.Status != http.StatusOK || r.Contains("Chengguan") {
			t.Fatalf("api set: %d %s", r.Status, r.Body)
		}
		if res := e.Anonymous(t).PostForm("/login", url.Values{"username": {"handler_cg"}, "password": {"Chengguan-2026!"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("the API-set password fails: %d", res.Status)
		}
	})
}

func TestCustomRolesAreDataAndBuiltInOrHeldRolesCannotBeDeleted(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		res := admin.PostForm("/roles", url.Values{"code": {"street_reviewer"}, "name": {"街道审核员"}, "name_en": {"Street reviewer"},
			"perms": {"workorder.view", "org.view"}, "scope_kind": {"region"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		id := e.ID(t, "roles", "code", "street_reviewer")
		if n := e.Count(t, "SELECT COUNT(*) FROM roles WHERE id = ? AND permissions = 'org.view workorder.view' AND scope_kind = 'region'", id); n != 1 {
			t.Fatal("the role was not stored with its two permissions")
		}
		if list := admin.Get("/roles"); !list.Contains("street_reviewer", "街道审核员") {
			t.Fatalf("list: %s", list.Body)
		}
		form := admin.Get(idPath("/roles/", id, "/edit"))
		if !form.Contains(`value="workorder.view" checked`, "查看数据权限范围内的工单", `value="user.view">`) {
			t.Fatalf("edit form does not show the permissions: %s", form.Body)
		}
		res = admin.PostForm(idPath("/roles/", id, ""), url.Values{"code": {"street_reviewer"}, "name": {"街道复核员"},
			"perms": {"workorder.view", "org.view", "user.view"}, "scope_kind": {"region"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM roles WHERE id = ? AND name = '街道复核员' AND permissions = 'org.view user.view workorder.view'", id); n != 1 {
			t.Fatal("the edit was not stored")
		}

		// Assign it through the API (fields left out keep their values).
		cg := e.ID(t, "users", "username", "handler_cg")
		api := e.API(t, "admin")
		if r := api.JSON("PUT", idPath("/api/v1/users/", cg, ""), map[string]any{"roles": []string{"unit_handler", "street_reviewer"}}); r.Status != http.StatusOK ||
			!r.Contains(`"street_reviewer"`, `"display_name":"刘德勇"`) {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}

		adminRole := e.ID(t, "roles", "code", "admin")
		res = admin.PostForm(idPath("/roles/", adminRole, "/delete"), nil)
		if res.Status != http.StatusConflict || !res.Contains("内置角色不能删除") {
			t.Fatalf("delete built-in: %d %s", res.Status, res.Body)
		}
		res = admin.PostForm(idPath("/roles/", id, "/delete"), nil)
		if res.Status != http.StatusConflict || !res.Contains("仍有 1 个用户拥有该角色") {
			t.Fatalf("delete in use: %d %s", res.Status, res.Body)
		}
		if r := api.JSON("DELETE", idPath("/api/v1/roles/", adminRole, ""), nil); r.Status != http.StatusConflict {
			t.Fatalf("api delete built-in: %d", r.Status)
		}
		if e.Count(t, "SELECT COUNT(*) FROM roles WHERE id IN (?, ?)", id, adminRole) != 2 {
			t.Fatal("a refused delete removed a role")
		}
		// Once nobody holds it, it can go.
		api.JSON("PUT", idPath("/api/v1/users/", cg, ""), map[string]any{"roles": []string{"unit_handler"}})
		if res := admin.PostForm(idPath("/roles/", id, "/delete"), nil); res.Status != http.StatusSeeOther {
			t.Fatalf("delete unused: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM roles WHERE code = 'street_reviewer'") != 0 {
			t.Fatal("the role is still there")
		}
	})
}

var secretRe = regexp.MustCompile(`value="(wm_[^"]+)"`)

func TestMachineTokenWorksUntilRevokedAndItsSecretIsNeverShownAgain(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		leader := e.ID(t, "users", "username", "leader")
		admin := e.Login(t, "admin")
		res := admin.PostForm("/tokens", url.Values{"user_id": {strconv.FormatInt(leader, 10)}, "name": {"大屏展示"}})
		m := secretRe.FindStringSubmatch(res.Body)
		if res.Status != http.StatusOK || m == nil || !res.Contains("只显示这一次") {
			t.Fatalf("issue: %d %s", res.Status, res.Body)
		}
		secret := html.UnescapeString(m[1])

		client := e.Anonymous(t)
		client.Token = secret
		if r := client.JSON("GET", "/api/v1/me", nil); r.Status != http.StatusOK || !r.Contains(`"username":"leader"`) {
			t.Fatalf("bearer: %d %s", r.Status, r.Body)
		}
		list := admin.Get("/tokens")
		if list.Status != http.StatusOK || !list.Contains("大屏展示", "leader") || list.Contains(secret) || list.Contains(m[1]) {
			t.Fatalf("list: %d %s", list.Status, list.Body)
		}
		if r := e.API(t, "admin").JSON("GET", "/api/v1/tokens", nil); r.Contains(secret) || !r.Contains("大屏展示") {
			t.Fatalf("api list: %s", r.Body)
		}
		secretPart := "%" + strings.TrimPrefix(secret, "wm_") + "%"
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE summary LIKE ? OR before LIKE ? OR after LIKE ?", secretPart, secretPart, secretPart); n != 0 {
			t.Fatal("the secret reached the audit log")
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'issue_token'"); n != 1 {
			t.Fatalf("%d issue_token rows", n)
		}

		tok := e.ID(t, "api_tokens", "name", "大屏展示")
		if res := admin.PostForm(idPath("/tokens/", tok, "/revoke"), nil); res.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d %s", res.Status, res.Body)
		}
		if r := client.JSON("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("a revoked token still works: %d", r.Status)
		}
		if res := admin.PostForm(idPath("/tokens/", tok, "/revoke"), nil); res.Status != http.StatusConflict || !res.Contains("已被吊销") {
			t.Fatalf("second revoke: %d %s", res.Status, res.Body)
		}

		// The same through the API, with an expiry date.
		api := e.API(t, "admin")
		r := api.JSON("POST", "/api/v1/tokens", map[string]any{"user_id": leader, "name": "报表同步", "expires_at": "2027-01-31"})
		var out struct {
			ID    int64
			Token string
			State string
		}
		r.Decode(&out)
		if r.Status != http.StatusCreated || !strings.HasPrefix(out.Token, "wm_") || out.State != "active" || !r.Contains(`"expires_at":"2027-`) {
			t.Fatalf("api issue: %d %s", r.Status, r.Body)
		}
		if r := api.JSON("POST", "/api/v1/tokens", map[string]any{"user_id": leader, "name": "过期", "expires_at": "2020-01-01"}); r.Status != http.StatusBadRequest || !r.Contains(`"expires_at"`) {
			t.Fatalf("past expiry: %d %s", r.Status, r.Body)
		}
		if r := api.JSON("DELETE", idPath("/api/v1/tokens/", out.ID, ""), nil); r.Status != http.StatusNoContent {
			t.Fatalf("api revoke: %d %s", r.Status, r.Body)
		}
		client.Token = out.Token
		if r := client.JSON("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("an API-revoked token still works: %d", r.Status)
		}
	})
}

func TestUserListExportsARealWorkbookWithChineseHeaders(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		api := e.API(t, "admin")
		for _, filter := range []string{"", "role=unit_handler", "region=" + strconv.FormatInt(e.ID(t, "regions", "code", "511102"), 10)} {
			res := admin.Get("/users?format=xlsx&" + filter)
			if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
				t.Fatalf("%s: %d %s", filter, res.Status, res.Header.Get("Content-Type"))
			}
			f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
			if err != nil {
				t.Fatalf("%s: not a workbook: %v", filter, err)
			}
			rows, err := f.GetRows(f.GetSheetList()[0])
			f.Close()
			if err != nil || len(rows) == 0 {
				t.Fatalf("%s: rows %v", filter, err)
			}
			if rows[0][0] != "用户名" || rows[0][1] != "姓名" || rows[0][6] != "手机号码" {
				t.Fatalf("%s: header %v", filter, rows[0])
			}
			var list struct{ Total int }
			api.JSON("GET", "/api/v1/users?"+filter, nil).Decode(&list)
			if len(rows)-1 != list.Total || list.Total == 0 {
				t.Fatalf("%s: %d data rows, list total %d", filter, len(rows)-1, list.Total)
			}
			for _, row := range rows[1:] {
				if len(row) > 6 && regexp.MustCompile(`^1\d{10}$`).MatchString(row[6]) {
					t.Fatalf("%s: an unmasked phone in the export: %v", filter, row)
				}
			}
		}
		if page := admin.Get("/users?role=unit_handler"); !page.Contains("共 3 条", "handler_zgq", "handler_swq", "handler_cg") || page.Contains(">admin<") {
			t.Fatalf("filtered list: %s", page.Body)
		}
	})
}

func TestEveryUserRoleAndTokenPageRendersInBothLanguagesWithoutRawKeys(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		zgq := e.ID(t, "users", "username", "handler_zgq")
		role := e.ID(t, "roles", "code", "unit_handler")
		pages := []string{"/users", "/users/new", idPath("/users/", zgq, ""), idPath("/users/", zgq, "/edit"),
			"/roles", "/roles/new", idPath("/roles/", role, "/edit"), "/tokens", "/tokens/new", "/users?page=2&size=5"}
		rawKey := regexp.MustCompile(`>\s*(users|roles|tokens|user\.field|role\.field|token\.field|scope\.kind|perm)\.[a-z_.]+\s*<`)
		for _, l := range []string{"zh-CN", "en"} {
			admin.Lang = l
			for _, p := range pages {
				res := admin.Get(p)
				if res.Status != http.StatusOK {
					t.Fatalf("%s %s: %d %s", l, p, res.Status, res.Body)
				}
				if k := rawKey.FindString(res.Body); k != "" {
					t.Errorf("%s %s shows an untranslated key %s", l, p, k)
				}
			}
		}
		admin.Lang = "en"
		if res := admin.Get("/users/new"); !res.Contains("Data scope", "Own unit only", "Custom") {
			t.Fatalf("the English form lacks the scope kinds: %s", res.Body)
		}
	})
}

func TestACustomScopeIsStoredAndShownWithItsRegionsAndUnits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		api := e.API(t, "admin")
		zgq, cg := e.ID(t, "regions", "code", "511102-ZGQ"), e.ID(t, "units", "code", "DEPT-CG")
		r := api.JSON("POST", "/api/v1/users", map[string]any{"username": "custom_viewer", "display_name": "自定义查看员",
			"unit_id": e.ID(t, "units", "code", "HQ"), "roles": []string{"leader"}, "scope_kind": "custom",
			"scope_regions": []int64{zgq}, "scope_units": []int64{cg}, "password": "Custom-Viewer-2026"})
		var u struct {
			ID           int64
			ScopeKind    string  `json:"scope_kind"`
			ScopeRegions []int64 `json:"scope_regions"`
			ScopeUnits   []int64 `json:"scope_units"`
			Active       bool
		}
		r.Decode(&u)
		if r.Status != http.StatusCreated || u.ScopeKind != "custom" || len(u.ScopeRegions) != 1 || u.ScopeRegions[0] != zgq ||
			len(u.ScopeUnits) != 1 || u.ScopeUnits[0] != cg || !u.Active {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		page := e.Login(t, "admin").Get(idPath("/users/", u.ID, ""))
		if !page.Contains("自定义", "张公桥街道", "市城市管理局") {
			t.Fatalf("detail lacks the custom scope: %s", page.Body)
		}
		// An empty custom scope is refused.
		r = api.JSON("PUT", idPath("/api/v1/users/", u.ID, ""), map[string]any{"scope_regions": []int64{}, "scope_units": []int64{}})
		if r.Status != http.StatusBadRequest || !r.Contains(`"scope_regions"`) {
			t.Fatalf("empty custom scope: %d %s", r.Status, r.Body)
		}
	})
}
