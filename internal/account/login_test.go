package account_test

import (
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
)

const ip1, ip2 = "10.0.0.9", "10.0.0.10"

func (f *fixture) login(user, pw, ip string) (account.LoginResult, error) {
	return f.svc.Login(f.ctx, account.LoginInput{Username: user, Password: pw, IP: ip})
}

// loginWithCaptcha answers a fresh captcha, as a person reading it would.
func (f *fixture) loginWithCaptcha(t *testing.T, user, pw, ip string) (account.LoginResult, error) {
	t.Helper()
	id, img, err := f.svc.NewCaptcha(f.ctx)
	must(t, err)
	if len(img) < 100 {
		t.Fatalf("captcha image too small: %d bytes", len(img))
	}
	ans, err := f.svc.CaptchaAnswerForTest(f.ctx, id)
	must(t, err)
	return f.svc.Login(f.ctx, account.LoginInput{Username: user, Password: pw, IP: ip, CaptchaID: id, CaptchaAnswer: ans})
}

func TestLoginWithTheRightPasswordSucceedsAndRecordsLastLogin(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		res, err := f.login("ZHANG", goodPW, ip1) // usernames are case-insensitive
		must(t, err)
		if res.UserID != f.userA || res.NeedCaptcha {
			t.Fatalf("got %+v", res)
		}
		u, err := f.svc.GetUser(f.ctx, f.rootP, f.userA)
		must(t, err)
		if u.LastLoginAt == nil || !u.LastLoginAt.Equal(f.clk.Now()) {
			t.Fatalf("last login %v", u.LastLoginAt)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'login' AND actor_id = ?", f.userA); n != 1 {
			t.Fatalf("login audit rows %d", n)
		}
	})
}

func TestRepeatedWrongPasswordsRequireCaptchaThenLockTheAccountUntilLockForPasses(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		pol := account.DefaultSecurity
		for i := 1; i < pol.CaptchaAfter; i++ {
			res, err := f.login("zhang", "wrong-pass-1", ip1)
			wantCode(t, err, errs.Unauthorized, "login.bad_credentials")
			if res.NeedCaptcha {
				t.Fatalf("captcha asked after %d failures", i)
			}
		}
		res, err := f.login("zhang", "wrong-pass-1", ip1)
		wantCode(t, err, errs.Unauthorized, "login.bad_credentials")
		if !res.NeedCaptcha {
			t.Fatalf("no captcha after %d failures", pol.CaptchaAfter)
		}
		if need, _ := f.svc.NeedsCaptcha(f.ctx, "zhang", ip2); !need {
			t.Fatal("login page should show the captcha for this account")
		}
		// Even the right password needs the captcha now, and a missing or
		// wrong captcha does not count as a failure.
		_, err = f.login("zhang", goodPW, ip1)
		wantFields(t, err, map[string]string{"captcha": "login.captcha_required"})
		cid, _, _ := f.svc.NewCaptcha(f.ctx)
		_, err = f.svc.Login(f.ctx, account.LoginInput{Username: "zhang", Password: goodPW, IP: ip1, CaptchaID: cid, CaptchaAnswer: "x"})
		wantFields(t, err, map[string]string{"captcha": "login.captcha_wrong"})

		for i := pol.CaptchaAfter + 1; i < pol.LockAfter; i++ {
			_, err := f.loginWithCaptcha(t, "zhang", "wrong-pass-1", ip1)
			wantCode(t, err, errs.Unauthorized, "login.bad_credentials")
		}
		_, err = f.loginWithCaptcha(t, "zhang", "wrong-pass-1", ip1)
		wantCode(t, err, errs.TooMany, "login.locked")
		if got := errs.As(err).Args[0]; got != int(pol.LockFor/time.Minute) {
			t.Fatalf("locked for %v minutes", got)
		}
		locked, until, failures, err := f.svc.LockStatus(f.ctx, f.rootP, f.userA)
		must(t, err)
		if !locked || !until.Equal(f.clk.Now().Add(pol.LockFor)) || failures != pol.LockAfter {
			t.Fatalf("lock status %v %v %d", locked, until, failures)
		}
		// Locked: the right password (with captcha) is refused too, with the minutes left.
		f.clk.Advance(10 * time.Minute)
		_, err = f.loginWithCaptcha(t, "zhang", goodPW, ip1)
		wantCode(t, err, errs.TooMany, "login.locked")
		if got := errs.As(err).Args[0]; got != 5 {
			t.Fatalf("minutes left %v, want 5", got)
		}
		// Past LockFor (and the counting window), the right password works with no captcha.
		f.clk.Advance(pol.LockFor)
		res, err = f.login("zhang", goodPW, ip1)
		must(t, err)
		if res.UserID != f.userA {
			t.Fatalf("got %+v", res)
		}
		locked, _, failures, err = f.svc.LockStatus(f.ctx, f.rootP, f.userA)
		must(t, err)
		if locked || failures != 0 {
			t.Fatalf("after success: locked %v failures %d", locked, failures)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND summary = 'locked'"); n != 1 {
			t.Fatalf("lock audit rows %d", n)
		}
	})
}

