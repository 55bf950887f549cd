package grassrootsweb_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// postVisit sends the visit form as the phone's script does (multipart,
// JSON answer, the CSRF token in the header).
func postVisit(t *testing.T, e *apptest.Env, c *apptest.Client, vals url.Values, photo []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if photo != nil {
		w, _ := mw.CreateFormFile("photos", "visit.jpg")
		w.Write(photo)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/grassroots/visits", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", c.CSRF())
	res := c.Do(req)
	var out map[string]any
	if err := json.Unmarshal(res.Raw, &out); err != nil {
		t.Fatalf("answer %d %q", res.Status, res.Body)
	}
	return res.Status, out
}

func TestAVisitWithANeedFilesOneWorkOrderInTheHouseholdsRegionAndAResendMakesNoSecondVisit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		hid := firstHousehold(t, e, ownGrid)
		gridID := e.ID(t, "regions", "code", ownGrid)
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		vals := url.Values{"household_id": {apptest.Itoa(hid)}, "visitors": {"杨春梅、王建华"}, "visited_at": {"2026-11-29T08:30"},
			"people_reached": {"3"}, "checks": {"income_change", "drinking_water", "housing_safety"}, "findings": {"收入稳定"},
			"needs": {"屋顶漏雨需要维修，老人行动不便"}, "category_id": {e.CategoryID(t, "MANHOLE")}, "lat": {"29.5801"}, "lng": {"103.7480"},
			"key": {"draft-0001"}}
		// Bad input changes nothing.
		bad := url.Values{}
		for k, v := range vals {
			bad[k] = v
		}
		bad.Set("needs", "漏雨")
		bad.Set("checks", "gold")
		bad.Del("visitors")
		visits := e.Count(t, "SELECT COUNT(*) FROM gr_visits")
		st, ans := postVisit(t, e, g, bad, nil)
		if st != http.StatusBadRequest || !strings.Contains(ans["error"].(map[string]any)["fields"].(map[string]any)["needs"].(string), "至少") {
			t.Fatalf("bad visit: %d %v", st, ans)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_visits"); n != visits {
			t.Fatalf("a refused visit was saved")
		}
		st, ans = postVisit(t, e, g, vals, apptest.SmallJPEG(t))
		if st != http.StatusCreated {
			t.Fatalf("visit: %d %v", st, ans)
		}
		id := int64(ans["id"].(float64))
		// The same draft sent again (a dropped answer): the first visit, nothing new.
		st, again := postVisit(t, e, g, vals, apptest.SmallJPEG(t))
		if st != http.StatusOK || int64(again["id"].(float64)) != id || again["replayed"] != true {
			t.Fatalf("re-send: %d %v", st, again)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_visits"); n != visits+1 {
			t.Fatalf("visits after a re-send: %d", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("work orders: %d → %d", orders, n)
		}
		woID := e.Count(t, "SELECT workorder_id FROM gr_visits WHERE id = ?", id)
		if r := e.Count(t, "SELECT region_id FROM workorders WHERE id = ?", woID); r != gridID {
			t.Fatalf("work order region %d, want the household's grid %d", r, gridID)
		}
		page := g.Get("/grassroots/visits/" + apptest.Itoa(id))
		apptest.Want(t, "visit page", page, http.StatusOK, "屋顶漏雨", "待受理", "饮水安全", "visit-photo")
		apptest.Want(t, "visit photo", g.Get("/grassroots/visits/"+apptest.Itoa(id)+"/photo"), http.StatusOK)
		// Another grid's worker cannot see it by any route.
		e.Exec(t, "UPDATE gr_visits SET region_path = '/0/' WHERE id = ?", id)
		apptest.Want(t, "other scope visit", g.Get("/grassroots/visits/"+apptest.Itoa(id)), http.StatusNotFound)
		apptest.Want(t, "other scope photo", g.Get("/grassroots/visits/"+apptest.Itoa(id)+"/photo"), http.StatusNotFound)
		// A visit to another grid's household is refused on the field.
		vals.Set("household_id", apptest.Itoa(firstHousehold(t, e, otherGrid)))
		vals.Set("key", "draft-0002")
		if st, ans := postVisit(t, e, g, vals, nil); st != http.StatusBadRequest {
			t.Fatalf("visit in another grid: %d %v", st, ans)
		}
	})
}

