package orderweb_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// ---- helpers ----

const woPhone = "13912345678"

func woEvents(t *testing.T, e *apptest.Env, id int64) int64 {
	t.Helper()
	return e.Count(t, "SELECT COUNT(*) FROM workorder_events WHERE order_id = ?", id)
}

func woAudits(t *testing.T, e *apptest.Env, id int64, action string) int64 {
	t.Helper()
	return e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder' AND entity_id = ? AND action = ?",
		strconv.FormatInt(id, 10), action)
}

var orderLocRe = regexp.MustCompile(`^/orders/(\d+)\?new=1$`)

// woIntake enters a hotline call through the intake form as c and returns
// the new order's id.
func woIntake(t *testing.T, e *apptest.Env, c *apptest.Client, category, desc string, extra url.Values) int64 {
	t.Helper()
	v := url.Values{"phone": {woPhone}, "name": {"张女士"}, "description": {desc},
		"category_id": {strconv.FormatInt(e.ID(t, "workorder_categories", "code", category), 10)},
		"address":     {"张公桥好吃街 12 号门口"}, "region_id": {strconv.FormatInt(e.ID(t, "regions", "code", "511102-ZGQ"), 10)}}
	for k, x := range extra {
		v[k] = x
	}
	res := c.PostForm("/orders", v)
	m := orderLocRe.FindStringSubmatch(res.Header.Get("Location"))
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("intake: %d %q %s", res.Status, res.Header.Get("Location"), res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func woStep(c *apptest.Client, id int64, action string, v url.Values) *apptest.Response {
	return c.PostForm(fmt.Sprintf("/orders/%d/actions/%s", id, action), v)
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// woCode reads an order's tracking code.
func woCode(t *testing.T, e *apptest.Env, id int64) string {
	t.Helper()
	var code string
	ctx := context.Background()
	if err := e.App.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "workorder", "SELECT code FROM workorders WHERE id = ?", []any{id}, &code)
	}); err != nil {
		t.Fatal(err)
	}
	return code
}

// stepper runs one step through the detail page's form and checks that it
// moved the order to the state, added exactly one timeline row (or more,
// when want > 1) showing the step, and wrote the step's audit row.
type stepper struct {
	t  *testing.T
	e  *apptest.Env
	id int64
}

func (s stepper) do(c *apptest.Client, action string, v url.Values, state string) {
	s.t.Helper()
	events, audits := woEvents(s.t, s.e, s.id), woAudits(s.t, s.e, s.id, "workorder."+action)
	// The form is offered before it is used.
	page := c.Get("/orders/" + idStr(s.id))
	if !page.Contains(fmt.Sprintf(`action="/orders/%d/actions/%s"`, s.id, action)) {
		s.t.Fatalf("%s: no form on the page: %s", action, page.Body)
	}
	res := woStep(c, s.id, action, v)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/orders/"+idStr(s.id) {
		s.t.Fatalf("%s: %d %s", action, res.Status, res.Body)
	}
	if got := s.e.OrderState(s.t, s.id); got != state {
		s.t.Fatalf("%s: state %s, want %s", action, got, state)
	}
	if got := woEvents(s.t, s.e, s.id); got != events+1 {
		s.t.Fatalf("%s: %d timeline rows, want %d", action, got, events+1)
	}
	if got := woAudits(s.t, s.e, s.id, "workorder."+action); got != audits+1 {
		s.t.Fatalf("%s: %d audit rows, want %d", action, got, audits+1)
	}
	page = c.Get("/orders/" + idStr(s.id))
	if page.Status != http.StatusOK || !page.Contains(`data-action="`+action+`"`, `<div class="flash" role="status">`) {
		s.t.Fatalf("%s: the timeline lacks the step or the flash: %s", action, page.Body)
	}
}

// ---- the happy path ----

