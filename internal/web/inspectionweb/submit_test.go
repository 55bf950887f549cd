package inspectionweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/inspection"
)

type item struct {
	ID             int64
	Points, Deduct int64
	Cap            int64
	AllowNA        bool
}

// mySite is a site the demo inspector's group (第一督导组) covers, with a
// checklist item that allows N/A, and its checklist.
func mySite(t *testing.T, e *apptest.Env) (int64, float64, float64, []item) {
	t.Helper()
	var site int64
	var lat, lng float64
	err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), "site", `SELECT s.id, s.lat, s.lng FROM inspection_sites s JOIN inspection_site_types t ON t.id = s.site_type_id
			WHERE t.code = 'BACK_STREET' AND s.region_id IN (SELECT r.id FROM regions r JOIN supervision_areas sa ON sa.region_id IN
			(SELECT id FROM regions WHERE level = 'city') WHERE r.level = 'street') ORDER BY s.id LIMIT 1`, nil, &site, &lat, &lng)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Only sites the inspector sees: take the first from its API list of back streets.
	insp := e.API(t, "inspector")
	var page struct {
		Items []struct {
			ID           int64
			Lat, Lng     float64
			SiteTypeID   int64  `json:"site_type_id"`
			SiteTypeName string `json:"site_type_name"`
		}
	}
	insp.Get("/api/v1/inspection/sites?size=500").Decode(&page)
	for _, s := range page.Items {
		if s.SiteTypeName == "背街小巷" {
			site, lat, lng = s.ID, s.Lat, s.Lng
			break
		}
	}
	if site == 0 {
		t.Fatal("the inspector covers no back street")
	}
	var items []item
	err = e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT c.id, c.points, c.deduct, c.cap, c.allow_na FROM inspection_check_items c
			JOIN inspection_sites s ON s.site_type_id = c.site_type_id WHERE s.id = ? ORDER BY c.sort, c.id`, site)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.ID, &it.Points, &it.Deduct, &it.Cap, &it.AllowNA); err != nil {
				return err
			}
			items = append(items, it)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return site, lat, lng, items
}

func submit(t *testing.T, e *apptest.Env, c *apptest.Client, site int64, vals url.Values, photos map[string][]byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vals = maps.Clone(vals) // racing sends share the caller's values
	vals.Set("csrf", c.CSRF())
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range photos {
		w, _ := mw.CreateFormFile(name, name+".jpg")
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/inspection/sites/"+apptest.Itoa(site)+"/inspections", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	return c.Do(req)
}

type answer struct {
	ID       int64
	URL      string
	Replayed bool
	Rate     string
	Far      bool
}

func TestAnInspectionIsScoredAndAReSendNeverMakesASecond(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "inspector")
		site, lat, lng, items := mySite(t, e)
		if len(items) < 3 {
			t.Fatalf("%d items", len(items))
		}
		na := -1
		for i, it := range items {
			if it.AllowNA {
				na = i
			}
		}
		if na <= 0 {
			t.Fatal("the back street has no N/A item after the first")
		}
		f := func(i int) string { return "item_" + strconv.FormatInt(items[i].ID, 10) }
		vals := url.Values{"key": {"k-0123456789abcdef"}, "lat": {fmt.Sprint(lat + 0.0005)}, "lng": {fmt.Sprint(lng)}, "accuracy": {"12"},
			"inspected_at": {e.Clock.Now().Add(-20 * time.Minute).Format(time.RFC3339)}}
		for i := range items {
			vals.Set(f(i), "pass")
		}
		vals.Set(f(0), "fail")
		vals.Set(f(0)+"_count", "3")
		vals.Set(f(0)+"_note", "垃圾桶满溢")
		vals.Set(f(na), "na")
		// The hand computation: N/A out of both; three findings on item 0, capped.
		var possible, earned int64
		for i, it := range items {
			if i == na {
				continue
			}
			possible += it.Points
			earned += it.Points
		}
		earned -= min(3*items[0].Deduct, items[0].Cap, items[0].Points)
		wantRate := inspection.Points((earned*10000*2 + possible) / (possible * 2)).String()

		base := e.Count(t, "SELECT COUNT(*) FROM inspections")
		// A failure needs its photo; nothing is stored.
		res := submit(t, e, c, site, vals, nil)
		apptest.Want(t, "failure without a photo", res, http.StatusBadRequest, "不合格项须拍照取证")
		if n := e.Count(t, "SELECT COUNT(*) FROM inspections"); n != base {
			t.Fatalf("%d inspections after a refusal", n)
		}
		photo := map[string][]byte{f(0) + "_photo": apptest.SmallJPEG(t)}
		res = submit(t, e, c, site, vals, photo)
		if res.Status != http.StatusCreated {
			t.Fatalf("submit: %d %s", res.Status, res.Body)
		}
		var a answer
		res.Decode(&a)
		if a.Rate != wantRate || a.Far || a.Replayed {
			t.Fatalf("answer %+v, want rate %s near", a, wantRate)
		}
		// A re-send answers with the same inspection.
		res = submit(t, e, c, site, vals, photo)
		var b answer
		res.Decode(&b)
		if res.Status != http.StatusOK || b.ID != a.ID || !b.Replayed {
			t.Fatalf("re-send: %d %+v", res.Status, b)
		}
		// Sends racing with one new key store one inspection.
		vals.Set("key", "k-race-0123456789")
		var wg sync.WaitGroup
		ids := make([]int64, 4)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var x answer
				r := submit(t, e, c, site, vals, photo)
				json.Unmarshal(r.Raw, &x)
				ids[i] = x.ID
			}()
		}
		wg.Wait()
		for _, id := range ids[1:] {
			if id != ids[0] || id == 0 {
				t.Fatalf("racing sends answered %v", ids)
			}
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM inspections"); n != base+2 {
			t.Fatalf("%d inspections, want 2", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_results WHERE inspection_id = ? AND outcome = 'na'", a.ID); n != 1 {
			t.Fatalf("%d N/A results", n)
		}
		page := c.Get(a.URL)
		apptest.Want(t, "result page", page, http.StatusOK, wantRate+"%", "垃圾桶满溢", "/inspection/photos/")
		// Far from the site, or without a position, is flagged and kept.
		vals.Set("key", "k-far-0123456789")
		vals.Set("lat", fmt.Sprint(lat+0.05))
		var far answer
		submit(t, e, c, site, vals, photo).Decode(&far)
		if !far.Far || far.ID == 0 {
			t.Fatalf("far: %+v", far)
		}
		apptest.Want(t, "far page", c.Get(far.URL), http.StatusOK, `id="far"`)
		vals.Set("key", "k-nogps-0123456789")
		vals.Del("lat")
		vals.Del("lng")
		var nogps answer
		submit(t, e, c, site, vals, photo).Decode(&nogps)
		if !nogps.Far {
			t.Fatalf("no GPS: %+v", nogps)
		}
		// An unanswered item and an N/A where none is allowed are named.
		vals.Set("key", "k-bad-0123456789")
		vals.Del(f(1))
		if !items[2].AllowNA {
			vals.Set(f(2), "na")
		}
		res = submit(t, e, c, site, vals, photo)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("bad: %d", res.Status)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM inspections"); n != base+4 {
			t.Fatalf("%d inspections after a refusal", n)
		}
		// Another group's site is not there for this inspector.
		other := e.ID(t, "inspection_sites", "code", "S0300")
		apptest.Want(t, "another group's site", submit(t, e, c, other, vals, photo), http.StatusNotFound)
	})
}

func TestWeeklyRoundsAreWrittenOnceByTwoInstancesAndFailuresComeBack(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		if _, err := e.App.Inspection.GeneratePlans(context.Background()); err != nil {
			t.Fatal(err)
		}
		c := e.Login(t, "inspector")
		site, lat, lng, items := mySite(t, e)
		vals := url.Values{"key": {"k-fail-0123456789"}, "lat": {fmt.Sprint(lat)}, "lng": {fmt.Sprint(lng)}}
		for _, it := range items {
			vals.Set("item_"+strconv.FormatInt(it.ID, 10), "pass")
		}
		f0 := "item_" + strconv.FormatInt(items[0].ID, 10)
		vals.Set(f0, "fail")
		vals.Set(f0+"_count", "1")
		if r := submit(t, e, c, site, vals, map[string][]byte{f0 + "_photo": apptest.SmallJPEG(t)}); r.Status != http.StatusCreated {
			t.Fatalf("submit %d %s", r.Status, r.Body)
		}
		groups := e.Count(t, "SELECT COUNT(*) FROM units WHERE kind = 'supervision_group' AND active = TRUE")
		before := e.Count(t, "SELECT COUNT(*) FROM inspection_plans")
		e.Clock.Advance(7 * 24 * time.Hour)
		// A second instance on the same database generates at the same time.
		d2, err := db.Open(context.Background(), e.App.Config.DB)
		if err != nil {
			t.Fatal(err)
		}
		defer d2.Close()
		other := inspection.New(d2, e.Clock)
		var wg sync.WaitGroup
		errsC := make(chan error, 2)
		for _, s := range []*inspection.Service{e.App.Inspection, other} {
			wg.Add(1)
			go func() { defer wg.Done(); _, err := s.GeneratePlans(context.Background()); errsC <- err }()
		}
		wg.Wait()
		close(errsC)
		for err := range errsC {
			if err != nil {
				t.Fatal(err)
			}
		}
		week := inspection.WeekOf(e.Clock.Now())
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_plans WHERE week = ?", week); n != groups {
			t.Fatalf("%d rounds for %d groups (before: %d)", n, groups, before)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM inspection_plan_sites ps JOIN inspection_plans p ON p.id = ps.plan_id
			WHERE p.week = ? AND ps.site_id = ? AND ps.reason = 'recheck'`, week, site); n != 1 {
			t.Fatalf("the failed site is in %d rechecks", n)
		}
		// Last week's round shows what was missed (sessions have timed out over the week).
		c = e.Login(t, "inspector")
		dispatcher := e.Login(t, "dispatcher")
		prev := inspection.WeekOf(e.Clock.Now().AddDate(0, 0, -7))
		res := dispatcher.Get("/inspection/plans?week=" + prev)
		apptest.Want(t, "last week's rounds", res, http.StatusOK, "第一督导组")
		var lastPlan int64
		e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
			return tx.Get(context.Background(), "plan", "SELECT p.id FROM inspection_plans p JOIN units u ON u.id = p.group_id WHERE u.code = 'SG01' AND p.week = ?", []any{prev}, &lastPlan)
		})
		if lastPlan == 0 {
			t.Fatal("no round last week")
		}
		{
			apptest.Want(t, "missed", dispatcher.Get("/inspection/plans/"+apptest.Itoa(lastPlan)), http.StatusOK, "漏查")
		}
		// This week's round: the dispatcher (HQ, inspection.plan) edits; the inspector only reads.
		var plan int64
		e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
			return tx.Get(context.Background(), "plan", "SELECT p.id FROM inspection_plans p JOIN units u ON u.id = p.group_id WHERE u.code = 'SG01' AND p.week = ?", []any{week}, &plan)
		})
		apptest.Want(t, "inspector reads the round", c.Get("/inspection/plans/"+apptest.Itoa(plan)), http.StatusOK, "上次不合格，本周复查")
		apptest.Want(t, "inspector edits", c.PostForm("/inspection/plans/"+apptest.Itoa(plan)+"/sites/"+apptest.Itoa(site)+"/delete", url.Values{}), http.StatusForbidden)
		res = dispatcher.PostForm("/inspection/plans/"+apptest.Itoa(plan)+"/sites/"+apptest.Itoa(site)+"/delete", url.Values{})
		apptest.Want(t, "leader removes", res, http.StatusSeeOther)
		res = dispatcher.PostForm("/inspection/plans/"+apptest.Itoa(plan)+"/sites", url.Values{"site_id": {apptest.Itoa(e.ID(t, "inspection_sites", "code", "S0300"))}})
		apptest.Want(t, "a site the group does not cover", res, http.StatusBadRequest, "不在本督导组的责任片区内")
		res = dispatcher.PostForm("/inspection/plans/"+apptest.Itoa(plan)+"/sites", url.Values{"site_id": {apptest.Itoa(site)}})
		apptest.Want(t, "leader adds", res, http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_plan_sites WHERE plan_id = ? AND site_id = ? AND reason = 'manual'", plan, site); n != 1 {
			t.Fatal("the added site is not in the round")
		}
		apptest.Want(t, "my round", c.Get("/inspection/my"), http.StatusOK, "待上传", "本机待上传的督查")
	})
}
