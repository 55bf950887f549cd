package orderweb_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// An order whose region is the whole district (as citizens' reports and
// Open311 requests get) but which is dispatched to 张公桥街道办事处 is seen and
// acknowledged by handler_zgq, whose scope is only 张公桥街道, on the pages
// and through the API; a handler of another unit outside the region still
// gets 404.
func TestOrderDispatchedToTheHandlersUnitOutsideTheirRegionIsSeenAndAcknowledged(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		district := url.Values{"region_id": {idStr(e.ID(t, "regions", "code", "511102"))}}
		dispatch := func(id int64) {
			t.Helper()
			if res := woStep(e.Login(t, "dispatcher"), id, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "ST-ZGQ"))}}); res.Status != http.StatusSeeOther {
				t.Fatalf("dispatch: %d %s", res.Status, res.Body)
			}
		}
		// Through the pages.
		id := woIntake(t, e, e.Login(t, "operator"), "RUBBISH", "区里转来的垃圾堆放问题", district)
		dispatch(id)
		code := woCode(t, e, id)
		zgq := e.Login(t, "handler_zgq")
		if res := zgq.Get("/orders/" + idStr(id)); res.Status != http.StatusOK {
			t.Fatalf("html get: %d", res.Status)
		}
		if res := zgq.Get("/orders"); res.Status != http.StatusOK || !res.Contains(code) {
			t.Fatalf("the queue lacks the unit's order: %s", res.Body)
		}
		stepper{t, e, id}.do(zgq, "acknowledge", nil, "acknowledged")

		// Through the API.
		id = woIntake(t, e, e.Login(t, "operator"), "RUBBISH", "区里转来的第二件垃圾问题", district)
		dispatch(id)
		code = woCode(t, e, id)
		api := e.API(t, "handler_zgq")
		if res := api.JSON("GET", fmt.Sprintf("/api/v1/workorders/%d", id), nil); res.Status != http.StatusOK {
			t.Fatalf("api get: %d %s", res.Status, res.Body)
		}
		if res := api.JSON("GET", "/api/v1/workorders", nil); res.Status != http.StatusOK || !res.Contains(code) {
			t.Fatalf("api list lacks the unit's order: %s", res.Body)
		}
		if res := api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/acknowledge", id), nil); res.Status != http.StatusOK || e.OrderState(t, id) != "acknowledged" {
			t.Fatalf("api acknowledge: %d %s", res.Status, res.Body)
		}

		// Another unit's handler, outside the region, still gets 404.
		swq := e.Login(t, "handler_swq")
		if res := swq.Get("/orders/" + idStr(id)); res.Status != http.StatusNotFound {
			t.Fatalf("handler_swq html get: %d", res.Status)
		}
		if res := e.API(t, "handler_swq").JSON("GET", fmt.Sprintf("/api/v1/workorders/%d", id), nil); res.Status != http.StatusNotFound {
			t.Fatalf("handler_swq api get: %d", res.Status)
		}
	})
}

