package inspectionweb_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
)

// recheck posts a recheck as the phone does (multipart, JSON answer).
func recheck(t *testing.T, e *apptest.Env, c *apptest.Client, rect int64, vals url.Values, photo []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vals.Set("csrf", c.CSRF())
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if photo != nil {
		w, _ := mw.CreateFormFile("photo", "recheck.jpg")
		w.Write(photo)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/inspection/rectifications/"+apptest.Itoa(rect)+"/recheck", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	return c.Do(req)
}

type rectRow struct {
	id, order, result int64
	severity          string
}

func TestAnInspectionsFailuresBecomeRectificationsThatTheUnitFixesAndTheInspectorRechecks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		insp := e.Login(t, "inspector")
		site, lat, lng, items := mySite(t, e)
		// The site is the city management bureau's (the demo's handler_cg).
		cg := e.ID(t, "units", "code", "DEPT-CG")
		e.Exec(t, "UPDATE inspection_sites SET unit_id = ? WHERE id = ?", cg, site)
		na := -1
		for i, it := range items {
			if it.AllowNA && i > 1 {
				na = i
			}
		}
		if na < 0 {
			t.Fatal("no N/A item after the first two")
		}
		f := func(i int) string { return "item_" + strconv.FormatInt(items[i].ID, 10) }
		vals := url.Values{"key": {"k-rect-0123456789"}, "lat": {fmt.Sprint(lat)}, "lng": {fmt.Sprint(lng)},
			"inspected_at": {e.Clock.Now().Add(-5 * time.Minute).Format(time.RFC3339)}}
		for i := range items {
			vals.Set(f(i), "pass")
		}
		vals.Set(f(0), "fail")
		vals.Set(f(0)+"_count", "2")
		vals.Set(f(0)+"_note", "人行道有暴露垃圾")
		vals.Set(f(1), "fail")
		vals.Set(f(1)+"_count", "1")
		vals.Set(f(na), "na")
		received := e.Count(t, "SELECT COALESCE(SUM(received), 0) FROM workorder_stats_daily")
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		res := submit(t, e, insp, site, vals, map[string][]byte{f(0) + "_photo": apptest.SmallJPEG(t), f(1) + "_photo": apptest.SmallJPEG(t)})
		if res.Status != http.StatusCreated {
			t.Fatalf("submit: %d %s", res.Status, res.Body)
		}
		var a answer
		res.Decode(&a)
		submittedAt := e.Clock.Now()

		// N/A leaves the denominator: possible is every other item's points.
		var possible int64
		for i, it := range items {
			if i != na {
				possible += it.Points
			}
		}
		if got := e.Count(t, "SELECT possible FROM inspections WHERE id = ?", a.ID); got != possible {
			t.Fatalf("possible %d, want %d without the N/A item", got, possible)
		}

		// Two failures, two rectifications: work orders of their own kind to
		// the site's unit, with the deadline of the item's severity, the
		// photo and the rule.
		var rects []rectRow
		err := e.App.DB.Read(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT x.id, x.order_id, x.result_id, x.severity FROM inspection_rectifications x
				WHERE x.inspection_id = ? ORDER BY x.id`, a.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var r rectRow
				if err := rows.Scan(&r.id, &r.order, &r.result, &r.severity); err != nil {
					return err
				}
				rects = append(rects, r)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rects) != 2 {
			t.Fatalf("%d rectifications for 2 failures", len(rects))
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+2 {
			t.Fatalf("%d new work orders, want 2", n-orders)
		}
		for i, r := range rects {
			o, err := e.App.Orders.GetInternal(ctx, r.order)
			if err != nil {
				t.Fatal(err)
			}
			wantDue := inspection.RectifyDue(inspection.Severity(r.severity), submittedAt)
			if o.Kind != "rectification" || o.State != "dispatched" || o.UnitID != cg || o.ResolveDueAt == nil || !o.ResolveDueAt.Equal(wantDue) {
				t.Fatalf("rectification %d: kind %s state %s unit %d due %v, want due %v", i, o.Kind, o.State, o.UnitID, o.ResolveDueAt, wantDue)
			}
			var rule string
			e.App.DB.Read(ctx, func(tx *db.Tx) error {
				return tx.Get(ctx, "", "SELECT rule FROM inspection_results WHERE id = ?", []any{r.result}, &rule)
			})
			if !strings.Contains(o.Description, rule) || o.Lat == nil || len(o.Events) != 2 || len(o.Events[0].PhotoIDs) != 1 {
				t.Fatalf("rectification %d lacks the rule, place or photo: %+v", i, o)
			}
		}
		if !strings.Contains(mustOrder(t, e, rects[0].order).Description, "人行道有暴露垃圾") {
			t.Fatal("the inspector's note is not on the order")
		}
		// Not a citizen's request: no KPI rollup moved, not trackable by code.
		if n := e.Count(t, "SELECT COALESCE(SUM(received), 0) FROM workorder_stats_daily"); n != received {
			t.Fatalf("the rollups count %d more received orders", n-received)
		}
		code := mustOrder(t, e, rects[0].order).Code
		if _, err := e.App.Orders.PublicView(ctx, code); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the tracking page shows a rectification: %v", err)
		}
		apptest.Want(t, "Open311", e.Anonymous(t).Get("/open311/v2/requests/"+code+".json"), http.StatusNotFound)
		apptest.Want(t, "inspection page", insp.Get(a.URL), http.StatusOK, `id="rectifications"`, code)

		// The unit acknowledges and resolves on its work-order screens.
		unit := e.Login(t, "handler_cg")
		apptest.Want(t, "the unit's order page", unit.Get("/orders/"+apptest.Itoa(rects[0].order)), http.StatusOK, `id="wo-kind"`, "督查整改")
		step := func(order int64, action string, form url.Values) {
			t.Helper()
			if r := unit.PostForm("/orders/"+apptest.Itoa(order)+"/actions/"+action, form); r.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", action, r.Status, r.Body)
			}
		}
		step(rects[0].order, "acknowledge", url.Values{})
		// Before the unit has resolved it there is nothing to recheck.
		res = recheck(t, e, insp, rects[0].id, url.Values{"key": {"k-early-0123456789"}, "verdict": {"pass"}}, nil)
		apptest.Want(t, "recheck before resolution", res, http.StatusConflict)
		step(rects[0].order, "resolve", url.Values{"note": {"已清扫干净"}})
		apptest.Want(t, "my round", insp.Get("/inspection/my"), http.StatusOK, `id="to-recheck"`)

		// A failed recheck needs its reason; with it, the order goes back
		// to the unit and counts against it; a re-send changes nothing.
		res = recheck(t, e, insp, rects[0].id, url.Values{"key": {"k-fail-recheck-0001"}, "verdict": {"fail"}}, nil)
		apptest.Want(t, "fail without reason", res, http.StatusBadRequest, "请写明仍存在的问题")
		dispatcher := e.Login(t, "dispatcher")
		res = recheck(t, e, dispatcher, rects[0].id, url.Values{"key": {"k-disp-recheck-0001"}, "verdict": {"pass"}}, nil)
		apptest.Want(t, "the dispatcher does not recheck", res, http.StatusForbidden)
		fail := url.Values{"key": {"k-fail-recheck-0002"}, "verdict": {"fail"}, "note": {"仍有垃圾未清运"}, "lat": {fmt.Sprint(lat)}, "lng": {fmt.Sprint(lng)}}
		for range 2 {
			if r := recheck(t, e, insp, rects[0].id, fail, apptest.SmallJPEG(t)); r.Status != http.StatusOK {
				t.Fatalf("fail: %d %s", r.Status, r.Body)
			}
		}
		if st := e.OrderState(t, rects[0].order); st != "reopened" {
			t.Fatalf("after a failed recheck the order is %s", st)
		}
		if n := e.Count(t, "SELECT failed_rechecks FROM inspection_rectifications WHERE id = ?", rects[0].id); n != 1 {
			t.Fatalf("%d failed rechecks counted, want 1 (a re-send is not a second)", n)
		}
		if n := e.Count(t, "SELECT reopen_count FROM workorders WHERE id = ?", rects[0].order); n != 1 {
			t.Fatalf("reopen count %d", n)
		}
		// Resolved again, the recheck passes and closes it.
		step(rects[0].order, "resolve", url.Values{"note": {"已全部清运"}})
		res = recheck(t, e, insp, rects[0].id, url.Values{"key": {"k-pass-recheck-0001"}, "verdict": {"pass"}}, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("pass: %d %s", res.Status, res.Body)
		}
		if st := e.OrderState(t, rects[0].order); st != "closed" {
			t.Fatalf("after a passed recheck the order is %s", st)
		}
		page := insp.Get("/inspection/rectifications/" + apptest.Itoa(rects[0].id))
		apptest.Want(t, "rectification page", page, http.StatusOK, "已整改", "仍有垃圾未清运", "已全部清运", `id="rechecks"`)
		apptest.Want(t, "list", insp.Get("/inspection/rectifications?state=recheck"), http.StatusOK)
		apptest.Want(t, "no such rectification", insp.Get("/inspection/rectifications/999999"), http.StatusNotFound)

		// The figures count them.
		leader, err := e.App.Accounts.Principal(ctx, e.ID(t, "users", "username", "leader"))
		if err != nil {
			t.Fatal(err)
		}
		tot, err := e.App.Inspection.RectificationTotals(ctx, leader, submittedAt.Add(-time.Minute), time.Time{}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if tot.Filed != 2 || tot.Closed != 1 || tot.ClosedOnTime != 1 || tot.FailedRechecks != 1 || tot.Open != 1 {
			t.Fatalf("totals %+v", tot)
		}
	})
}

func mustOrder(t *testing.T, e *apptest.Env, id int64) orderView {
	t.Helper()
	o, err := e.App.Orders.GetInternal(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return orderView{Code: o.Code, Description: o.Description}
}

type orderView struct{ Code, Description string }