func TestUnlockByAnAdminClearsTheLockAtOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.setPolicy(t, map[string]string{"login.captcha_after": "5", "login.lock_after": "6"})
		var err error
		for i := 0; i < 6; i++ {
			if i == 5 {
				_, err = f.loginWithCaptcha(t, "zhang", "wrong-pass-1", ip1)
			} else {
				_, err = f.login("zhang", "wrong-pass-1", ip1)
			}
		}
		wantCode(t, err, errs.TooMany, "login.locked")
		wantCode(t, f.svc.Unlock(f.ctx, f.adminAP, f.userB), errs.NotFound, "err.not_found")
		must(t, f.svc.Unlock(f.ctx, f.adminAP, f.userA))
		if _, err := f.login("zhang", goodPW, ip1); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
	})
}

func TestOneAddressFailingOnManyAccountsNeedsCaptchaThenIsLockedWhileOtherAddressesAreNot(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.setPolicy(t, map[string]string{"login.ip_captcha_after": "2", "login.ip_lock_after": "4"})
		for _, u := range []string{"ghost1", "ghost2"} {
			_, err := f.login(u, "wrong-pass-1", ip1)
			wantCode(t, err, errs.Unauthorized, "login.bad_credentials")
		}
		if need, _ := f.svc.NeedsCaptcha(f.ctx, "", ip1); !need {
			t.Fatal("the address should need the captcha")
		}
		if need, _ := f.svc.NeedsCaptcha(f.ctx, "", ip2); need {
			t.Fatal("another address should not need the captcha")
		}
		_, err := f.login("zhang", goodPW, ip1)
		wantFields(t, err, map[string]string{"captcha": "login.captcha_required"})
		if _, err := f.login("zhang", goodPW, ip2); err != nil {
			t.Fatalf("other address: %v", err)
		}
		_, err = f.loginWithCaptcha(t, "ghost3", "wrong-pass-1", ip1)
		wantCode(t, err, errs.Unauthorized, "login.bad_credentials")
		_, err = f.loginWithCaptcha(t, "ghost4", "wrong-pass-1", ip1)
		wantCode(t, err, errs.TooMany, "login.locked")
		_, err = f.loginWithCaptcha(t, "li", goodPW, ip1)
		wantCode(t, err, errs.TooMany, "login.locked")
		if _, err := f.login("li", goodPW, ip2); err != nil {
			t.Fatalf("other address while the first is locked: %v", err)
		}
	})
}

func TestSessionEndsAfterIdleTimeout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tok, csrf, err := f.svc.NewSession(f.ctx, f.userA, ip1, "test")
		must(t, err)
		p, gotCSRF, err := f.svc.SessionPrincipal(f.ctx, tok)
		must(t, err)
		if p.UserID != f.userA || gotCSRF != csrf || csrf == "" || p.SessionID == "" {
			t.Fatalf("principal %+v csrf %q/%q", p, gotCSRF, csrf)
		}
		f.clk.Advance(account.DefaultSecurity.SessionIdle - time.Minute)
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		must(t, err)
		f.clk.Advance(account.DefaultSecurity.SessionIdle + time.Minute)
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "login.session_expired")
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "err.unauthorized") // deleted
	})
}

