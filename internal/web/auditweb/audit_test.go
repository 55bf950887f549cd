package auditweb_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/i18n"
)

type auditItem struct {
	ID        int64  `json:"id"`
	At        string `json:"at"`
	ActorName string `json:"actor_name"`
	IP        string `json:"ip"`
	Action    string `json:"action"`
	Entity    string `json:"entity"`
	EntityID  string `json:"entity_id"`
	Summary   string `json:"summary"`
	Changes   []audit.Change
}

type auditPage struct {
	Items []auditItem `json:"items"`
	Total int         `json:"total"`
}

// auditAPI lists entries through the API with the given query.
func auditAPI(t *testing.T, c *apptest.Client, query string) auditPage {
	t.Helper()
	res := c.JSON("GET", "/api/v1/audit?"+query, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/audit?%s: %d %s", query, res.Status, res.Body)
	}
	var p auditPage
	res.Decode(&p)
	return p
}

// recordContactView writes a contact-details read as a later capability
// (work orders, volunteers) does, in its own transaction.
func recordContactView(t *testing.T, e *apptest.Env, actor, summary string) {
	t.Helper()
	err := e.App.DB.Write(context.Background(), func(tx *db.Tx) error {
		return audit.Record(context.Background(), tx, nil, e.Clock.Now(), audit.Entry{ActorName: actor, IP: "10.1.2.3",
			Action: audit.ActionViewContact, Entity: "user", EntityID: "42", Summary: summary}, nil, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAdminSeesWhoChangedWhatWithBeforeAndAfter(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		res := admin.PostForm("/settings", url.Values{"password.min_length": {"10"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save settings: %d %s", res.Status, res.Body)
		}
		res = admin.Get("/audit")
		if res.Status != http.StatusOK || !res.Contains("审计日志", "admin", "系统设置", "修改", "password.min_length: 8 → 10", "127.0.0.1", `class="table-wrap"`) {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		api := e.API(t, "admin")
		list := auditAPI(t, api, "entity=settings")
		if list.Total != 1 || list.Items[0].Action != "update" || list.Items[0].ActorName != "admin" {
			t.Fatalf("settings entries: %+v", list)
		}
		id := list.Items[0].ID
		res = admin.Get(fmt.Sprintf("/audit/%d", id))
		if res.Status != http.StatusOK || !res.Contains("变更内容", "密码最短长度", `<td class="diff audit-before">8</td>`, `<td class="diff audit-after">10</td>`) {
			t.Fatalf("detail: %d %s", res.Status, res.Body)
		}
		if strings.Contains(res.Body, "password.min_classes</span></th>") {
			t.Fatal("an unchanged setting is listed as changed")
		}
		var one auditItem
		res = api.JSON("GET", fmt.Sprintf("/api/v1/audit/%d", id), nil)
		res.Decode(&one)
		if res.Status != http.StatusOK || len(one.Changes) != 1 || one.Changes[0] != (audit.Change{Field: "password.min_length", Before: "8", After: "10"}) {
			t.Fatalf("API detail: %d %s", res.Status, res.Body)
		}
		admin.Lang = "en"
		res = admin.Get(fmt.Sprintf("/audit/%d", id))
		if !res.Contains("Changes", "Settings", "Before", "After") {
			t.Fatalf("English detail: %s", res.Body)
		}
		if res := admin.Get("/audit/999999"); res.Status != http.StatusNotFound {
			t.Fatalf("missing entry: %d", res.Status)
		}
		if res := api.JSON("GET", "/api/v1/audit/nope", nil); res.Status != http.StatusNotFound {
			t.Fatalf("bad id: %d", res.Status)
		}
	})
}

func TestAuditFiltersNarrowTheLog(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		api := e.API(t, "admin")
		recordContactView(t, e, "operator", "查看市民 138****0001 的联系电话")

		// Contact views only.
		p := auditAPI(t, api, "contact=1")
		if p.Total != 1 || p.Items[0].Action != "view_contact" || p.Items[0].ActorName != "operator" {
			t.Fatalf("contact only: %+v", p)
		}
		res := admin.Get("/audit?contact=1")
		if !res.Contains("查看市民 138****0001 的联系电话", "查看联系方式", `name="contact" type="checkbox" value="1" checked`, "共 1 条") {
			t.Fatalf("contact-only page: %s", res.Body)
		}

		// By action and by actor.
		p = auditAPI(t, api, "action=login&size=500")
		if p.Total < 2 {
			t.Fatalf("logins: %+v", p)
		}
		for _, it := range p.Items {
			if it.Action != "login" {
				t.Fatalf("action filter let %q through", it.Action)
			}
		}
		if p := auditAPI(t, api, "actor=OPERA"); p.Total != 1 || p.Items[0].ActorName != "operator" {
			t.Fatalf("actor filter: %+v", p)
		}
		if p := auditAPI(t, api, "q=138****0001"); p.Total != 1 {
			t.Fatalf("keyword filter: %+v", p)
		}

		// Date range: three days later (sessions have ended; log in again), one more read.
		before := auditAPI(t, api, "size=1").Total
		e.Clock.Advance(72 * time.Hour)
		admin, api = e.Login(t, "admin"), e.API(t, "admin")
		day := e.Clock.Now().Local().Format("2006-01-02")
		prev := e.Clock.Now().Local().AddDate(0, 0, -1).Format("2006-01-02")
		recordContactView(t, e, "grid", "查看住户 139****0002 的联系电话")
		p = auditAPI(t, api, "from="+day)
		if p.Total != 3 { // two logins and the read
			t.Fatalf("from %s: %+v", day, p)
		}
		for _, it := range p.Items {
			if at, _ := time.Parse(time.RFC3339, it.At); at.Local().Format("2006-01-02") != day {
				t.Fatalf("from %s let %s through", day, it.At)
			}
		}
		if p := auditAPI(t, api, "to="+prev+"&size=1"); p.Total != before {
			t.Fatalf("to %s: %d entries, want %d", prev, p.Total, before)
		}
		if p := auditAPI(t, api, "from="+day+"&to="+day+"&contact=1"); p.Total != 1 || p.Items[0].ActorName != "grid" {
			t.Fatalf("one day: %+v", p)
		}
		res = admin.Get("/audit?from=" + day)
		if !res.Contains("查看住户 139****0002 的联系电话") || res.Contains("查看市民 138****0001") {
			t.Fatalf("date filter on the page: %s", res.Body)
		}

		// Newest first, paged.
		p = auditAPI(t, api, "size=2&page=1")
		if len(p.Items) != 2 || p.Items[0].ActorName != "grid" {
			t.Fatalf("order or paging: %+v", p)
		}

		// Bad filters are refused with a message, on the page and in the API.
		res = admin.Get("/audit?from=2026-13-45&to=2026-01-01")
		if res.Status != http.StatusBadRequest || !res.Contains("请输入有效的日期") {
			t.Fatalf("bad date on the page: %d %s", res.Status, res.Body)
		}
		res = api.JSON("GET", "/api/v1/audit?from=2026-12-02&to=2026-12-01", nil)
		if res.Status != http.StatusBadRequest || !res.Contains(`"to":"结束日期不能早于开始日期。"`) {
			t.Fatalf("reversed range in the API: %d %s", res.Status, res.Body)
		}
	})
}

func TestAuditExportIsARealWorkbookWithTranslatedHeaders(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		recordContactView(t, e, "operator", "查看市民 138****0001 的联系电话")
		res := admin.Get("/audit?contact=1&format=xlsx")
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export: %d %q", res.Status, res.Header.Get("Content-Type"))
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape("审计日志-20261129.xlsx")) {
			t.Fatalf("file name: %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
		if err != nil {
			t.Fatalf("not a workbook: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows("审计日志")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("want header and one row, got %d rows: %v", len(rows), rows)
		}
		if got := strings.Join(rows[0][:7], "|"); got != "时间|操作人|来源地址|操作|对象|对象编号|摘要" {
			t.Fatalf("header: %s", got)
		}
		if rows[1][1] != "operator" || rows[1][3] != "查看联系方式" || rows[1][6] != "查看市民 138****0001 的联系电话" || !strings.HasPrefix(rows[1][0], "2026-11-29") && !strings.HasPrefix(rows[1][0], "11-29-26") {
			t.Fatalf("row: %v", rows[1])
		}

		// The whole log, in English.
		admin.Lang = "en"
		res = admin.Get("/audit?format=xlsx")
		f2, err := excelize.OpenReader(bytes.NewReader(res.Raw))
		if err != nil {
			t.Fatalf("not a workbook: %v", err)
		}
		defer f2.Close()
		rows, err = f2.GetRows("Audit log")
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "Time" || rows[0][3] != "Action" || len(rows) < 3 {
			t.Fatalf("English export: %v", rows)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log"); int64(len(rows)-1) != n {
			t.Fatalf("export has %d rows, log has %d", len(rows)-1, n)
		}
	})
}

func TestAuditAndSettingsNeedTheirPermissions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "dispatcher")
		for _, path := range []string{"/audit", "/audit/1", "/audit?format=xlsx", "/settings"} {
			if res := c.Get(path); res.Status != http.StatusForbidden {
				t.Errorf("dispatcher GET %s: %d", path, res.Status)
			}
		}
		if res := c.PostForm("/settings", url.Values{"password.min_length": {"20"}}); res.Status != http.StatusForbidden {
			t.Errorf("dispatcher POST /settings: %d", res.Status)
		}
		api := e.API(t, "dispatcher")
		for _, path := range []string{"/api/v1/audit", "/api/v1/audit/1", "/api/v1/settings"} {
			if res := api.JSON("GET", path, nil); res.Status != http.StatusForbidden || !res.Contains(`"code":"forbidden"`) {
				t.Errorf("dispatcher GET %s: %d %s", path, res.Status, res.Body)
			}
		}
		if res := api.JSON("PUT", "/api/v1/settings", map[string]int{"password.min_length": 20}); res.Status != http.StatusForbidden {
			t.Errorf("dispatcher PUT /api/v1/settings: %d", res.Status)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM settings"); n != 0 {
			t.Fatalf("%d settings stored", n)
		}
		if res := e.Anonymous(t).JSON("GET", "/api/v1/audit", nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d", res.Status)
		}
		if res := e.Login(t, "leader").Get("/"); res.Contains(`href="/settings"`) {
			t.Fatal("a leader must not be offered the settings")
		}
	})
}