func TestOrderHappyPathThroughEveryStepOnTheStaffPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op, disp, zgq := e.Login(t, "operator"), e.Login(t, "dispatcher"), e.Login(t, "handler_zgq")

		// The operator's intake form, then the flash and the code to read out.
		form := op.Get("/orders/new")
		if form.Status != http.StatusOK || !form.Contains(`name="phone"`, `name="category_id"`, "<optgroup", "占道经营", `name="answered"`) {
			t.Fatalf("intake form: %d %s", form.Status, form.Body)
		}
		id := woIntake(t, e, op, "STREET_VENDING", "好吃街门口有流动摊贩占道经营，行人难以通过", nil)
		code := woCode(t, e, id)
		page := op.Get("/orders/" + idStr(id) + "?new=1")
		if !page.Contains("工单已登记", `id="tracking-code">`+code+"<", "139****5678", "待受理", "热线") || page.Contains(woPhone) {
			t.Fatalf("after intake: %s", page.Body)
		}
		if e.OrderState(t, id) != "submitted" || woEvents(t, e, id) != 1 || woAudits(t, e, id, "create") != 1 {
			t.Fatalf("intake stored %s with %d events", e.OrderState(t, id), woEvents(t, e, id))
		}
		// The operator cannot steer the order: no dispatcher forms.
		if page.Contains("/actions/accept") || page.Contains("/actions/dispatch") {
			t.Fatal("the operator is offered dispatcher steps")
		}

		s := stepper{t, e, id}
		s.do(disp, "accept", nil, "accepted")
		zgqUnit := idStr(e.ID(t, "units", "code", "ST-ZGQ"))
		s.do(disp, "dispatch", url.Values{"unit_id": {zgqUnit}, "note": {"请今天内到场劝离"}}, "dispatched")
		// The flash says where it went; the dispatch opinion is on the timeline.
		if page := disp.Get("/orders/" + idStr(id)); !page.Contains("请今天内到场劝离") {
			t.Fatalf("dispatch opinion not on the timeline: %s", page.Body)
		}

		// The handler sees it in the queue with its deadline, and only the unit's steps.
		q := zgq.Get("/orders")
		if q.Status != http.StatusOK || !q.Contains(code, "已派单") {
			t.Fatalf("handler queue: %s", q.Body)
		}
		hp := zgq.Get("/orders/" + idStr(id))
		if !hp.Contains("/actions/acknowledge", "/actions/return") || hp.Contains("/actions/verify") || hp.Contains("/actions/accept") {
			t.Fatalf("handler steps: %s", hp.Body)
		}
		s.do(zgq, "acknowledge", nil, "acknowledged")
		s.do(zgq, "request_extension", url.Values{"note": {"需协调城管联合执法"}, "extension_until": {"2026-12-20"}}, "extension_requested")
		s.do(disp, "approve_extension", nil, "acknowledged")
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND resolve_due_at > ?", id,
			time.Date(2026, 12, 19, 0, 0, 0, 0, time.UTC).UnixMilli()) != 1 {
			t.Fatal("the approved extension did not move the resolve deadline")
		}
		s.do(zgq, "resolve", url.Values{"note": {"已清理摊点并设置劝导岗"}}, "resolved")
		s.do(disp, "verify", nil, "verified")
		s.do(op, "callback", url.Values{"rating": {"satisfied"}}, "callback_done")
		s.do(op, "close", nil, "closed")

		page = disp.Get("/orders/" + idStr(id))
		if !page.Contains("已归档", "已清理摊点并设置劝导岗", "满意", "王晓燕", "陈建国") || strings.Contains(page.Body, `/actions/`) {
			t.Fatalf("closed order: %s", page.Body)
		}
	})
}

func TestOrderHappyPathThroughTheAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op, disp, zgq := e.API(t, "operator"), e.API(t, "dispatcher"), e.API(t, "handler_zgq")
		res := op.JSON("POST", "/api/v1/workorders", map[string]any{
			"category_id": e.ID(t, "workorder_categories", "code", "STREET_LIGHT"), "description": "柏杨路路灯连续三晚不亮",
			"region_id": e.ID(t, "regions", "code", "511102-ZGQ"), "phone": woPhone, "name": "王先生",
		})
		var o struct {
			ID             int64    `json:"id"`
			Code           string   `json:"code"`
			State          string   `json:"state"`
			Channel        string   `json:"channel"`
			ReporterPhone  string   `json:"reporter_phone"`
			AllowedActions []string `json:"allowed_actions"`
			Events         []struct {
				Action    string `json:"action"`
				FromState string `json:"from_state"`
				ToState   string `json:"to_state"`
			} `json:"events"`
			EscalationLevel int  `json:"escalation_level"`
			Overdue         bool `json:"overdue"`
		}
		res.Decode(&o)
		if res.Status != http.StatusCreated || o.Code == "" || o.State != "submitted" || o.Channel != "hotline" ||
			o.ReporterPhone != "139****5678" || strings.Contains(res.Body, woPhone) {
			t.Fatalf("intake: %d %s", res.Status, res.Body)
		}
		steps := []struct {
			c      *apptest.Client
			action string
			body   map[string]any
			state  string
		}{
			{disp, "accept", nil, "accepted"},
			{disp, "dispatch", map[string]any{"unit_id": e.ID(t, "units", "code", "ST-ZGQ"),
				"assist_unit_ids": []int64{e.ID(t, "units", "code", "DEPT-CG")}}, "dispatched"},
			{zgq, "acknowledge", nil, "acknowledged"},
			{zgq, "request_extension", map[string]any{"note": "需更换灯杆", "extension_until": "2026-12-20"}, "extension_requested"},
			{disp, "approve_extension", map[string]any{}, "acknowledged"},
			{zgq, "resolve", map[string]any{"note": "已更换灯具"}, "resolved"},
			{disp, "verify", nil, "verified"},
			{op, "callback", map[string]any{"rating": "basically_satisfied"}, "callback_done"},
			{op, "close", nil, "closed"},
		}
		for _, st := range steps {
			events, audits := woEvents(t, e, o.ID), woAudits(t, e, o.ID, "workorder."+st.action)
			res := st.c.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/%s", o.ID, st.action), st.body)
			res.Decode(&o)
			if res.Status != http.StatusOK || o.State != st.state {
				t.Fatalf("%s: %d %s", st.action, res.Status, res.Body)
			}
			last := o.Events[len(o.Events)-1]
			if int64(len(o.Events)) != events+1 || woEvents(t, e, o.ID) != events+1 || last.Action != st.action || last.ToState != st.state ||
				woAudits(t, e, o.ID, "workorder."+st.action) != audits+1 {
				t.Fatalf("%s: timeline %+v, audit rows %d", st.action, o.Events, woAudits(t, e, o.ID, "workorder."+st.action))
			}
		}
		res = disp.JSON("GET", fmt.Sprintf("/api/v1/workorders/%d", o.ID), nil)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `"allowed_actions":[]`) || !strings.Contains(res.Body, `"satisfaction":"basically_satisfied"`) {
			t.Fatalf("closed order: %s", res.Body)
		}
	})
}

