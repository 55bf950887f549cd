package apptest_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/workorder"
)

// behindProxy makes the test server believe X-Forwarded-For from the
// loopback address, so each client can be a citizen at its own address.
func behindProxy(c *app.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// citizenAt is an anonymous client whose requests come from addr.
func citizenAt(t *testing.T, e *apptest.Env, addr string) *apptest.Client {
	c := e.Anonymous(t)
	c.Header = http.Header{"X-Forwarded-For": {addr}}
	return c
}

func principalOf(t *testing.T, e *apptest.Env, username string) *auth.Principal {
	t.Helper()
	p, err := e.App.Accounts.Principal(context.Background(), e.ID(t, "users", "username", username))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// resolveAndVerify takes an order through dispatch, acknowledgement,
// resolution and the dispatcher's verification with the demo staff.
func resolveAndVerify(t *testing.T, e *apptest.Env, id int64) {
	t.Helper()
	disp, handler := principalOf(t, e, "dispatcher"), principalOf(t, e, "handler_cg")
	for _, st := range []struct {
		p  *auth.Principal
		in workorder.ActionInput
	}{
		{disp, workorder.ActionInput{Action: workorder.ActionDispatch, UnitID: e.ID(t, "units", "code", "DEPT-CG")}},
		{handler, workorder.ActionInput{Action: workorder.ActionAcknowledge}},
		{handler, workorder.ActionInput{Action: workorder.ActionResolve, Note: "摊贩已劝离，已安排巡查"}},
		{disp, workorder.ActionInput{Action: workorder.ActionVerify}},
	} {
		if _, err := e.App.Orders.Act(context.Background(), st.p, id, st.in); err != nil {
			t.Fatalf("%s: %v", st.in.Action, err)
		}
	}
}

// verifiedReport files a report with a phone through the API and has the
// staff resolve and verify it; it returns the tracking code.
func verifiedReport(t *testing.T, e *apptest.Env, c *apptest.Client, phone string) string {
	t.Helper()
	res := c.JSON("POST", "/api/v1/public/reports", map[string]any{"category": "STREET_VENDING",
		"description": "夜市摊贩占满人行道，行人只能走机动车道", "lat": 29.5646, "lng": 103.7626, "phone": phone})
	if res.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	var out struct{ Code string }
	res.Decode(&out)
	resolveAndVerify(t, e, e.ID(t, "workorders", "code", out.Code))
	return out.Code
}

func TestWrongPhoneDigitsLockOutTheGuessersAddressNotTheOrderSoTheCitizenStillRates(t *testing.T) {
	apptest.EachWith(t, behindProxy, func(t *testing.T, e *apptest.Env) {
		code := verifiedReport(t, e, citizenAt(t, e, "198.51.100.20"), "13800138000")
		guesser := citizenAt(t, e, "203.0.113.66")
		for i, tail := range []string{"0000", "1111", "2222", "3333", "4444"} {
			res := guesser.PostForm("/track/"+code+"/rating", url.Values{"rating": {"dissatisfied"}, "phone_tail": {tail}})
			if res.Status != http.StatusBadRequest || !res.Contains("后四位不符") {
				t.Fatalf("wrong guess %d: %d %s", i+1, res.Status, res.Body)
			}
		}
		// The guesser is refused now, even with the right digits, and told when to come back.
		res := guesser.JSON("POST", "/api/v1/public/reports/"+code+"/rating", map[string]any{"rating": "dissatisfied", "phone_tail": "8000"})
		if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "3600" || !res.Contains(`"code":"too_many"`) {
			t.Fatalf("the guesser's sixth try: %d Retry-After %q %s", res.Status, res.Header.Get("Retry-After"), res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE code = ? AND state = 'verified'", code) != 1 {
			t.Fatal("the guesser changed the order")
		}
		// The citizen, at another address with the right digits, rates it.
		citizen := citizenAt(t, e, "198.51.100.20")
		res = citizen.PostForm("/track/"+code+"/rating", url.Values{"rating": {"satisfied"}, "phone_tail": {"8000"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("the citizen's rating after the guesser's lockout: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE code = ? AND state = 'callback_done' AND satisfaction = 'satisfied'", code) != 1 {
			t.Fatal("the citizen's rating was not recorded")
		}
	})
}