// A dispatcher is told when the chosen unit has nobody active who could act
// on the order: the order page marks such units in its unit list, the form
// says so after the dispatch and the API answers warnings
// ["no_active_handler"]; a unit with an active handler gets no warning.
func TestDispatchToAUnitWithNoActiveHandlerWarnsTheDispatcher(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		zgq := idStr(e.ID(t, "units", "code", "ST-ZGQ"))
		disp := e.Login(t, "dispatcher")
		api := e.API(t, "dispatcher")
		dispatchAPI := func(id int64) *apptest.Response {
			t.Helper()
			res := api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/dispatch", id), map[string]any{"unit_id": e.ID(t, "units", "code", "ST-ZGQ")})
			if res.Status != http.StatusOK {
				t.Fatalf("api dispatch: %d %s", res.Status, res.Body)
			}
			return res
		}

		// handler_zgq is active: no warning either way.
		id := woIntake(t, e, e.Login(t, "operator"), "RUBBISH", "楼下垃圾两天没人清运", nil)
		if res := dispatchAPI(id); res.Contains("no_active_handler") {
			t.Fatalf("warned although handler_zgq can act: %s", res.Body)
		}
		id = woIntake(t, e, e.Login(t, "operator"), "RUBBISH", "小区门口垃圾桶满溢", nil)
		if page := disp.Get("/orders/" + idStr(id)); page.Status != http.StatusOK || page.Contains("张公桥街道办事处 （无在岗办理人员）") {
			t.Fatalf("order page marks 张公桥街道办事处 as without handler: %s", page.Body)
		}
		if res := woStep(disp, id, "dispatch", url.Values{"unit_id": {zgq}}); res.Status != http.StatusSeeOther {
			t.Fatalf("form dispatch: %d %s", res.Status, res.Body)
		}
		if page := disp.Get("/orders/" + idStr(id)); page.Contains("没有能办理工单的在岗人员") {
			t.Fatalf("form warned although handler_zgq can act")
		}

		// The unit's only handler leaves: the next dispatch warns.
		e.Exec(t, "UPDATE users SET active = FALSE WHERE username = ?", "handler_zgq")
		id = woIntake(t, e, e.Login(t, "operator"), "RUBBISH", "菜场后门垃圾堆积发臭", nil)
		if page := disp.Get("/orders/" + idStr(id)); !page.Contains("张公桥街道办事处 （无在岗办理人员）") {
			t.Fatalf("order page does not mark 张公桥街道办事处: %s", page.Body)
		}
		if res := woStep(disp, id, "dispatch", url.Values{"unit_id": {zgq}}); res.Status != http.StatusSeeOther {
			t.Fatalf("form dispatch: %d %s", res.Status, res.Body)
		}
		if page := disp.Get("/orders/" + idStr(id)); !page.Contains("已派单至 ", "。注意：该单位目前没有能办理工单的在岗人员") {
			t.Fatalf("form did not warn: %s", page.Body)
		}
		if e.OrderState(t, id) != "dispatched" {
			t.Fatalf("the warning must not stop the dispatch: %s", e.OrderState(t, id))
		}
		id = woIntake(t, e, e.Login(t, "operator"), "RUBBISH", "公园长椅旁垃圾散落", nil)
		if res := dispatchAPI(id); !res.Contains(`"warnings":["no_active_handler"]`) {
			t.Fatalf("api did not warn: %s", res.Body)
		}
	})
}

// A citizen's report made in 张公桥 is placed in a community of 张公桥街道,
// not only the district, so handler_zgq, whose scope is that street, sees it
// before anyone dispatches it, and handler_swq (沙湾镇) does not.
func TestACitizensReportInZhanggongqiaoIsPlacedInItsCommunityAndSeenByTheStreetsHandler(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		res := c.JSON("POST", "/api/v1/public/reports", map[string]any{"category": "RUBBISH", "description": "张公桥菜市场旁垃圾堆放",
			"lat": 29.5806, "lng": 103.7484, "phone": "13800138000"})
		if res.Status != http.StatusCreated {
			t.Fatalf("report: %d %s", res.Status, res.Body)
		}
		var out struct{ Code string }
		res.Decode(&out)
		id := e.ID(t, "workorders", "code", out.Code)
		if e.Count(t, `SELECT COUNT(*) FROM workorders w JOIN regions r ON r.id = w.region_id WHERE w.id = ?
			AND r.level IN ('community', 'grid') AND r.path LIKE (SELECT path FROM regions WHERE code = '511102-ZGQ') || '%'`, id) != 1 {
			t.Fatalf("the report is not in a community of 张公桥街道")
		}
		if res := e.Login(t, "handler_zgq").Get("/orders/" + idStr(id)); res.Status != http.StatusOK {
			t.Fatalf("handler_zgq: %d", res.Status)
		}
		if res := e.Login(t, "handler_swq").Get("/orders/" + idStr(id)); res.Status != http.StatusNotFound {
			t.Fatalf("handler_swq: %d", res.Status)
		}
	})
}