// ---- branches ----

func TestOrderBranchesRejectReturnRefuseDissatisfiedAndAnswerAtIntake(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op, disp, zgq := e.Login(t, "operator"), e.Login(t, "dispatcher"), e.Login(t, "handler_zgq")
		zgqUnit := idStr(e.ID(t, "units", "code", "ST-ZGQ"))
		dispatched := func(desc string) stepper {
			s := stepper{t, e, woIntake(t, e, op, "RUBBISH", desc, nil)}
			s.do(disp, "dispatch", url.Values{"unit_id": {zgqUnit}}, "dispatched")
			return s
		}

		t.Run("reject with a reason", func(t *testing.T) {
			s := stepper{t, e, woIntake(t, e, op, "RUBBISH", "小区门口垃圾无人清运已一周", nil)}
			s.do(disp, "reject", url.Values{"note": {"重复来电，已有工单办理"}}, "rejected")
			if !disp.Get("/orders/"+idStr(s.id)).Contains("不予受理", "重复来电，已有工单办理") {
				t.Fatal("the reason is not on the page")
			}
		})

		t.Run("return and dispatch again", func(t *testing.T) {
			s := dispatched("楼道里堆放大量建筑垃圾")
			s.do(zgq, "return", url.Values{"note": {"属物业管理范围，非本单位职责"}}, "returned")
			if !disp.Get("/orders/" + idStr(s.id)).Contains("/actions/dispatch") {
				t.Fatal("the dispatcher is not offered the re-dispatch")
			}
			s.do(disp, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "DEPT-CG"))}}, "dispatched")
		})

		t.Run("verification refused reopens", func(t *testing.T) {
			s := dispatched("河边垃圾堆积发臭")
			s.do(zgq, "acknowledge", nil, "acknowledged")
			s.do(zgq, "resolve", url.Values{"note": {"已清理"}}, "resolved")
			s.do(disp, "refuse", url.Values{"note": {"现场照片显示仍有垃圾"}}, "reopened")
			if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND reopen_count = 1", s.id) != 1 {
				t.Fatal("reopen not counted")
			}
			s.do(zgq, "resolve", url.Values{"note": {"已彻底清理并安排每日巡查"}}, "resolved")
		})

		t.Run("dissatisfied callback reopens", func(t *testing.T) {
			s := dispatched("垃圾桶满溢无人处理")
			s.do(zgq, "acknowledge", nil, "acknowledged")
			s.do(zgq, "resolve", url.Values{"note": {"已清运"}}, "resolved")
			s.do(disp, "verify", nil, "verified")
			s.do(op, "callback", url.Values{"rating": {"dissatisfied"}}, "reopened")
			if !zgq.Get("/orders/"+idStr(s.id)).Contains("/actions/resolve", "不满意") {
				t.Fatal("the reopened order does not go back to the unit")
			}
		})

		t.Run("answered at intake closes at once", func(t *testing.T) {
			res := op.PostForm("/orders", url.Values{"category_id": {idStr(e.ID(t, "workorder_categories", "code", "POLICY_QUERY"))},
				"description": {"咨询文明城市创建测评时间安排"}, "phone": {woPhone}, "answered": {"1"}, "answer": {"已告知测评安排，无需派单"}})
			m := orderLocRe.FindStringSubmatch(res.Header.Get("Location"))
			if res.Status != http.StatusSeeOther || m == nil {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			id, _ := strconv.ParseInt(m[1], 10, 64)
			if e.OrderState(t, id) != "answered_at_intake" || woEvents(t, e, id) != 2 || woAudits(t, e, id, "workorder.answer") != 1 {
				t.Fatalf("answered: %s, %d events", e.OrderState(t, id), woEvents(t, e, id))
			}
			page := op.Get(res.Header.Get("Location"))
			if !page.Contains("已即接即办并归档", "tracking-code", "已告知测评安排") || page.Contains("/actions/") {
				t.Fatalf("answered page: %s", page.Body)
			}
			// Ticking the box without the answer stores nothing.
			before := e.Count(t, "SELECT COUNT(*) FROM workorders")
			res = op.PostForm("/orders", url.Values{"category_id": {idStr(e.ID(t, "workorder_categories", "code", "POLICY_QUERY"))},
				"description": {"咨询志愿者报名方式"}, "answered": {"1"}})
			if res.Status != http.StatusBadRequest || !res.Contains("请填写答复内容", "咨询志愿者报名方式") ||
				e.Count(t, "SELECT COUNT(*) FROM workorders") != before {
				t.Fatalf("answered without answer: %d %s", res.Status, res.Body)
			}
		})
	})
}