func TestCoverageEqualsAHandCountOfTheFixture(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		gridID := apptest.Itoa(e.ID(t, "regions", "code", ownGrid))
		// The fixture: the street's households without the demo's plans and visits.
		e.Exec(t, "DELETE FROM gr_plan_items")
		e.Exec(t, "DELETE FROM gr_visit_plans")
		e.Exec(t, "DELETE FROM gr_visits WHERE household_id IN (SELECT h.id FROM gr_households h JOIN regions r ON r.id = h.region_id WHERE r.code LIKE '511102-ZGQ-%')")
		// Every household of the grid once in November, monitored ones monthly from October.
		apptest.Want(t, "plan", g.PostForm("/grassroots/plans", url.Values{"name": {"十一月全覆盖"}, "region_id": {gridID},
			"every": {"once"}, "starts_on": {"2026-11-01"}, "ends_on": {"2026-11-30"}}), http.StatusSeeOther)
		apptest.Want(t, "bad plan", g.PostForm("/grassroots/plans", url.Values{"name": {"x"}, "region_id": {gridID},
			"every": {"weekly"}, "starts_on": {"2026-11-01"}, "ends_on": {"2026-10-30"}}), http.StatusBadRequest, "结束日期不能早于开始日期")
		items := e.Count(t, "SELECT COUNT(*) FROM gr_plan_items")
		if items != 12 {
			t.Fatalf("plan items %d, want the grid's 12 households", items)
		}
		var hh []int64
		for i := range 4 {
			hh = append(hh, e.Count(t, "SELECT id FROM gr_households WHERE region_id = ? ORDER BY id LIMIT 1 OFFSET ?", e.ID(t, "regions", "code", ownGrid), i))
		}
		visit := func(h int64, at, people, key string) {
			st, ans := postVisit(t, e, g, url.Values{"household_id": {apptest.Itoa(h)}, "visitors": {"杨春梅"}, "visited_at": {at},
				"people_reached": {people}, "key": {key}}, nil)
			if st != http.StatusCreated {
				t.Fatalf("visit: %d %v", st, ans)
			}
		}
		visit(hh[0], "2026-11-03T10:00", "3", "k1")
		visit(hh[0], "2026-11-20T10:00", "2", "k2") // the same household again: counted once, its first visit's people
		visit(hh[1], "2026-11-05T10:00", "4", "k3")
		visit(hh[2], "2026-11-28T10:00", "1", "k4")
		visit(hh[3], "2026-10-28T10:00", "5", "k5") // before the plan's window: visited in October, not reached
		res := g.Get("/grassroots/coverage?region=" + gridID + "&from=2026-11-01&to=2026-11-30")
		apptest.Want(t, "coverage", res, http.StatusOK, `id="cov-planned">12<`, `id="cov-reached">3<`, `id="cov-visited">3<`, `id="cov-people">8<`)
		if n := strings.Count(res.Body[strings.Index(res.Body, `id="not-yet"`):], "/grassroots/visits/new?household="); n != 9 {
			t.Fatalf("households not yet visited listed: %d, want 9", n)
		}
		// The community's coverage has the grid as a row; October alone has the one visit.
		res = g.Get("/grassroots/coverage?region=" + gridID + "&from=2026-10-01&to=2026-10-31")
		apptest.Want(t, "october", res, http.StatusOK, `id="cov-planned">0<`, `id="cov-visited">1<`, `id="cov-people">5<`)
		apptest.Want(t, "another grid's coverage", g.Get("/grassroots/coverage?region="+apptest.Itoa(e.ID(t, "regions", "code", otherGrid))),
			http.StatusBadRequest)
		admin := e.Login(t, "admin")
		street := apptest.Itoa(e.ID(t, "regions", "code", "511102-ZGQ"))
		apptest.Want(t, "street coverage", admin.Get("/grassroots/coverage?region="+street+"&from=2026-11-01&to=2026-11-30"), http.StatusOK,
			"张公桥社区", `id="cov-planned">12<`, `id="cov-reached">3<`)
		// The plan's page and another grid's plan.
		planID := e.Count(t, "SELECT MIN(id) FROM gr_visit_plans")
		apptest.Want(t, "plan page", g.Get("/grassroots/plans/"+apptest.Itoa(planID)), http.StatusOK, "已完成 3 / 12")
		e.Exec(t, "UPDATE gr_visit_plans SET region_path = '/0/' WHERE id = ?", planID)
		apptest.Want(t, "other plan", g.Get("/grassroots/plans/"+apptest.Itoa(planID)), http.StatusNotFound)
		apptest.Want(t, "other plan regenerate", g.PostForm("/grassroots/plans/"+apptest.Itoa(planID)+"/regenerate", nil), http.StatusNotFound)
	})
}
