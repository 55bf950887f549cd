package orderweb_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/workorder"
)

// ---- helpers ----

// catForm is a complete category form as the edit page submits it.
func catForm(parent int64, code, name string, extra url.Values) url.Values {
	v := url.Values{"parent_id": {idStr(parent)}, "code": {code}, "name": {name}, "name_en": {""},
		"urgency": {"general"}, "ack_hours": {""}, "resolve_value": {""}, "resolve_unit": {""},
		"public": {"1"}, "active": {"1"}, "sort": {"0"}}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// catRow reads a category's limits and flags by code.
type catRow struct {
	ID                     int64
	Urgency                string
	AckHours, ResolveValue int
	ResolveUnit            string
	Public, Active         bool
	ParentID               *int64
}

func woCategory(t *testing.T, e *apptest.Env, code string) catRow {
	t.Helper()
	var c catRow
	ctx := context.Background()
	err := e.App.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "category", `SELECT id, urgency, ack_hours, resolve_value, resolve_unit, public, active, parent_id
			FROM workorder_categories WHERE code = ?`, []any{code}, &c.ID, &c.Urgency, &c.AckHours, &c.ResolveValue, &c.ResolveUnit,
			&c.Public, &c.Active, &c.ParentID)
	})
	if err != nil {
		t.Fatalf("category %s: %v", code, err)
	}
	return c
}

func catAudits(t *testing.T, e *apptest.Env, action string) int64 {
	t.Helper()
	return e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder_category' AND action = ?", action)
}

// dispatchAPI accepts and dispatches an order to the street office of
// 张公桥 through the API and returns its deadlines.
func dispatchAPI(t *testing.T, e *apptest.Env, disp *apptest.Client, id int64) (ack, resolve time.Time) {
	t.Helper()
	for _, step := range []struct {
		action string
		body   map[string]any
	}{{"accept", map[string]any{}}, {"dispatch", map[string]any{"unit_id": e.ID(t, "units", "code", "ST-ZGQ")}}} {
		if res := disp.JSON("POST", "/api/v1/workorders/"+idStr(id)+"/actions/"+step.action, step.body); res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", step.action, res.Status, res.Body)
		}
	}
	var a, r int64
	ctx := context.Background()
	if err := e.App.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "order", "SELECT ack_due_at, resolve_due_at FROM workorders WHERE id = ?", []any{id}, &a, &r)
	}); err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(a).In(workorder.Zone), time.UnixMilli(r).In(workorder.Zone)
}

func cst(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, workorder.Zone)
}

// ---- categories ----