func TestSettingsRefuseBadValuesFieldByFieldAndStoreNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		res := admin.Get("/settings")
		if res.Status != http.StatusOK || !res.Contains("安全策略", "密码最短长度", "范围 6–64", `name="password.min_length"`, `value="8"`, `for="f-login.lock_after"`) {
			t.Fatalf("settings page: %d %s", res.Status, res.Body)
		}
		bad := url.Values{"password.min_length": {"3"}, "login.window_minutes": {"abc"}, "login.captcha_after": {"5"}, "login.lock_after": {"4"}, "session.idle_minutes": {"30"}}
		res = admin.PostForm("/settings", bad)
		if res.Status != http.StatusBadRequest || !res.Contains("须在 6 到 64 之间", "请输入有效的数字", "锁定次数必须大于需要验证码的次数", `value="abc"`, `aria-invalid="true"`) {
			t.Fatalf("zh: %d %s", res.Status, res.Body)
		}
		admin.Lang = "en"
		res = admin.PostForm("/settings", bad)
		if res.Status != http.StatusBadRequest || !res.Contains("Must be between 6 and 64.", "Please enter a valid number.", "Security policy") {
			t.Fatalf("en: %d %s", res.Status, res.Body)
		}
		api := e.API(t, "admin")
		api.Lang = "en"
		res = api.JSON("PUT", "/api/v1/settings", map[string]any{"password.min_length": 100, "session.max_hours": "12", "no.such": 1, "api.token_hours": 1.5})
		if res.Status != http.StatusBadRequest || !res.Contains(`"no.such":"There is no such setting."`, `"session.max_hours":"Please enter a valid number."`, `"api.token_hours":"Please enter a valid number."`) {
			t.Fatalf("API bad types: %d %s", res.Status, res.Body)
		}
		res = api.JSON("PUT", "/api/v1/settings", map[string]any{"password.min_length": 100, "session.idle_minutes": 60})
		if res.Status != http.StatusBadRequest || !res.Contains(`"password.min_length":"Must be between 6 and 64."`) {
			t.Fatalf("API out of range: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM settings"); n != 0 {
			t.Fatalf("%d settings stored after refusals", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'settings'"); n != 0 {
			t.Fatalf("%d settings audit entries after refusals", n)
		}
	})
}

