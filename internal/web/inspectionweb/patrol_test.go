package inspectionweb_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/inspection"
)

// postFiles sends a multipart form with files under their own field names.
func postFiles(t *testing.T, e *apptest.Env, c *apptest.Client, path string, vals url.Values, files map[string][]byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vals.Set("csrf", c.CSRF())
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, data := range files {
		w, _ := mw.CreateFormFile(field, field+".jpg")
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestAPatrolClosesWhatItFixedOnTheSpotAndFilesTheRestAsRectificationsThatCountInTheFigures(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		insp := e.Login(t, "inspector")
		// The demo's patrols.
		demo := e.Count(t, "SELECT COUNT(*) FROM inspection_patrols")
		if demo < 5 || e.Count(t, "SELECT COUNT(*) FROM inspection_patrol_findings WHERE fixed = TRUE AND after_photo_id IS NOT NULL") == 0 {
			t.Fatalf("the demo has %d patrols", demo)
		}
		apptest.Want(t, "list", insp.Get("/inspection/patrols"), http.StatusOK, `id="patrol-list"`)
		apptest.Want(t, "no route", insp.PostForm("/inspection/patrols", url.Values{"region_id": {"1"}}), http.StatusBadRequest, "巡查路线", "必填。")
		en := e.Login(t, "inspector")
		en.Lang = "en"
		apptest.Want(t, "no route in English", en.PostForm("/inspection/patrols", url.Values{"region_id": {"1"}}), http.StatusBadRequest, "Route", "Required.")
		region := e.Count(t, "SELECT MIN(id) FROM regions WHERE level = 'street'")
		res := insp.PostForm("/inspection/patrols", url.Values{"region_id": {idStr(region)}, "route": {"人民路—学府街"}})
		apptest.Want(t, "start", res, http.StatusSeeOther)
		loc := res.Header.Get("Location")
		if !strings.HasPrefix(loc, "/inspection/patrols/") {
			t.Fatalf("start went to %q", loc)
		}
		id := e.Count(t, "SELECT MAX(id) FROM inspection_patrols")
		cg := e.ID(t, "units", "code", "DEPT-CG")
		jpg := apptest.SmallJPEG(t)
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		add := loc + "/findings"
		apptest.Want(t, "fixed without the after photo", postFiles(t, e, insp, add, url.Values{"kind": {"stalls"}, "description": {"店外经营"},
			"unit_id": {idStr(cg)}, "fixed": {"1"}}, map[string][]byte{"before": jpg}), http.StatusBadRequest, "当场整改的问题请拍摄整改后照片")
		apptest.Want(t, "no before photo", postFiles(t, e, insp, add, url.Values{"kind": {"stalls"}, "description": {"店外经营"},
			"unit_id": {idStr(cg)}}, nil), http.StatusBadRequest, "请拍摄整改前照片")
		apptest.Want(t, "bad kind", postFiles(t, e, insp, add, url.Values{"kind": {"x"}, "description": {"店外经营"},
			"unit_id": {idStr(cg)}}, map[string][]byte{"before": jpg}), http.StatusBadRequest, "问题类型")
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_patrol_findings WHERE patrol_id = ?", id); n != 0 || e.Count(t, "SELECT COUNT(*) FROM workorders") != orders {
			t.Fatal("a refused finding changed something")
		}
		apptest.Want(t, "fixed", postFiles(t, e, insp, add, url.Values{"kind": {"posters"}, "description": {"电杆小广告已清除"},
			"unit_id": {idStr(cg)}, "fixed": {"1"}}, map[string][]byte{"before": jpg, "after": jpg}), http.StatusSeeOther)
		apptest.Want(t, "not fixed", postFiles(t, e, insp, add, url.Values{"kind": {"clutter"}, "description": {"楼道口堆放废旧家具"},
			"unit_id": {idStr(cg)}}, map[string][]byte{"before": jpg}), http.StatusSeeOther)
		pt, err := e.App.Inspection.GetPatrol(ctx, principal(t, e, "inspector"), id)
		if err != nil || len(pt.Findings) != 2 {
			t.Fatalf("patrol %+v %v", pt, err)
		}
		fixed, open := pt.Findings[0], pt.Findings[1]
		if !fixed.Fixed || fixed.OrderID != 0 || fixed.AfterPhoto == 0 || open.Fixed || open.OrderID == 0 {
			t.Fatalf("findings %+v", pt.Findings)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("%d orders filed, want 1", n-orders)
		}
		var kind string
		var unit int64
		e.App.DB.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "", "SELECT kind, unit_id FROM workorders WHERE id = ?", []any{open.OrderID}, &kind, &unit)
		})
		if kind != "rectification" || unit != cg || e.OrderState(t, open.OrderID) != "dispatched" {
			t.Fatalf("the finding's order: %s to %d, %s", kind, unit, e.OrderState(t, open.OrderID))
		}
		apptest.Want(t, "page", insp.Get(loc), http.StatusOK, `id="patrol-findings"`, "楼道口堆放废旧家具", open.OrderCode)
		apptest.Want(t, "before photo", insp.Get(loc+"/photos/"+idStr(fixed.BeforePhoto)), http.StatusOK)
		apptest.Want(t, "a photo of another patrol", insp.Get(loc+"/photos/"+idStr(fixed.BeforePhoto+100000)), http.StatusNotFound)
		// Only the patroller records on it; once ended, nobody.
		apptest.Want(t, "someone else's patrol", postFiles(t, e, e.Login(t, "admin"), add, url.Values{"kind": {"dogs"}, "description": {"遛狗未牵绳"},
			"unit_id": {idStr(cg)}}, map[string][]byte{"before": jpg}), http.StatusForbidden)
		apptest.Want(t, "end", insp.PostForm(loc+"/end", url.Values{}), http.StatusSeeOther)
		apptest.Want(t, "after the end", postFiles(t, e, insp, add, url.Values{"kind": {"dogs"}, "description": {"遛狗未牵绳"},
			"unit_id": {idStr(cg)}}, map[string][]byte{"before": jpg}), http.StatusConflict)
		// The unit resolves the rectification; the inspector's check closes it.
		handler := e.Login(t, "handler_cg")
		for _, a := range []string{"acknowledge", "resolve"} {
			if r := handler.PostForm("/orders/"+idStr(open.OrderID)+"/actions/"+a, url.Values{"note": {"已清理"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", a, r.Status, r.Body)
			}
		}
		apptest.Want(t, "check", insp.PostForm("/inspection/patrols/findings/"+idStr(open.ID)+"/pass", url.Values{"patrol_id": {idStr(id)}}), http.StatusSeeOther)
		if st := e.OrderState(t, open.OrderID); st != "closed" {
			t.Fatalf("checked: %s", st)
		}
		apptest.Want(t, "check a fixed one", insp.PostForm("/inspection/patrols/findings/"+idStr(fixed.ID)+"/pass", url.Values{"patrol_id": {idStr(id)}}), http.StatusConflict)
		// The figures: the city's, the unit's and the region's.
		fctx := e.App.Inspection.FiguresContext(ctx)
		admin := principal(t, e, "admin")
		val := func(name string, sc figures.Scope) figures.Value {
			f, _ := figures.Get("inspection." + name)
			v, err := f.Compute(fctx, admin, sc)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		all := figures.Scope{From: "2026-11-01", To: "2026-11-30"}
		from, to := ms("2026-11-01"), ms("2026-12-01")
		if v := val(inspection.FigPatrols, all); v.Count != e.Count(t, "SELECT COUNT(*) FROM inspection_patrols WHERE started_at >= ? AND started_at < ?", from, to) {
			t.Fatalf("patrols %d", v.Count)
		}
		found := e.Count(t, "SELECT COUNT(*) FROM inspection_patrol_findings f JOIN inspection_patrols p ON p.id = f.patrol_id WHERE p.started_at >= ? AND p.started_at < ?", from, to)
		fixedN := e.Count(t, "SELECT COUNT(*) FROM inspection_patrol_findings f JOIN inspection_patrols p ON p.id = f.patrol_id WHERE f.fixed = TRUE AND p.started_at >= ? AND p.started_at < ?", from, to)
		if v := val(inspection.FigPatrolFixed, all); v.Rate == nil || v.Rate.Numerator != fixedN || v.Rate.Denominator != found || found < 3 {
			t.Fatalf("fixed on the spot %+v, rows %d of %d", v.Rate, fixedN, found)
		}
		unitSc := all
		unitSc.UnitID = cg
		if v := val(inspection.FigPatrolFindings, unitSc); v.Count != 2 {
			t.Fatalf("the bureau's patrol findings: %d", v.Count)
		}
		if v := val(inspection.FigPatrols, unitSc); v.Count != 1 {
			t.Fatalf("the bureau's patrols: %d", v.Count)
		}
		regSc := all
		regSc.RegionID = region
		if v := val(inspection.FigPatrols, regSc); v.Count < 1 || v.Count > val(inspection.FigPatrols, all).Count {
			t.Fatalf("the street's patrols: %d", v.Count)
		}
	})
}