func TestAdminCreatesAGroupAndACategoryEditsItsLimitsAndTheNextOrderGetsTheNewDeadline(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin, op, disp := e.Login(t, "admin"), e.Login(t, "operator"), e.API(t, "dispatcher")
		page := admin.Get("/categories")
		if page.Status != http.StatusOK || !page.Contains("市容环境", "占道经营", `href="/categories/new?group=1"`, `href="/categories"`) {
			t.Fatalf("tree: %d %s", page.Status, page.Body)
		}
		if !admin.Get("/").Contains(`href="/categories"`, `href="/holidays"`, `href="/category-urgencies"`) {
			t.Fatal("the admin menu lacks the configuration pages")
		}

		// A new group, then a category in it with the limits left empty.
		if f := admin.Get("/categories/new?group=1"); f.Status != http.StatusOK || !f.Contains(`name="group" value="1"`) || f.Contains(`name="parent_id"`) {
			t.Fatalf("group form: %d %s", f.Status, f.Body)
		}
		res := admin.PostForm("/categories", url.Values{"group": {"1"}, "code": {"G-SAFETY"}, "name": {"安全隐患"},
			"name_en": {"Safety hazards"}, "urgency": {"urgent"}, "public": {"1"}, "active": {"1"}, "sort": {"95"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create group: %d %s", res.Status, res.Body)
		}
		group := woCategory(t, e, "G-SAFETY")
		if group.ParentID != nil || group.Urgency != "urgent" || catAudits(t, e, "create") != 1 {
			t.Fatalf("group stored as %+v", group)
		}
		// The "new category here" form starts with the group and its urgency class.
		f := admin.Get("/categories/new?parent=" + idStr(group.ID))
		if !f.Contains(`<option value="`+idStr(group.ID)+`" selected>`, `<option value="urgent" data-ack="1" data-value="2" data-unit="hours" selected>`) {
			t.Fatalf("category form: %s", f.Body)
		}
		res = admin.PostForm("/categories", catForm(group.ID, "OPEN_MANHOLE", "井盖松动", url.Values{
			"name_en": {"Loose manhole cover"}, "unit_id": {idStr(e.ID(t, "units", "code", "DEPT-ZJ"))}, "urgency": {"general"}}))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create category: %d %s", res.Status, res.Body)
		}
		c := woCategory(t, e, "OPEN_MANHOLE")
		if c.AckHours != 24 || c.ResolveValue != 7 || c.ResolveUnit != "calendar_days" || c.ParentID == nil || *c.ParentID != group.ID {
			t.Fatalf("the empty limits did not take the general class's defaults: %+v", c)
		}
		if p := admin.Get("/categories"); !p.Contains("井盖松动", "Loose manhole cover", `id="c`+idStr(c.ID)+`"`) {
			t.Fatalf("tree lacks the new category: %s", p.Body)
		}

		// The edit page links the extra questions; the limits are changed there.
		edit := admin.Get("/categories/" + idStr(c.ID) + "/edit")
		if edit.Status != http.StatusOK || !edit.Contains(`href="/categories/`+idStr(c.ID)+`/questions"`, "附加问题", `value="OPEN_MANHOLE"`) {
			t.Fatalf("edit page: %d %s", edit.Status, edit.Body)
		}
		res = admin.PostForm("/categories/"+idStr(c.ID), catForm(group.ID, "OPEN_MANHOLE", "井盖松动", url.Values{
			"ack_hours": {"4"}, "resolve_value": {"2"}, "resolve_unit": {"working_days"}}))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("edit limits: %d %s", res.Status, res.Body)
		}
		if c = woCategory(t, e, "OPEN_MANHOLE"); c.AckHours != 4 || c.ResolveValue != 2 || c.ResolveUnit != "working_days" {
			t.Fatalf("limits after the edit: %+v", c)
		}
		if catAudits(t, e, "update") != 1 {
			t.Fatalf("%d update audits", catAudits(t, e, "update"))
		}

		// An order entered now (Sunday 29 Nov 09:00) and dispatched: 4 hours to
		// acknowledge; two working days from a Sunday end at 24:00 on Tuesday.
		id := woIntake(t, e, op, "OPEN_MANHOLE", "小区门口井盖松动，踩上去会翻转", nil)
		ack, due := dispatchAPI(t, e, disp, id)
		if now := e.Clock.Now(); !ack.Equal(now.Add(4*time.Hour)) || !due.Equal(cst(2026, 12, 2, 0)) {
			t.Fatalf("deadlines: acknowledge %v, resolve %v", ack, due)
		}
	})
}