func TestARaisedMinimumPasswordLengthIsStoredAuditedAndEnforced(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		res := admin.PostForm("/settings", url.Values{"password.min_length": {"12"}, "password.min_classes": {"2"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/settings" {
			t.Fatalf("save: %d %s", res.Status, res.Body)
		}
		if res := admin.Get("/settings"); !res.Contains("已保存。", `name="password.min_length" type="number" inputmode="numeric" min="6" max="64" step="1" required value="12"`) {
			t.Fatalf("after saving: %s", res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'settings' AND action = 'update' AND actor_name = 'admin'"); n != 1 {
			t.Fatalf("%d audit entries for the change", n)
		}
		// Saving the same values again changes nothing and records nothing.
		admin.PostForm("/settings", url.Values{"password.min_length": {"12"}})
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'settings'"); n != 1 {
			t.Fatalf("an unchanged save was audited: %d entries", n)
		}

		c := e.Login(t, "appraiser")
		res = c.PostForm("/account/password", url.Values{"current": {demo.Password}, "new": {"Ten-chars1"}, "confirm": {"Ten-chars1"}})
		if res.Status != http.StatusBadRequest || !res.Contains("密码至少需要 12 个字符") {
			t.Fatalf("a 10-character password was not refused: %d %s", res.Status, res.Body)
		}
		res = c.PostForm("/account/password", url.Values{"current": {demo.Password}, "new": {"Twelve-chars-1"}, "confirm": {"Twelve-chars-1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("a long enough password: %d %s", res.Status, res.Body)
		}

		// The API sees and changes the same settings.
		api := e.API(t, "admin")
		var got map[string]int
		res = api.JSON("GET", "/api/v1/settings", nil)
		res.Decode(&got)
		if got["password.min_length"] != 12 || got["login.lock_after"] != 6 || len(got) != 11 {
			t.Fatalf("API settings: %s", res.Body)
		}
		res = api.JSON("PUT", "/api/v1/settings", map[string]int{"password.min_length": 9})
		res.Decode(&got)
		if res.Status != http.StatusOK || got["password.min_length"] != 9 {
			t.Fatalf("API change: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'settings'"); n != 2 {
			t.Fatalf("API change not audited: %d entries", n)
		}
	})
}

// TestAuditFilterOffersEveryCapabilitysEntities proves the entity filter
// lists the work-order and configuration entities too, each with a label
// in both languages, and finds their entries: a holiday set through the API
// is found under entity=holiday and under its label on the page.
func TestAuditFilterOffersEveryCapabilitysEntities(t *testing.T) {
	for _, ent := range audit.Entities {
		for _, l := range []i18n.Lang{i18n.ZH, i18n.EN} {
			if key := "audit.entity." + ent; i18n.T(l, key) == key {
				t.Errorf("entity %s has no %s label", ent, l)
			}
		}
	}
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		api := e.API(t, "admin")
		if res := api.JSON("PUT", "/api/v1/holidays/2026-12-01", map[string]any{"kind": "holiday", "name": "测试假日"}); res.Status != http.StatusOK {
			t.Fatalf("set holiday: %d %s", res.Status, res.Body)
		}
		list := auditAPI(t, api, "entity=holiday")
		if list.Total != 1 {
			t.Fatalf("holiday entries: %+v", list)
		}
		res := e.Login(t, "admin").Get("/audit?entity=holiday")
		if res.Status != http.StatusOK || !res.Contains(`<option value="holiday" selected>`, "节假日", `value="workorder_category"`) {
			t.Fatalf("audit page filtered by holiday: %d", res.Status)
		}
	})
}