// ---- refusals ----

func TestOrderStepInTheWrongStateIsRefusedWith409AndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woIntake(t, e, e.Login(t, "operator"), "NOISE", "夜间施工噪音扰民严重", nil)
		events := woEvents(t, e, id)
		res := woStep(e.Login(t, "dispatcher"), id, "verify", nil)
		if res.Status != http.StatusConflict || !res.Contains("工单处于", "请刷新页面") {
			t.Fatalf("html: %d %s", res.Status, res.Body)
		}
		api := e.API(t, "dispatcher")
		api.Lang = "en"
		res = api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/acknowledge", id), nil)
		if res.Status != http.StatusConflict || !res.Contains(`"code":"conflict"`, "Reload the page") {
			t.Fatalf("api: %d %s", res.Status, res.Body)
		}
		if e.OrderState(t, id) != "submitted" || woEvents(t, e, id) != events {
			t.Fatal("a refused step changed the order")
		}
	})
}

func TestOrderStepByTheWrongRoleIsForbidden(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op := e.Login(t, "operator")
		id := woIntake(t, e, op, "NOISE", "广场舞音响声音过大", nil)
		events := woEvents(t, e, id)
		for _, who := range []string{"operator", "leader", "handler_zgq"} {
			res := woStep(e.Login(t, who), id, "accept", nil)
			if res.Status != http.StatusForbidden {
				t.Fatalf("%s accept: %d %s", who, res.Status, res.Body)
			}
		}
		res := e.API(t, "leader").JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/dispatch", id),
			map[string]any{"unit_id": e.ID(t, "units", "code", "ST-ZGQ")})
		if res.Status != http.StatusForbidden || !res.Contains(`"code":"forbidden"`) {
			t.Fatalf("leader api: %d %s", res.Status, res.Body)
		}
		// A handler of another unit may not acknowledge; nor may anyone merge without dispatch.
		woStep(e.Login(t, "dispatcher"), id, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "ST-ZGQ"))}})
		events = woEvents(t, e, id)
		if res := woStep(e.Login(t, "handler_cg"), id, "acknowledge", nil); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
			t.Fatalf("handler_cg acknowledge: %d", res.Status)
		}
		if res := op.PostForm(fmt.Sprintf("/orders/%d/merge", id), url.Values{"codes": {"ABCDEFGHJK"}}); res.Status != http.StatusForbidden {
			t.Fatalf("operator merge: %d", res.Status)
		}
		if e.Login(t, "leader").Get("/orders/new").Status != http.StatusForbidden {
			t.Fatal("the leader reached the intake form")
		}
		if e.OrderState(t, id) != "dispatched" || woEvents(t, e, id) != events {
			t.Fatal("a forbidden step changed the order")
		}
	})
}

func TestOrderOutsideTheHandlersScopeIsNotFoundOnEveryRoute(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woIntake(t, e, e.Login(t, "operator"), "RUBBISH", "张公桥菜市场门口垃圾成堆", nil)
		woStep(e.Login(t, "dispatcher"), id, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "ST-ZGQ"))}})
		code, events := woCode(t, e, id), woEvents(t, e, id)
		swq := e.Login(t, "handler_swq")
		if res := swq.Get("/orders/" + idStr(id)); res.Status != http.StatusNotFound {
			t.Fatalf("html get: %d", res.Status)
		}
		if res := woStep(swq, id, "acknowledge", nil); res.Status != http.StatusNotFound {
			t.Fatalf("html action: %d", res.Status)
		}
		if res := woStep(swq, id, "return", url.Values{"extension_until": {"bad"}}); res.Status != http.StatusNotFound {
			t.Fatalf("html action with bad input: %d", res.Status)
		}
		if res := swq.PostForm("/orders/"+idStr(id)+"/phone", nil); res.Status != http.StatusNotFound && res.Status != http.StatusForbidden {
			t.Fatalf("phone: %d", res.Status)
		}
		if res := swq.Get("/orders"); res.Status != http.StatusOK || res.Contains(code) {
			t.Fatalf("the queue shows another district's order: %s", res.Body)
		}
		api := e.API(t, "handler_swq")
		if res := api.JSON("GET", fmt.Sprintf("/api/v1/workorders/%d", id), nil); res.Status != http.StatusNotFound {
			t.Fatalf("api get: %d", res.Status)
		}
		if res := api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/acknowledge", id), nil); res.Status != http.StatusNotFound {
			t.Fatalf("api action: %d", res.Status)
		}
		if res := api.JSON("GET", "/api/v1/workorders", nil); res.Status != http.StatusOK || res.Contains(code) {
			t.Fatalf("api list: %s", res.Body)
		}
		if e.OrderState(t, id) != "dispatched" || woEvents(t, e, id) != events {
			t.Fatal("an out-of-scope request changed the order")
		}
		// The handler of the unit does see it.
		if e.Login(t, "handler_zgq").Get("/orders/"+idStr(id)).Status != http.StatusOK {
			t.Fatal("handler_zgq cannot see its own order")
		}
	})
}