func TestSessionEndsAfterAbsoluteTimeoutEvenWhenActive(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tok, _, err := f.svc.NewSession(f.ctx, f.userA, ip1, "test")
		must(t, err)
		step := account.DefaultSecurity.SessionIdle - 10*time.Minute
		var elapsed time.Duration
		for elapsed+step < account.DefaultSecurity.SessionMax {
			f.clk.Advance(step)
			elapsed += step
			if _, _, err := f.svc.SessionPrincipal(f.ctx, tok); err != nil {
				t.Fatalf("active session refused after %v: %v", elapsed, err)
			}
		}
		f.clk.Advance(account.DefaultSecurity.SessionMax - elapsed + time.Minute)
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "login.session_expired")
	})
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tok, _, err := f.svc.NewSession(f.ctx, f.userA, ip1, "test")
		must(t, err)
		p, _, err := f.svc.SessionPrincipal(f.ctx, tok)
		must(t, err)
		must(t, f.svc.Logout(f.ctx, p))
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "")
	})
}

func TestLoginTokenWorksUntilItExpires(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tok, exp, err := f.svc.IssueLoginToken(f.ctx, f.userA)
		must(t, err)
		if !exp.Equal(f.clk.Now().Add(account.DefaultSecurity.APITokenTTL)) {
			t.Fatalf("expiry %v", exp)
		}
		p, err := f.svc.TokenPrincipal(f.ctx, tok)
		must(t, err)
		if p.UserID != f.userA || p.TokenID == 0 {
			t.Fatalf("principal %+v", p)
		}
		f.clk.Advance(account.DefaultSecurity.APITokenTTL + time.Minute)
		_, err = f.svc.TokenPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "token.invalid")
		for _, bad := range []string{"", "wm_", "nonsense", "wm_" + "AAAA"} {
			_, err = f.svc.TokenPrincipal(f.ctx, bad)
			wantCode(t, err, errs.Unauthorized, "token.invalid")
		}
	})
}

func TestMachineTokenIsRefusedOnceRevokedOrExpired(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		past := f.clk.Now().Add(-time.Minute)
		_, _, err := f.svc.IssueMachineToken(f.ctx, f.rootP, f.userA, "bridge", &past)
		wantFields(t, err, map[string]string{"expires": "token.expiry_past"})

		id, tok, err := f.svc.IssueMachineToken(f.ctx, f.rootP, f.userA, "12345 hotline bridge", nil)
		must(t, err)
		if p, err := f.svc.TokenPrincipal(f.ctx, tok); err != nil || p.UserID != f.userA {
			t.Fatalf("fresh machine token: %v %v", p, err)
		}
		list, err := f.svc.ListTokens(f.ctx, f.rootP)
		must(t, err)
		if len(list) != 1 || list[0].ID != id || list[0].Username != "zhang" {
			t.Fatalf("tokens %+v", list)
		}
		must(t, f.svc.RevokeToken(f.ctx, f.rootP, id))
		_, err = f.svc.TokenPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "token.invalid")
		wantCode(t, f.svc.RevokeToken(f.ctx, f.rootP, id), errs.Conflict, "token.already_revoked")

		soon := f.clk.Now().Add(time.Hour)
		_, tok2, err := f.svc.IssueMachineToken(f.ctx, f.rootP, f.userA, "short-lived", &soon)
		must(t, err)
		f.clk.Advance(2 * time.Hour)
		_, err = f.svc.TokenPrincipal(f.ctx, tok2)
		wantCode(t, err, errs.Unauthorized, "token.invalid")
	})
}

func TestDistrictAdminCannotIssueOrRevokeTokensOfAnotherDistrict(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, _, err := f.svc.IssueMachineToken(f.ctx, f.adminAP, f.userB, "x", nil)
		wantCode(t, err, errs.NotFound, "err.not_found")
		id, _, err := f.svc.IssueMachineToken(f.ctx, f.rootP, f.userB, "x", nil)
		must(t, err)
		wantCode(t, f.svc.RevokeToken(f.ctx, f.adminAP, id), errs.NotFound, "err.not_found")
		list, err := f.svc.ListTokens(f.ctx, f.adminAP)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("district A admin sees %+v", list)
		}
	})
}

// TestShorterSessionIdleAppliesToTheNextRequest proves the session check's
// in-memory copy of the policy is dropped when the policy is saved: a
// session that was fine a moment ago expires on its next request once the
// idle limit is cut below its idle time.
func TestShorterSessionIdleAppliesToTheNextRequest(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tok, _, err := f.svc.NewSession(f.ctx, f.userA, ip1, "test")
		must(t, err)
		f.clk.Advance(20 * time.Minute)
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok) // idle 20 min of 120: fine, and the policy is now cached
		must(t, err)
		f.clk.Advance(15 * time.Minute)
		f.setPolicy(t, map[string]string{"session.idle_minutes": "10"})
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "login.session_expired")
	})
}