func TestAHolidayAddedOnAWorkingDayMovesTheNextWorkingDayDeadline(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Clock.Set(cst(2026, 11, 30, 9)) // Monday
		admin, op, disp := e.Login(t, "admin"), e.Login(t, "operator"), e.API(t, "dispatcher")
		api := e.API(t, "admin")
		id := e.ID(t, "workorder_categories", "code", "PROPERTY") // complex: 15 working days by default
		if res := api.JSON("PATCH", "/api/v1/workorder-categories/"+idStr(id), map[string]any{"resolve_value": 2, "resolve_unit": "working_days"}); res.Status != http.StatusOK {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		first := woIntake(t, e, op, "PROPERTY", "物业不处理楼道漏水", nil)
		if _, due := dispatchAPI(t, e, disp, first); !due.Equal(cst(2026, 12, 2, 9)) {
			t.Fatalf("before the holiday: due %v", due)
		}
		// Tuesday 1 December becomes a holiday.
		res := admin.PostForm("/holidays", url.Values{"day": {"2026-12-01"}, "kind": {"holiday"}, "name": {"临时休假"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/holidays?year=2026" {
			t.Fatalf("set holiday: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'holiday' AND entity_id = '2026-12-01' AND action = 'create'"); n != 1 {
			t.Fatalf("%d audit entries for the holiday", n)
		}
		second := woIntake(t, e, op, "PROPERTY", "物业不处理电梯故障", nil)
		if _, due := dispatchAPI(t, e, disp, second); !due.Equal(cst(2026, 12, 3, 9)) {
			t.Fatalf("after the holiday: due %v", due)
		}
		// The first order keeps its deadline.
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND resolve_due_at = ?", first, cst(2026, 12, 2, 9).UnixMilli()); n != 1 {
			t.Fatal("an order already dispatched changed its deadline")
		}
		// The calendar grid marks the day.
		page := admin.Get("/holidays?year=2026")
		if !page.Contains(`class="cal-holiday" data-day="2026-12-01" title="临时休假"`, "临时休假") {
			t.Fatalf("calendar: %s", page.Body)
		}
	})
}

func TestConfigurationRoutesAreForbiddenToAnyoneButAdmins(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		cat := idStr(e.ID(t, "workorder_categories", "code", "STREET_VENDING"))
		before := e.Count(t, "SELECT COUNT(*) FROM audit_log")
		for _, user := range []string{"dispatcher", "handler_zgq"} {
			page, api := e.Login(t, user), e.API(t, user)
			if home := page.Get("/"); home.Contains(`href="/categories"`) || home.Contains(`href="/holidays"`) {
				t.Errorf("%s: the menu offers configuration", user)
			}
			for _, path := range []string{"/categories", "/categories/new", "/categories/new?group=1", "/categories/" + cat + "/edit",
				"/category-urgencies", "/holidays", "/holidays?year=2026"} {
				if res := page.Get(path); res.Status != http.StatusForbidden {
					t.Errorf("%s GET %s: %d", user, path, res.Status)
				}
			}
			for _, path := range []string{"/categories", "/categories/" + cat, "/categories/" + cat + "/active", "/categories/" + cat + "/delete",
				"/category-urgencies/general", "/holidays", "/holidays/import", "/holidays/2026-10-01/delete"} {
				if res := page.PostForm(path, url.Values{"code": {"X"}, "name": {"X"}, "active": {"0"}, "day": {"2026-12-01"},
					"kind": {"holiday"}, "ack_hours": {"1"}, "resolve_value": {"1"}, "resolve_unit": {"hours"}, "lines": {"2026-12-01 holiday X"}}); res.Status != http.StatusForbidden {
					t.Errorf("%s POST %s: %d", user, path, res.Status)
				}
			}
			for _, rq := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/api/v1/workorder-categories", nil},
				{"POST", "/api/v1/workorder-categories", map[string]any{"code": "X", "name": "X", "group": true, "urgency": "general"}},
				{"GET", "/api/v1/workorder-categories/" + cat, nil},
				{"PATCH", "/api/v1/workorder-categories/" + cat, map[string]any{"active": false}},
				{"DELETE", "/api/v1/workorder-categories/" + cat, nil},
				{"GET", "/api/v1/holidays?year=2026", nil},
				{"PUT", "/api/v1/holidays/2026-12-01", map[string]any{"kind": "holiday"}},
				{"DELETE", "/api/v1/holidays/2026-10-01", nil},
			} {
				if res := api.JSON(rq.method, rq.path, rq.body); res.Status != http.StatusForbidden || !res.Contains(`"code":"forbidden"`) {
					t.Errorf("%s %s %s: %d %s", user, rq.method, rq.path, res.Status, res.Body)
				}
			}
		}
		if got := woCategory(t, e, "STREET_VENDING"); !got.Active {
			t.Fatal("a forbidden request deactivated the category")
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM holidays WHERE day IN ('2026-12-01', '2026-10-01')"); n != 1 {
			t.Fatalf("a forbidden request changed the calendar (%d rows)", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity IN ('workorder_category', 'holiday', 'workorder_urgency')"); n != 0 {
			t.Fatalf("%d configuration audits after forbidden requests (%d before)", n, before)
		}
	})
}