func TestOrderBadInputGetsFieldMessagesInZhAndEnAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woIntake(t, e, e.Login(t, "operator"), "PARKING", "小区消防通道被车辆长期占用", nil)
		events := woEvents(t, e, id)
		disp := e.Login(t, "dispatcher")
		res := woStep(disp, id, "reject", url.Values{"note": {"  "}})
		if res.Status != http.StatusBadRequest || !res.Contains("请填写原因或说明", `id="e-reject-note"`, `aria-invalid="true"`) {
			t.Fatalf("zh missing reason: %d %s", res.Status, res.Body)
		}
		res = woStep(disp, id, "dispatch", url.Values{"unit_id": {"999999"}})
		if res.Status != http.StatusBadRequest || !res.Contains("请选择一个有效的选项", `id="e-dispatch-unit_id"`) {
			t.Fatalf("zh bad unit: %d %s", res.Status, res.Body)
		}
		disp.Lang = "en"
		res = woStep(disp, id, "reject", nil)
		if res.Status != http.StatusBadRequest || !res.Contains("Please give a reason") {
			t.Fatalf("en missing reason: %d %s", res.Status, res.Body)
		}
		res = woStep(disp, id, "dispatch", url.Values{"unit_id": {"abc"}})
		if res.Status != http.StatusBadRequest || !res.Contains("valid number") {
			t.Fatalf("en non-numeric unit: %d %s", res.Status, res.Body)
		}
		api := e.API(t, "dispatcher")
		res = api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/dispatch", id), map[string]any{"unit_id": 999999})
		if res.Status != http.StatusBadRequest || !res.Contains(`"unit_id":"请选择一个有效的选项。"`) {
			t.Fatalf("api zh bad unit: %d %s", res.Status, res.Body)
		}
		api.Lang = "en"
		res = api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/reject", id), map[string]any{})
		if res.Status != http.StatusBadRequest || !res.Contains(`"note":"Please give a reason`) {
			t.Fatalf("api en missing reason: %d %s", res.Status, res.Body)
		}
		res = api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/fly", id), map[string]any{})
		if res.Status != http.StatusBadRequest {
			t.Fatalf("unknown action: %d %s", res.Status, res.Body)
		}
		if e.OrderState(t, id) != "submitted" || woEvents(t, e, id) != events || woAudits(t, e, id, "workorder.reject") != 0 {
			t.Fatal("bad input changed the order")
		}
		// The intake form keeps what was typed and names the fields.
		before := e.Count(t, "SELECT COUNT(*) FROM workorders")
		op := e.Login(t, "operator")
		res = op.PostForm("/orders", url.Values{"description": {"短"}, "phone": {"12"}, "lat": {"91"}, "lng": {"103.7"}})
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-category_id"`, `id="e-description"`, `id="e-phone"`, `id="e-lat"`, `value="103.7"`) {
			t.Fatalf("intake: %d %s", res.Status, res.Body)
		}
		op.Lang = "en"
		res = op.PostForm("/orders", url.Values{"description": {"a broken street light"}})
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-category_id">Required.`) {
			t.Fatalf("intake en: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders") != before {
			t.Fatal("bad intake stored an order")
		}
	})
}

// ---- phones ----

func TestOrderPhoneIsMaskedUntilRevealedAndTheRevealIsAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op := e.Login(t, "operator")
		id := woIntake(t, e, op, "NOISE", "楼上住户深夜噪音扰民", nil)
		for _, c := range []*apptest.Client{op, e.Login(t, "dispatcher")} {
			if res := c.Get("/orders"); res.Status != http.StatusOK || res.Contains(woPhone) {
				t.Fatalf("the queue shows the full phone: %s", res.Body)
			}
			if res := c.Get("/orders/" + idStr(id)); !res.Contains("139****5678") || res.Contains(woPhone) {
				t.Fatalf("the detail shows the full phone or no masked one: %s", res.Body)
			}
		}
		if res := e.API(t, "dispatcher").JSON("GET", "/api/v1/workorders", nil); res.Contains(woPhone) || !res.Contains("139****5678") {
			t.Fatalf("api list: %s", res.Body)
		}
		res := op.PostForm("/orders/"+idStr(id)+"/phone", nil)
		if res.Status != http.StatusOK || !res.Contains(`id="full-phone">`+woPhone) || woAudits(t, e, id, "view_contact") != 1 {
			t.Fatalf("reveal: %d %s", res.Status, res.Body)
		}
		leader := e.Login(t, "leader")
		if page := leader.Get("/orders/" + idStr(id)); page.Contains(`/phone"`) {
			t.Fatal("the leader is offered the reveal")
		}
		if res := leader.PostForm("/orders/"+idStr(id)+"/phone", nil); res.Status != http.StatusForbidden || woAudits(t, e, id, "view_contact") != 1 {
			t.Fatalf("leader reveal: %d", res.Status)
		}
	})
}

// ---- merge ----

