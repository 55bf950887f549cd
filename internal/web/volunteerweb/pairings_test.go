package volunteerweb_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// TestPairingPages: the demo's paired units have activities, hours and
// problems solved by quarter; an organiser links a new activity to a
// pairing (only in its community) and counts what it solved once it began.
func TestPairingPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		pid := e.Count(t, "SELECT MIN(pairing_id) FROM activities WHERE pairing_id IS NOT NULL AND problems > 0")
		if pid == 0 {
			t.Fatal("the demo has no pairing's work")
		}
		apptest.Want(t, "list", o.Get("/volunteers/pairings"), http.StatusOK, "结对共建", "/volunteers/pairings/"+apptest.Itoa(pid))
		apptest.Want(t, "bad year", o.Get("/volunteers/pairings?year=1900"), http.StatusBadRequest, "须在 2000 到")
		page := o.Get("/volunteers/pairings/" + apptest.Itoa(pid))
		apptest.Want(t, "pairing", page, http.StatusOK, "分季度情况", "第 4 季度", "结对共建·")
		community := e.Count(t, "SELECT region_id FROM pairings WHERE id = ?", pid)
		other := e.Count(t, "SELECT MIN(id) FROM regions WHERE level = 'community' AND id <> ?", community)
		vals := url.Values{"title": {"结对共建·修剪绿化"}, "region_id": {apptest.Itoa(other)}, "day": {"2026-12-09"}, "start": {"09:00"}, "end": {"11:00"},
			"capacity": {"10"}, "mode": {"instant"}, "pairing_id": {apptest.Itoa(pid)}}
		apptest.Want(t, "elsewhere", o.PostForm("/activities", vals), http.StatusBadRequest, "结对共建的活动须在结对社区内开展")
		vals.Set("region_id", apptest.Itoa(community))
		if res := o.PostForm("/activities", vals); res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		aid := e.ID(t, "activities", "title", "结对共建·修剪绿化")
		apptest.Want(t, "activity", o.Get("/activities/"+apptest.Itoa(aid)), http.StatusOK, "为群众办实事")
		apptest.Want(t, "not yet", o.PostForm("/activities/"+apptest.Itoa(aid)+"/problems", url.Values{"problems": {"2"}}), http.StatusBadRequest, "活动开始后")
		past := e.Count(t, "SELECT MIN(id) FROM activities WHERE pairing_id = ? AND problems > 0", pid)
		if res := o.PostForm("/activities/"+apptest.Itoa(past)+"/problems", url.Values{"problems": {"7"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("problems: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT problems FROM activities WHERE id = ?", past); n != 7 {
			t.Fatalf("problems %d", n)
		}
		apptest.Want(t, "a volunteer", e.Login(t, "volunteer").Get("/volunteers/pairings"), http.StatusForbidden)
		en := e.Login(t, "organiser")
		en.Lang = "en"
		en.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		apptest.Want(t, "English", en.Get("/volunteers/pairings/"+apptest.Itoa(pid)), http.StatusOK, "by quarter", "Q4", "Problems solved")
	})
}