func TestBadCategoryInputShowsTheFieldMessageAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin, api := e.Login(t, "admin"), e.API(t, "admin")
		group := e.ID(t, "workorder_categories", "code", "G-CITY")
		vending := e.ID(t, "workorder_categories", "code", "STREET_VENDING")
		rows := e.Count(t, "SELECT COUNT(*) FROM workorder_categories")
		for _, tc := range []struct {
			name string
			form url.Values
			msgs []string
		}{
			{"duplicate code", catForm(group, "street_vending", "另一个占道经营", nil), []string{"该编码已被其他类别使用。"}},
			{"bad code", catForm(group, "占道", "占道", nil), []string{"只能包含字母、数字、短横线和下划线"}},
			{"missing name", catForm(group, "NO_NAME", " ", nil), []string{`id="e-name">必填。`}},
			{"parent not a group", catForm(vending, "UNDER_CAT", "类别下的类别", nil), []string{"所属分组必须是分组，不能是类别。"}},
			{"no parent", catForm(0, "NO_PARENT", "无分组", nil), []string{"类别必须属于一个分组。"}},
			{"negative limits", catForm(group, "NEG", "负数时限", url.Values{"ack_hours": {"-1"}, "resolve_value": {"-3"}, "resolve_unit": {"hours"}}),
				[]string{`id="e-ack_hours">须在 1 到 720 之间。`, `id="e-resolve_value">须在 1 到 365 之间。`}},
			{"group with a parent", url.Values{"group": {"1"}, "parent_id": {idStr(group)}, "code": {"G-X"}, "name": {"分组"}, "urgency": {"general"}},
				[]string{"分组不能有上级。"}},
			{"unknown urgency", catForm(group, "URG", "紧急程度", url.Values{"urgency": {"whenever"}}), []string{`id="e-urgency">请选择一个有效的选项。`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := admin.PostForm("/categories", tc.form)
				if res.Status != http.StatusBadRequest || !res.Contains(tc.msgs...) || !res.Contains(`id="category-form"`) {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
			})
		}
		// The same through the API: the field and its message.
		res := api.JSON("POST", "/api/v1/workorder-categories", map[string]any{"parent_id": group, "code": "STREET_VENDING", "name": "重复", "urgency": "general"})
		if res.Status != http.StatusBadRequest || !res.Contains(`"code":"该编码已被其他类别使用。"`) {
			t.Fatalf("API duplicate: %d %s", res.Status, res.Body)
		}
		res = api.JSON("PATCH", "/api/v1/workorder-categories/"+idStr(vending), map[string]any{"ack_hours": -5, "parent_id": vending})
		if res.Status != http.StatusBadRequest || !res.Contains(`"ack_hours":"须在 1 到 720 之间。"`, `"parent_id":"所属分组必须是分组，不能是类别。"`) {
			t.Fatalf("API bad patch: %d %s", res.Status, res.Body)
		}
		// An edit with a bad value keeps what was typed and changes nothing.
		res = admin.PostForm("/categories/"+idStr(vending), catForm(group, "STREET_VENDING", "", url.Values{"ack_hours": {"3"}}))
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-name">必填。`, `name="ack_hours" type="number" value="3"`) {
			t.Fatalf("bad edit: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_categories"); n != rows {
			t.Fatalf("%d categories, want %d", n, rows)
		}
		if c := woCategory(t, e, "STREET_VENDING"); c.AckHours != 24 || c.ResolveValue != 7 {
			t.Fatalf("the refused edit changed the category: %+v", c)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder_category'"); n != 0 {
			t.Fatalf("%d audit entries after refused input", n)
		}
	})
}