func TestOrderMergeChildrenFollowTheParentAndCloseWithIt(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op, disp := e.Login(t, "operator"), e.Login(t, "dispatcher")
		parent := woIntake(t, e, op, "MANHOLE", "人民路口井盖缺失非常危险", nil)
		a := woIntake(t, e, op, "MANHOLE", "人民路井盖丢了有人差点掉下去", nil)
		b := woIntake(t, e, op, "MANHOLE", "人民路路口没有井盖", nil)
		events := woEvents(t, e, parent)

		// An unknown code refuses the whole merge.
		res := disp.PostForm(fmt.Sprintf("/orders/%d/merge", parent), url.Values{"codes": {woCode(t, e, a) + ", ZZZZZZZZZZ"}})
		if res.Status != http.StatusBadRequest || !res.Contains("找不到工单编号：ZZZZZZZZZZ", `id="e-merge-codes"`) || e.OrderState(t, a) != "submitted" {
			t.Fatalf("unknown code: %d %s", res.Status, res.Body)
		}
		// Merging an order into itself is refused.
		res = disp.PostForm(fmt.Sprintf("/orders/%d/merge", parent), url.Values{"codes": {woCode(t, e, parent)}})
		if res.Status != http.StatusBadRequest || woEvents(t, e, parent) != events {
			t.Fatalf("self merge: %d %s", res.Status, res.Body)
		}

		if !disp.Get("/orders/" + idStr(parent)).Contains(fmt.Sprintf(`action="/orders/%d/merge"`, parent)) {
			t.Fatal("no merge form for the dispatcher")
		}
		res = disp.PostForm(fmt.Sprintf("/orders/%d/merge", parent), url.Values{"codes": {strings.ToLower(woCode(t, e, a)) + "，" + woCode(t, e, b)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("merge: %d %s", res.Status, res.Body)
		}
		for _, c := range []int64{a, b} {
			if e.OrderState(t, c) != "merged" || e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND parent_id = ?", c, parent) != 1 {
				t.Fatalf("child %d: %s", c, e.OrderState(t, c))
			}
		}
		page := disp.Get("/orders/" + idStr(parent))
		if woEvents(t, e, parent) != events+2 || !page.Contains(woCode(t, e, a), woCode(t, e, b), "已并单") {
			t.Fatalf("parent timeline: %s", page.Body)
		}
		if child := disp.Get("/orders/" + idStr(a)); !child.Contains("已并单", fmt.Sprintf(`href="/orders/%d"`, parent)) {
			t.Fatalf("child page: %s", child.Body)
		}

		// Take the parent to its end through the API; the children close with it.
		api, zgq := e.API(t, "dispatcher"), e.API(t, "handler_zgq")
		for _, st := range []struct {
			c      *apptest.Client
			action string
			body   map[string]any
		}{
			{api, "dispatch", map[string]any{"unit_id": e.ID(t, "units", "code", "ST-ZGQ")}},
			{zgq, "acknowledge", nil},
			{zgq, "resolve", map[string]any{"note": "已补装井盖"}},
			{api, "verify", nil},
			{api, "close", nil},
		} {
			if res := st.c.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/%s", parent, st.action), st.body); res.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", st.action, res.Status, res.Body)
			}
		}
		for _, c := range []int64{a, b} {
			if e.OrderState(t, c) != "closed" || e.Count(t, "SELECT COUNT(*) FROM workorder_events WHERE order_id = ? AND action = 'follow_parent'", c) != 1 {
				t.Fatalf("child %d after the parent closed: %s", c, e.OrderState(t, c))
			}
		}
		if !disp.Get("/orders/"+idStr(a)).Contains("已归档", "随主工单归档", "已补装井盖") {
			t.Fatal("the child's page does not show the outcome")
		}
	})
}

func TestOrderMergeThroughTheAPIIsAllOrNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op := e.Login(t, "operator")
		parent := woIntake(t, e, op, "FLYERS", "公交站牌贴满小广告", nil)
		a := woIntake(t, e, op, "FLYERS", "公交站小广告很多", nil)
		closed := woIntake(t, e, op, "FLYERS", "站牌小广告", url.Values{"answered": {"1"}, "answer": {"已转告环卫"}})
		api := e.API(t, "dispatcher")
		res := api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/merge", parent), map[string]any{"child_ids": []int64{a, closed}})
		if res.Status != http.StatusConflict || e.OrderState(t, a) != "submitted" {
			t.Fatalf("merge with a closed child: %d %s, a is %s", res.Status, res.Body, e.OrderState(t, a))
		}
		res = api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/merge", parent), map[string]any{"child_codes": []string{woCode(t, e, a)}, "note": "同一站牌"})
		if res.Status != http.StatusOK || e.OrderState(t, a) != "merged" {
			t.Fatalf("merge: %d %s", res.Status, res.Body)
		}
		if res := e.API(t, "operator").JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/merge", parent), map[string]any{"child_ids": []int64{closed}}); res.Status != http.StatusForbidden {
			t.Fatalf("operator merge: %d", res.Status)
		}
	})
}

// ---- the timer ----

func TestOrderPastItsDeadlineIsEscalatedByTheTimerAndShownOverdue(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woIntake(t, e, e.Login(t, "operator"), "STREET_VENDING", "学校门口早餐摊占道", nil)
		disp := e.Login(t, "dispatcher")
		woStep(disp, id, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "ST-ZGQ"))}})
		fresh := woIntake(t, e, e.Login(t, "operator"), "STREET_VENDING", "另一处占道经营", nil)
		code := woCode(t, e, id)
		if res := disp.Get("/orders?overdue=1"); res.Contains(code) {
			t.Fatal("overdue before the deadline")
		}
		e.Clock.Advance(25 * time.Hour) // general class: acknowledge within 24 h
		e.App.Jobs.RunDue(context.Background())
		disp = e.Login(t, "dispatcher") // the old session has timed out

		res := disp.Get("/orders?overdue=1")
		if res.Status != http.StatusOK || !res.Contains(code, "超期", "1 级督办") || res.Contains(woCode(t, e, fresh)) {
			t.Fatalf("queue overdue=1: %s", res.Body)
		}
		if res := disp.Get("/orders?overdue=0"); res.Contains(code) || !res.Contains(woCode(t, e, fresh)) {
			t.Fatalf("queue overdue=0: %s", res.Body)
		}
		var page struct {
			Items []struct {
				ID              int64 `json:"id"`
				Overdue         bool  `json:"overdue"`
				AckOverdue      bool  `json:"ack_overdue"`
				EscalationLevel int   `json:"escalation_level"`
			} `json:"items"`
			More bool `json:"more"`
		}
		r := e.API(t, "dispatcher").JSON("GET", "/api/v1/workorders?overdue=1", nil)
		r.Decode(&page)
		if r.Status != http.StatusOK || len(page.Items) != 1 || page.Items[0].ID != id || !page.Items[0].Overdue ||
			!page.Items[0].AckOverdue || page.Items[0].EscalationLevel != 1 {
			t.Fatalf("api overdue=1: %s", r.Body)
		}
		detail := disp.Get("/orders/" + idStr(id))
		if !detail.Contains(`data-action="overdue"`, `data-action="auto_escalate"`, "超过签收时限", "系统") {
			t.Fatalf("detail timeline: %s", detail.Body)
		}
	})
}

// ---- the queue, its filters and export ----

func TestOrderQueueFiltersSearchesPagesAndRefusesBadFilterValues(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op := e.Login(t, "operator")
		vending := woIntake(t, e, op, "STREET_VENDING", "夜市摊位占用盲道", nil)
		noise := woIntake(t, e, op, "NOISE", "KTV 夜间噪音扰民", nil)
		disp := e.Login(t, "dispatcher")
		woStep(disp, noise, "accept", nil)
		vc, nc := woCode(t, e, vending), woCode(t, e, noise)
		group := idStr(e.ID(t, "workorder_categories", "code", "G-CITY"))

		cases := []struct {
			query    string
			in, out  []string
			withCode string
		}{
			{"state=accepted", []string{nc}, []string{vc}, ""},
			{"state=submitted,accepted", []string{nc, vc}, nil, ""},
			{"category=" + idStr(e.ID(t, "workorder_categories", "code", "NOISE")), []string{nc}, []string{vc}, ""},
			{"category=" + group, []string{nc, vc}, nil, ""},
			{"channel=hotline", []string{nc, vc}, nil, ""},
			{"channel=snap", nil, []string{nc, vc}, ""},
			{"region=" + idStr(e.ID(t, "regions", "code", "511102")), []string{nc, vc}, nil, ""},
			{"from=2026-11-29&to=2026-11-29", []string{nc, vc}, nil, ""},
			{"from=2026-11-30", nil, []string{nc, vc}, ""},
		}
		for _, c := range cases {
			res := disp.Get("/orders?" + c.query)
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", c.query, res.Status, res.Body)
			}
			for _, code := range c.in {
				if !res.Contains(code) {
					t.Errorf("%s: %s missing", c.query, code)
				}
			}
			for _, code := range c.out {
				if res.Contains(code) {
					t.Errorf("%s: %s shown", c.query, code)
				}
			}
		}
		for _, bad := range []string{"state=flying", "channel=fax", "overdue=maybe", "from=2026-13-01", "from=2026-12-02&to=2026-12-01",
			"unit=x", "region=999999"} {
			res := disp.Get("/orders?" + bad)
			if res.Status != http.StatusBadRequest || !res.Contains(`aria-invalid="true"`) && !res.Contains(`role="alert"`) {
				t.Errorf("%s: %d", bad, res.Status)
			}
			if r := e.API(t, "dispatcher").JSON("GET", "/api/v1/workorders?"+bad, nil); r.Status != http.StatusBadRequest {
				t.Errorf("api %s: %d", bad, r.Status)
			}
		}
		// Full-text search, a two-character word included, on the page and the API.
		for _, c := range []struct{ q, in, out string }{{"盲道", vc, nc}, {"ktv", nc, vc}, {"夜市 盲道", vc, nc}} {
			res := disp.Get("/orders?q=" + url.QueryEscape(c.q))
			if res.Status != http.StatusOK || !res.Contains(c.in, `name="q"`) || res.Contains(c.out) {
				t.Fatalf("q=%s: %s", c.q, res.Body)
			}
			if r := e.API(t, "dispatcher").JSON("GET", "/api/v1/workorders?q="+url.QueryEscape(c.q), nil); !r.Contains(c.in) || r.Contains(c.out) {
				t.Fatalf("api q=%s: %s", c.q, r.Body)
			}
		}
		if res := disp.Get("/orders?q=" + url.QueryEscape("路灯")); res.Contains(vc) || res.Contains(nc) {
			t.Fatal("a search without matches lists orders")
		}
		// Paging: size 1 shows the newest, with a next link and no total.
		res := disp.Get("/orders?size=1")
		if !res.Contains(nc, `rel="next"`) || res.Contains(vc) || res.Contains(`rel="prev"`) {
			t.Fatalf("page 1: %s", res.Body)
		}
		res = disp.Get("/orders?size=1&page=2")
		if !res.Contains(vc, `rel="prev"`) || res.Contains(`rel="next"`) {
			t.Fatalf("page 2: %s", res.Body)
		}
		var page struct {
			Items []struct{ Code string }
			Page  int  `json:"page"`
			More  bool `json:"more"`
		}
		r := e.API(t, "dispatcher").JSON("GET", "/api/v1/workorders?size=1&state=submitted&state=accepted", nil)
		r.Decode(&page)
		if len(page.Items) != 1 || page.Items[0].Code != nc || !page.More || page.Page != 1 {
			t.Fatalf("api page: %s", r.Body)
		}
	})
}