func TestDeactivatedCategoriesDisappearFromThePublicListAndTheReportForm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin, anon := e.Login(t, "admin"), e.Anonymous(t)
		if !anon.Get("/api/v1/public/categories").Contains(`"STREET_VENDING"`, `"PARKING"`) || !anon.Get("/report").Contains("占道经营", "乱停车") {
			t.Fatal("the seeded categories are not offered to begin with")
		}
		vending := e.ID(t, "workorder_categories", "code", "STREET_VENDING")
		if res := admin.PostForm("/categories/"+idStr(vending)+"/active", url.Values{"active": {"0"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d %s", res.Status, res.Body)
		}
		// A whole group: its categories go with it.
		traffic := e.ID(t, "workorder_categories", "code", "G-TRAFFIC")
		if res := admin.PostForm("/categories/"+idStr(traffic)+"/active", url.Values{"active": {"0"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("deactivate group: %d %s", res.Status, res.Body)
		}
		if woCategory(t, e, "PARKING").Active || woCategory(t, e, "BUS_SERVICE").Active {
			t.Fatal("the group's categories stayed active")
		}
		list := anon.Get("/api/v1/public/categories")
		if list.Status != http.StatusOK || list.Contains(`"STREET_VENDING"`) || list.Contains(`"PARKING"`) || !list.Contains(`"RUBBISH"`) {
			t.Fatalf("public categories: %s", list.Body)
		}
		if report := anon.Get("/report"); report.Contains("占道经营") || report.Contains("乱停车") || !report.Contains("垃圾乱堆") {
			t.Fatalf("report form still offers them: %s", report.Body)
		}
		// A citizen's report naming it is refused.
		res := anon.JSON("POST", "/api/v1/public/reports", map[string]any{"category": "STREET_VENDING", "description": "人行道被摊贩占用",
			"lat": 29.5646, "lng": 103.7626})
		if res.Status != http.StatusBadRequest || !res.Contains(`"category"`) {
			t.Fatalf("report in a deactivated category: %d %s", res.Status, res.Body)
		}
		// A category cannot be reactivated under an inactive group: the tree says why.
		parking := e.ID(t, "workorder_categories", "code", "PARKING")
		res = admin.PostForm("/categories/"+idStr(parking)+"/active", url.Values{"active": {"1"}})
		if res.Status != http.StatusConflict || !res.Contains("所属分组已停用，请先启用分组。") || woCategory(t, e, "PARKING").Active {
			t.Fatalf("reactivate under an inactive group: %d %s", res.Status, res.Body)
		}
		// Reactivated, the category is offered again at once.
		if res := admin.PostForm("/categories/"+idStr(vending)+"/active", url.Values{"active": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("reactivate: %d %s", res.Status, res.Body)
		}
		if !anon.Get("/api/v1/public/categories").Contains(`"STREET_VENDING"`) {
			t.Fatal("the reactivated category is not offered")
		}
		// 1 + 1 + 3 categories of the group + 1 = 6 audited changes.
		if n := catAudits(t, e, "update"); n != 6 {
			t.Fatalf("%d update audits, want 6", n)
		}
	})
}

func TestDeletingACategoryThatOrdersUseIsRefusedAndAnUnusedOneIsDeleted(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin, api, op := e.Login(t, "admin"), e.API(t, "admin"), e.Login(t, "operator")
		woIntake(t, e, op, "FLYERS", "电线杆上贴满小广告", nil)
		flyers := e.ID(t, "workorder_categories", "code", "FLYERS")
		used := e.Count(t, "SELECT COUNT(*) FROM workorders WHERE category_id = ?", flyers)
		if !admin.Get("/categories/" + idStr(flyers) + "/edit").Contains("张工单使用该类别，不能删除") {
			t.Fatal("the edit page offers to delete a used category")
		}
		res := admin.PostForm("/categories/"+idStr(flyers)+"/delete", nil)
		want := "已有 " + strconv.FormatInt(used, 10) + " 张工单使用该类别，不能删除；如不再使用，请停用。"
		if res.Status != http.StatusConflict || !res.Contains(want) {
			t.Fatalf("delete a used category: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("DELETE", "/api/v1/workorder-categories/"+idStr(flyers), nil); res.Status != http.StatusConflict || !res.Contains(`"code":"conflict"`, want) {
			t.Fatalf("API delete a used category: %d %s", res.Status, res.Body)
		}
		// A group with categories is refused too.
		city := e.ID(t, "workorder_categories", "code", "G-CITY")
		if res = admin.PostForm("/categories/"+idStr(city)+"/delete", nil); res.Status != http.StatusConflict || !res.Contains("该分组下还有") {
			t.Fatalf("delete a group with categories: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorder_categories WHERE id IN (?, ?)", flyers, city) != 2 || catAudits(t, e, "delete") != 0 {
			t.Fatal("a refused delete removed something")
		}
		// An unused category (made through the API) goes, with an audit entry.
		res = api.JSON("POST", "/api/v1/workorder-categories", map[string]any{"parent_id": city, "code": "TEMP", "name": "临时类别", "urgency": "general"})
		var c workorder.Category
		res.Decode(&c)
		if res.Status != http.StatusCreated || c.ID == 0 || !c.Active || !c.Public || c.AckHours != 24 {
			t.Fatalf("API create: %d %s", res.Status, res.Body)
		}
		if res = admin.PostForm("/categories/"+idStr(c.ID)+"/delete", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("delete unused: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorder_categories WHERE code = 'TEMP'") != 0 || catAudits(t, e, "delete") != 1 {
			t.Fatal("the unused category was not deleted with an audit entry")
		}
	})
}

func TestCategoryAPIListsGetsAndPatches(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		api := e.API(t, "admin")
		var list struct {
			Items []workorder.CategoryUse `json:"items"`
			Total int                     `json:"total"`
		}
		res := api.JSON("GET", "/api/v1/workorder-categories", nil)
		res.Decode(&list)
		if res.Status != http.StatusOK || list.Total != len(list.Items) || len(list.Items) < 30 || !list.Items[0].Group || list.Items[0].Code != "G-CITY" || list.Items[1].ParentID != list.Items[0].ID {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		id := e.ID(t, "workorder_categories", "code", "NOISE")
		res = api.JSON("PATCH", "/api/v1/workorder-categories/"+idStr(id), map[string]any{"name_en": "Noise nuisance", "public": false})
		var c workorder.Category
		res.Decode(&c)
		if res.Status != http.StatusOK || c.NameEN != "Noise nuisance" || c.Public || c.Name != "噪音扰民" || c.AckHours != 24 {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		var one workorder.CategoryUse
		res = api.JSON("GET", "/api/v1/workorder-categories/"+idStr(id), nil)
		res.Decode(&one)
		if res.Status != http.StatusOK || one.NameEN != "Noise nuisance" || one.GroupName != "市容环境" {
			t.Fatalf("get: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("PATCH", "/api/v1/workorder-categories/"+idStr(id), map[string]any{"group": true}); res.Status != http.StatusBadRequest || !res.Contains(`"group"`) {
			t.Fatalf("patch group flag: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("GET", "/api/v1/workorder-categories/999999", nil); res.Status != http.StatusNotFound {
			t.Fatalf("missing: %d", res.Status)
		}
		if res = api.JSON("PATCH", "/api/v1/workorder-categories/"+idStr(id), map[string]any{"colour": "red"}); res.Status != http.StatusBadRequest {
			t.Fatalf("unknown field: %d", res.Status)
		}
	})
}

// ---- urgency classes ----

func TestEditingAnUrgencyClassChangesItsDefaultsButNotExistingCategories(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		page := admin.Get("/category-urgencies")
		if page.Status != http.StatusOK || !page.Contains("紧急类", "复杂疑难类", "已有类别的时限不会改变", `action="/category-urgencies/general"`) {
			t.Fatalf("urgency page: %d %s", page.Status, page.Body)
		}
		res := admin.PostForm("/category-urgencies/general", url.Values{"ack_hours": {"0"}, "resolve_value": {"5"}, "resolve_unit": {"fortnights"}})
		if res.Status != http.StatusBadRequest || !res.Contains("须在 1 到 720 之间。", "请选择一个有效的选项。") {
			t.Fatalf("bad limits: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_urgencies WHERE code = 'general' AND ack_hours = 24 AND resolve_value = 7"); n != 1 {
			t.Fatal("refused limits were stored")
		}
		res = admin.PostForm("/category-urgencies/general", url.Values{"ack_hours": {"12"}, "resolve_value": {"5"}, "resolve_unit": {"working_days"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder_urgency' AND entity_id = 'general' AND action = 'update'"); n != 1 {
			t.Fatalf("%d urgency audits", n)
		}
		if c := woCategory(t, e, "STREET_VENDING"); c.AckHours != 24 || c.ResolveValue != 7 || c.ResolveUnit != "calendar_days" {
			t.Fatalf("an existing category changed: %+v", c)
		}
		// A new category with empty limits takes the new defaults.
		res = admin.PostForm("/categories", catForm(e.ID(t, "workorder_categories", "code", "G-OTHER"), "NEW_GENERAL", "新一般类", nil))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		if c := woCategory(t, e, "NEW_GENERAL"); c.AckHours != 12 || c.ResolveValue != 5 || c.ResolveUnit != "working_days" {
			t.Fatalf("new category: %+v", c)
		}
		if res = admin.PostForm("/category-urgencies/nosuch", url.Values{"ack_hours": {"1"}, "resolve_value": {"1"}, "resolve_unit": {"hours"}}); res.Status != http.StatusNotFound {
			t.Fatalf("unknown class: %d", res.Status)
		}
	})
}

// ---- holiday calendar ----

func TestHolidayCalendarPageFormAndAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin, api := e.Login(t, "admin"), e.API(t, "admin")
		page := admin.Get("/holidays?year=2026")
		if page.Status != http.StatusOK || !page.Contains(`class="cal-holiday" data-day="2026-10-01" title="国庆节"`,
			`class="cal-workday" data-day="2026-09-20" title="国庆节调休"`, `class="cal-weekend" data-day="2026-11-28"`,
			"10 月", `id="h-2026-02-14"`, "本年节假日 33 天，调休上班 6 天") {
			t.Fatalf("calendar page: %d %s", page.Status, page.Body)
		}
		if p := admin.Get("/holidays?year=abc"); p.Status != http.StatusBadRequest || !p.Contains("须在 2000 到 2100 之间。") {
			t.Fatalf("bad year: %d %s", p.Status, p.Body)
		}
		rows := e.Count(t, "SELECT COUNT(*) FROM holidays")
		for _, tc := range []struct {
			name string
			form url.Values
			msg  string
		}{
			{"bad date", url.Values{"day": {"2026-13-01"}, "kind": {"holiday"}}, `id="e-day">请输入有效的日期（年-月-日）。`},
			{"short date", url.Values{"day": {"2026-1-1"}, "kind": {"holiday"}}, `id="e-day">请输入有效的日期（年-月-日）。`},
			{"bad kind", url.Values{"day": {"2026-12-01"}, "kind": {"rest"}}, `id="e-kind">请选择一个有效的选项。`},
			{"make-up day on a weekday", url.Values{"day": {"2026-12-01"}, "kind": {"workday"}}, "调休上班日应为周六或周日"},
		} {
			if res := admin.PostForm("/holidays", tc.form); res.Status != http.StatusBadRequest || !res.Contains(tc.msg) {
				t.Errorf("%s: %d %s", tc.name, res.Status, res.Body)
			}
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM holidays"); n != rows {
			t.Fatalf("refused days changed the calendar: %d rows, want %d", n, rows)
		}
		// Editing a date from the list: the form is filled, a changed name is saved and audited with the old value.
		if f := admin.Get("/holidays?year=2026&day=2026-10-08"); !f.Contains(`value="2026-10-08"`) {
			t.Fatalf("edit form: %s", f.Body)
		}
		if res := admin.PostForm("/holidays", url.Values{"day": {"2026-10-07"}, "kind": {"holiday"}, "name": {"国庆节（第七天）"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'holiday' AND entity_id = '2026-10-07' AND action = 'update' AND before LIKE '%国庆节%'`); n != 1 {
			t.Fatalf("%d audits of the edit", n)
		}
		// The API.
		var cal struct {
			Year  int                    `json:"year"`
			Items []workorder.HolidayDay `json:"items"`
		}
		res := api.JSON("GET", "/api/v1/holidays?year=2026", nil)
		res.Decode(&cal)
		if res.Status != http.StatusOK || cal.Year != 2026 || len(cal.Items) != 39 || cal.Items[0].Day != "2026-01-01" {
			t.Fatalf("API list: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("GET", "/api/v1/holidays?year=1900", nil); res.Status != http.StatusBadRequest || !res.Contains(`"year"`) {
			t.Fatalf("API bad year: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("GET", "/api/v1/holidays?year=2027", nil); res.Status != http.StatusOK || !res.Contains(`"items":[]`) {
			t.Fatalf("API empty year: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("PUT", "/api/v1/holidays/2027-01-01", map[string]any{"kind": "holiday", "name": "元旦"}); res.Status != http.StatusOK || !res.Contains(`"day":"2027-01-01"`, `"kind":"holiday"`) {
			t.Fatalf("API put: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("PUT", "/api/v1/holidays/2027-02-30", map[string]any{"kind": "holiday"}); res.Status != http.StatusBadRequest || !res.Contains(`"day":"请输入有效的日期（年-月-日）。"`) {
			t.Fatalf("API put bad day: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("PUT", "/api/v1/holidays/2027-01-02", map[string]any{"kind": "nap"}); res.Status != http.StatusBadRequest || !res.Contains(`"kind"`) {
			t.Fatalf("API put bad kind: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("DELETE", "/api/v1/holidays/2027-01-01", nil); res.Status != http.StatusNoContent {
			t.Fatalf("API delete: %d %s", res.Status, res.Body)
		}
		if res = api.JSON("DELETE", "/api/v1/holidays/2027-01-01", nil); res.Status != http.StatusNotFound {
			t.Fatalf("API delete again: %d %s", res.Status, res.Body)
		}
		// Deleting from the page.
		if res = admin.PostForm("/holidays/2026-10-10/delete", nil); res.Status != http.StatusSeeOther || e.Count(t, "SELECT COUNT(*) FROM holidays WHERE day = '2026-10-10'") != 0 {
			t.Fatalf("page delete: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'holiday' AND action = 'delete'"); n != 2 {
			t.Fatalf("%d delete audits", n)
		}
	})
}

func TestAPastedYearIsImportedWholeOrRefusedWithTheBadLineNumbers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		bad := strings.Join([]string{
			"# 2027 年安排",
			"2027-01-01 holiday 元旦",
			"2027-02-30 holiday 春节",  // line 3: no such date
			"2027-02-06 班 春节调休",      // fine (a Saturday)
			"2027-02-08 workday 周一",  // line 5: a Monday
			"2026-10-01 holiday 国庆节", // line 6: another year
			"2027-01-01 holiday 元旦",  // line 7: repeated
			"2027-05-01",             // line 8: no kind
			"2027-05-02 rest 劳动节",    // line 9: bad kind
		}, "\n")
		res := admin.PostForm("/holidays/import", url.Values{"year": {"2027"}, "lines": {bad}})
		if res.Status != http.StatusBadRequest || !res.Contains("第 3, 5, 6, 7, 8, 9 行有误，未做任何修改。",
			"第 3 行：日期应为有效的", "第 5 行：调休上班日应为周六或周日。", "第 6 行：日期不在 2027 年内。",
			"第 7 行：该日期已在第 2 行出现。", "第 8 行：应为“日期 类型 名称”。", "第 9 行：类型应为 holiday（休）或 workday（班）。",
			"2027-02-30 holiday 春节") {
			t.Fatalf("bad paste: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM holidays WHERE day LIKE '2027-%'"); n != 0 {
			t.Fatalf("a refused paste stored %d days", n)
		}
		// A good paste replaces the year: 2026's 国庆 edited, a date added, one removed.
		var lines []string
		for _, h := range workorder.Holidays2026 {
			if h.Day == "2026-10-10" {
				continue // removed
			}
			name := h.Name
			if h.Day == "2026-10-07" {
				name = "国庆节假期"
			}
			lines = append(lines, h.Day+" "+string(h.Kind)+" "+name)
		}
		lines = append(lines, "2026-12-31 休 跨年")
		res = admin.PostForm("/holidays/import", url.Values{"year": {"2026"}, "lines": {strings.Join(lines, "\r\n")}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/holidays?year=2026" {
			t.Fatalf("good paste: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM holidays WHERE day LIKE '2026-%'") != int64(len(workorder.Holidays2026)) ||
			e.Count(t, "SELECT COUNT(*) FROM holidays WHERE day = '2026-10-10'") != 0 ||
			e.Count(t, "SELECT COUNT(*) FROM holidays WHERE day = '2026-10-07' AND name = '国庆节假期'") != 1 ||
			e.Count(t, "SELECT COUNT(*) FROM holidays WHERE day = '2026-12-31' AND kind = 'holiday'") != 1 {
			t.Fatal("the paste did not replace the year")
		}
		for action, want := range map[string]int64{"create": 1, "update": 1, "delete": 1} {
			if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'holiday' AND action = ?", action); n != want {
				t.Errorf("%d %s audits, want %d", n, action, want)
			}
		}
		if page := admin.Get("/holidays?year=2026"); !page.Contains("已导入", "2026-12-31 holiday 跨年") {
			t.Fatalf("after the import: %s", page.Body)
		}
	})
}

func TestConfigurationPagesAreInEnglishToo(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		admin.Lang = "en"
		cat := idStr(e.ID(t, "workorder_categories", "code", "STREET_VENDING"))
		group := idStr(e.ID(t, "workorder_categories", "code", "G-CITY"))
		for path, words := range map[string][]string{
			"/categories":                     {"Categories", "Street vending", "New group", "Deactivate"},
			"/categories/new?parent=" + group: {"New category", "Urgency class", "Resolve within", "resolve in 7 calendar days"},
			"/categories/new?group=1":         {"New group", "The urgency class proposed for new categories"},
			"/categories/" + cat + "/edit":    {"Edit category", "Extra questions", "Default unit"},
			"/category-urgencies":             {"Urgency classes and default limits", "does not change existing categories"},
			"/holidays?year=2026":             {"Holiday calendar", "October", "Make-up working day", "Import a whole year"},
		} {
			if res := admin.Get(path); res.Status != http.StatusOK || !res.Contains(words...) {
				t.Errorf("%s: %d %s", path, res.Status, res.Body)
			}
		}
	})
}