func TestOrderExportOpensInExcelWithChineseHeadersAndMaskedPhones(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op := e.Login(t, "operator")
		id := woIntake(t, e, op, "STREET_VENDING", "菜市场外围占道卖菜", nil)
		woIntake(t, e, op, "NOISE", "楼下装修噪音扰民", nil)
		res := e.Login(t, "dispatcher").Get("/orders?format=xlsx&category=" + idStr(e.ID(t, "workorder_categories", "code", "STREET_VENDING")))
		if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("export: %d %v", res.Status, res.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("want the header and one order, got %d rows: %v", len(rows), rows)
		}
		head := strings.Join(rows[0], "|")
		for _, h := range []string{"工单编号", "登记时间", "渠道", "诉求类别", "责任单位", "状态", "办理时限", "是否超期", "督办级别", "联系电话"} {
			if !strings.Contains(head, h) {
				t.Errorf("header %q missing in %v", h, rows[0])
			}
		}
		row := strings.Join(rows[1], "|")
		if !strings.Contains(row, woCode(t, e, id)) || !strings.Contains(row, "139****5678") || strings.Contains(row, woPhone) ||
			!strings.Contains(row, "占道经营") || !strings.Contains(row, "待受理") {
			t.Fatalf("row: %v", rows[1])
		}
	})
}

func TestOrderPagesAreInTheMenuForTheirRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		if res := e.Login(t, "operator").Get("/"); !res.Contains(`href="/orders"`, `href="/orders/new"`) {
			t.Fatalf("operator menu: %s", res.Body)
		}
		if res := e.Login(t, "handler_zgq").Get("/"); !res.Contains(`href="/orders"`) || res.Contains(`href="/orders/new"`) {
			t.Fatal("handler menu")
		}
		if res := e.Login(t, "appraiser").Get("/"); res.Contains(`href="/orders"`) {
			t.Fatal("the appraiser is offered work orders")
		}
		if res := e.Login(t, "appraiser").Get("/orders"); res.Status != http.StatusForbidden {
			t.Fatalf("appraiser queue: %d", res.Status)
		}
	})
}

func TestOrderQueueFollowsALinkFromTheKPIScreen(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op := e.Login(t, "operator")
		sent := woIntake(t, e, op, "RUBBISH", "小区垃圾站满溢无人清运", nil)
		kept := woIntake(t, e, op, "RUBBISH", "街角垃圾桶破损需要更换", nil)
		disp := e.Login(t, "dispatcher")
		woStep(disp, sent, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "ST-ZGQ"))}})
		link := "/orders?kpi=dispatched&kpi_from=2026-11-29&kpi_to=2026-11-29&kpi_group=unit&kpi_id=" + idStr(e.ID(t, "units", "code", "ST-ZGQ"))
		res := disp.Get(link)
		if res.Status != http.StatusOK || !res.Contains(woCode(t, e, sent), "派单量", `type="hidden" name="kpi" value="dispatched"`) || res.Contains(woCode(t, e, kept)) {
			t.Fatalf("kpi list: %d %s", res.Status, res.Body)
		}
		if r := e.API(t, "dispatcher").JSON("GET", "/api/v1/workorders"+strings.TrimPrefix(link, "/orders"), nil); !r.Contains(woCode(t, e, sent)) || r.Contains(woCode(t, e, kept)) {
			t.Fatalf("kpi api: %s", r.Body)
		}
		if res := disp.Get("/orders?kpi=nope"); res.Status != http.StatusBadRequest {
			t.Fatalf("bad figure: %d", res.Status)
		}
	})
}
