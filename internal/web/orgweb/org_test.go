package orgweb_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
)

// orgItem is the part of a region, unit or pairing the tests read back.
type orgItem struct {
	ID           int64  `json:"id"`
	ParentID     int64  `json:"parent_id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Level        string `json:"level"`
	Path         string `json:"path"`
	RegionID     int64  `json:"region_id"`
	RegionPath   string `json:"region_path"`
	ContactPhone string `json:"contact_phone"`
	Active       bool   `json:"active"`
	UnitCode     string `json:"unit_code"`
	RegionCode   string `json:"region_code"`
	Note         string `json:"note"`
}

type orgPage struct {
	Items []orgItem `json:"items"`
	Total int       `json:"total"`
}

type orgAPIErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func orgList(t *testing.T, c *apptest.Client, path string) orgPage {
	t.Helper()
	res := c.JSON("GET", path, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var p orgPage
	res.Decode(&p)
	return p
}

func TestAdminCreatesAStreetAndACommunityThroughTheFormsThenEditsAndDeletesThemWithAuditRows(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		sz := e.ID(t, "regions", "code", "511102")

		// The new form under 市中区 proposes the street level.
		res := admin.Get("/regions/new?parent=" + apptest.Itoa(sz))
		apptest.Want(t, "new form", res, http.StatusOK, "新建区域", `<option value="street" selected>`, `<option value="`+apptest.Itoa(sz)+`" selected>`)

		res = admin.PostForm("/regions", url.Values{"parent_id": {apptest.Itoa(sz)}, "level": {"street"}, "code": {"511102-XJ"},
			"name": {"新街街道"}, "name_en": {"Xinjie Subdistrict"}, "sort": {"20"}, "lat": {"29.56"}, "lng": {""}})
		apptest.Want(t, "create street", res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/regions?parent="+apptest.Itoa(sz) {
			t.Fatalf("after create: Location %q", loc)
		}
		street := e.ID(t, "regions", "code", "511102-XJ")
		res = admin.PostForm("/regions", url.Values{"parent_id": {apptest.Itoa(street)}, "level": {"community"}, "code": {"511102-XJ-01"},
			"name": {"新街社区"}, "sort": {"0"}})
		apptest.Want(t, "create community", res, http.StatusSeeOther)
		comm := e.ID(t, "regions", "code", "511102-XJ-01")

		// Drilling down shows the new community with the breadcrumb of its ancestors.
		res = admin.Get("/regions?parent=" + apptest.Itoa(street))
		apptest.Want(t, "drill down", res, http.StatusOK, "已创建", "新街社区", "511102-XJ-01", "乐山市", "市中区", "新街街道", "共 1 条")

		res = admin.Get("/regions/" + apptest.Itoa(comm) + "/edit")
		apptest.Want(t, "edit form", res, http.StatusOK, `value="新街社区"`, `value="511102-XJ-01"`)
		res = admin.PostForm("/regions/"+apptest.Itoa(comm), url.Values{"parent_id": {apptest.Itoa(street)}, "level": {"community"}, "code": {"511102-XJ-01"},
			"name": {"新街东社区"}, "sort": {"1"}})
		apptest.Want(t, "edit community", res, http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM regions WHERE id = ? AND name = '新街东社区' AND sort = 1", comm); n != 1 {
			t.Fatal("the edit was not stored")
		}

		// A street with a community cannot go first; the refusal says why and changes nothing.
		res = admin.PostForm("/regions/"+apptest.Itoa(street)+"/delete", nil)
		apptest.Want(t, "delete a parent", res, http.StatusConflict, "还有下级区域")
		res = admin.PostForm("/regions/"+apptest.Itoa(comm)+"/delete", nil)
		apptest.Want(t, "delete community", res, http.StatusSeeOther)
		res = admin.PostForm("/regions/"+apptest.Itoa(street)+"/delete", nil)
		apptest.Want(t, "delete street", res, http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM regions WHERE code LIKE '511102-XJ%'"); n != 0 {
			t.Fatalf("%d regions left", n)
		}

		for _, c := range []struct {
			action string
			id     int64
			n      int64
		}{{"create", street, 1}, {"create", comm, 1}, {"update", comm, 1}, {"delete", comm, 1}, {"delete", street, 1}, {"update", street, 0}} {
			n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'region' AND action = ? AND entity_id = ? AND actor_name = 'admin'",
				c.action, apptest.Itoa(c.id))
			if n != c.n {
				t.Errorf("audit %s of region %d: %d rows, want %d", c.action, c.id, n, c.n)
			}
		}
	})
}

func TestBadRegionInputGetsFieldMessagesInTheUsersLanguageAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		sz := e.ID(t, "regions", "code", "511102")
		state := func() string {
			return fmt.Sprint(e.Count(t, "SELECT COUNT(*) FROM regions"), e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'region'"))
		}
		before := state()
		// A community straight under a district, an empty name and a bad code.
		bad := url.Values{"parent_id": {apptest.Itoa(sz)}, "level": {"community"}, "code": {"bad code!"}, "name": {" "}, "sort": {"0"}}

		admin := e.Login(t, "admin")
		res := admin.PostForm("/regions", bad)
		apptest.Want(t, "zh form", res, http.StatusBadRequest, "必填", "只能包含字母、数字", "社区（村）的上级区域须为街道（乡镇）",
			`value="bad code!"`, `aria-invalid="true"`, `<option value="community" selected>`)
		res = admin.PostForm("/regions", url.Values{"parent_id": {apptest.Itoa(sz)}, "level": {"street"}, "code": {"X1"}, "name": {"x"}, "sort": {"many"}})
		apptest.Want(t, "not a number", res, http.StatusBadRequest, "请输入有效的数字")

		admin.Lang = "en"
		res = admin.PostForm("/regions", bad)
		apptest.Want(t, "en form", res, http.StatusBadRequest, "Required.", "Use only letters, digits",
			"The parent of a Community (village) must be a Street (township).")

		api := e.API(t, "admin")
		body := map[string]any{"parent_id": sz, "level": "community", "code": "bad code!", "name": ""}
		for _, c := range []struct{ lang, name, code, parent string }{
			{"zh-CN", "必填。", "只能包含字母", "须为街道（乡镇）"},
			{"en", "Required.", "Use only letters", "must be a Street (township)"},
		} {
			api.Lang = c.lang
			res = api.JSON("POST", "/api/v1/regions", body)
			var got orgAPIErr
			res.Decode(&got)
			f := got.Error.Fields
			if res.Status != http.StatusBadRequest || got.Error.Code != "invalid" || f["name"] != c.name ||
				!strings.Contains(f["code"], c.code) || !strings.Contains(f["parent_id"], c.parent) {
				t.Fatalf("API %s: %d %s", c.lang, res.Status, res.Body)
			}
		}
		// Bad filters and bodies are refused too.
		api.Lang = "zh-CN"
		res = api.JSON("GET", "/api/v1/regions?level=planet", nil)
		apptest.Want(t, "bad filter", res, http.StatusBadRequest, `"level":"请选择一个有效的选项。"`)
		res = api.JSON("POST", "/api/v1/regions", map[string]any{"parent_id": sz, "level": "street", "code": "X", "name": "x", "colour": "red"})
		apptest.Want(t, "unknown field", res, http.StatusBadRequest, "JSON")
		res = api.JSON("PUT", "/api/v1/regions/"+apptest.Itoa(sz), map[string]any{"level": "grid"})
		apptest.Want(t, "level change with children", res, http.StatusBadRequest, `"level"`)

		if after := state(); after != before {
			t.Fatalf("rows changed: %s → %s", before, after)
		}
	})
}

func TestAStreetHandlerSeesOnlyItsOwnSubtreeAndEverythingElseIs404(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		zgqUnit := e.ID(t, "units", "code", "ST-ZGQ")
		sz := e.ID(t, "regions", "code", "511102")
		zgq := e.ID(t, "regions", "code", "511102-ZGQ")
		pairing := e.ID(t, "pairings", "unit_id", e.ID(t, "units", "code", "DEPT-CG"))

		swq := e.Login(t, "handler_swq")
		for _, path := range []string{"/units/" + apptest.Itoa(zgqUnit) + "/edit", "/regions/" + apptest.Itoa(sz) + "/edit", "/pairings/" + apptest.Itoa(pairing) + "/edit"} {
			apptest.Want(t, "GET "+path, swq.Get(path), http.StatusNotFound)
		}
		for _, path := range []string{"/units/" + apptest.Itoa(zgqUnit), "/units/" + apptest.Itoa(zgqUnit) + "/delete", "/regions/" + apptest.Itoa(zgq) + "/delete"} {
			apptest.Want(t, "POST "+path, swq.PostForm(path, url.Values{"name": {"x"}}), http.StatusNotFound)
		}

		api := e.API(t, "handler_swq")
		for _, path := range []string{"/api/v1/units/" + apptest.Itoa(zgqUnit), "/api/v1/regions/" + apptest.Itoa(sz), "/api/v1/regions/" + apptest.Itoa(zgq),
			"/api/v1/pairings/" + apptest.Itoa(pairing)} {
			apptest.Want(t, "GET "+path, api.JSON("GET", path, nil), http.StatusNotFound, `"code":"not_found"`)
			apptest.Want(t, "PUT "+path, api.JSON("PUT", path, map[string]any{"name": "x"}), http.StatusNotFound)
			apptest.Want(t, "DELETE "+path, api.JSON("DELETE", path, nil), http.StatusNotFound)
		}

		// Lists hold exactly the subtree of 沙湾镇, HTML and API alike.
		regions := orgList(t, api, "/api/v1/regions?size=500")
		want := e.Count(t, "SELECT COUNT(*) FROM regions WHERE path LIKE (SELECT path FROM regions WHERE code = '511111-SWZ') || '%'")
		if int64(regions.Total) != want || want < 3 {
			t.Fatalf("regions in scope: %d, want %d", regions.Total, want)
		}
		for _, r := range regions.Items {
			if !strings.HasPrefix(r.Code, "511111-SWZ") {
				t.Errorf("region %s outside 沙湾镇 listed", r.Code)
			}
		}
		units := orgList(t, api, "/api/v1/units?size=500")
		if units.Total == 0 {
			t.Fatal("no units in scope")
		}
		swzPath := regions.Items[0].Path
		for _, u := range units.Items {
			if !strings.HasPrefix(u.RegionPath, swzPath) {
				t.Errorf("unit %s in %s outside 沙湾镇 %s", u.Code, u.RegionPath, swzPath)
			}
			if strings.Contains(u.ContactPhone, "000") && !strings.Contains(u.ContactPhone, "*") {
				t.Errorf("unit %s phone %s unmasked for a reader", u.Code, u.ContactPhone)
			}
		}
		res := swq.Get("/units?size=500")
		apptest.Want(t, "unit list", res, http.StatusOK, "ST-SWZ", "沙湾镇")
		if res.Contains("ST-ZGQ") || res.Contains("张公桥") || res.Contains(`href="/units/new"`) {
			t.Fatalf("unit list leaks or offers creation: %s", res.Body)
		}
		res = swq.Get("/regions?size=500")
		apptest.Want(t, "region list", res, http.StatusOK, "沫若社区")
		if res.Contains("张公桥") || res.Contains("市中区") {
			t.Fatalf("region list leaks 市中区: %s", res.Body)
		}

		// A unit handler without org.manage may not create, even in its own scope.
		before := e.Count(t, "SELECT COUNT(*) FROM units")
		zgqHandler := e.Login(t, "handler_zgq")
		res = zgqHandler.PostForm("/units", url.Values{"kind": {"company"}, "code": {"CO-1"}, "name": {"企业"}, "region_id": {apptest.Itoa(zgq)}, "active": {"1"}})
		apptest.Want(t, "handler creates a unit", res, http.StatusForbidden)
		apptest.Want(t, "handler opens the new form", zgqHandler.Get("/units/new"), http.StatusForbidden)
		res = e.API(t, "handler_zgq").JSON("POST", "/api/v1/units", map[string]any{"kind": "company", "code": "CO-1", "name": "企业", "region_id": zgq})
		apptest.Want(t, "handler creates a unit by API", res, http.StatusForbidden, `"code":"forbidden"`)
		// Its own unit is readable but not editable.
		apptest.Want(t, "own unit", zgqHandler.Get("/units/"+apptest.Itoa(zgqUnit)+"/edit"), http.StatusOK, "单位详情", "ST-ZGQ")
		apptest.Want(t, "edit own unit", zgqHandler.PostForm("/units/"+apptest.Itoa(zgqUnit), url.Values{"name": {"x"}}), http.StatusForbidden)
		if after := e.Count(t, "SELECT COUNT(*) FROM units"); after != before {
			t.Fatalf("units %d → %d", before, after)
		}
	})
}

func TestUnitExportIsARealWorkbookWithChineseHeadersAndTheListsRows(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		api := e.API(t, "admin")
		sz := e.ID(t, "regions", "code", "511102")
		for _, q := range []string{"", "kind=department", "region=" + apptest.Itoa(sz), "active=1&q=区"} {
			res := admin.Get("/units?format=xlsx&" + q)
			if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
				t.Fatalf("export %q: %d %s", q, res.Status, res.Header)
			}
			if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape("单位")) {
				t.Errorf("file name %q", cd)
			}
			f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
			if err != nil {
				t.Fatalf("open export %q: %v", q, err)
			}
			rows, err := f.GetRows(f.GetSheetName(0))
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if rows[0][0] != "编码" || rows[0][3] != "单位类型" {
				t.Fatalf("headers %v", rows[0])
			}
			list := orgList(t, api, "/api/v1/units?size=1&"+q)
			if len(rows)-1 != list.Total || list.Total == 0 {
				t.Fatalf("export %q has %d rows, the list %d", q, len(rows)-1, list.Total)
			}
		}
		// The list page counts the same rows and links to the same export.
		res := admin.Get("/units?kind=department")
		list := orgList(t, api, "/api/v1/units?kind=department")
		apptest.Want(t, "list", res, http.StatusOK, fmt.Sprintf("共 %d 条", list.Total), "format=xlsx", "kind=department", "市城市管理局")

		admin.Lang = "en"
		res = admin.Get("/regions?format=xlsx&level=district")
		f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
		if err != nil {
			t.Fatalf("region export: %d %v", res.Status, err)
		}
		defer f.Close()
		rows, _ := f.GetRows(f.GetSheetName(0))
		if rows[0][0] != "Code" || rows[0][3] != "Level" || len(rows) < 3 || rows[1][3] != "District" {
			t.Fatalf("English region export %v", rows[:2])
		}
	})
}

func TestAPairingJoinsAUnitToACommunityOnlyOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		cg := e.ID(t, "units", "code", "DEPT-CG")
		comm := e.ID(t, "regions", "code", "511111-SWZ-01")
		street := e.ID(t, "regions", "code", "511111-SWZ")
		pairs := func() int64 { return e.Count(t, "SELECT COUNT(*) FROM pairings WHERE unit_id = ?", cg) }
		before := pairs()

		res := admin.Get("/pairings/new")
		apptest.Want(t, "new form", res, http.StatusOK, "沙湾镇 · 沫若社区", "市城市管理局")
		if res.Contains(`<option value="` + apptest.Itoa(street) + `"`) {
			t.Fatal("a street is offered as a community")
		}
		res = admin.PostForm("/pairings", url.Values{"unit_id": {apptest.Itoa(cg)}, "region_id": {apptest.Itoa(comm)}, "started_on": {"2026-11-01"}, "note": {"共建文明社区"}})
		apptest.Want(t, "create", res, http.StatusSeeOther)
		if pairs() != before+1 {
			t.Fatal("pairing not stored")
		}
		pid := e.ID(t, "pairings", "region_id", comm)
		apptest.Want(t, "listed", admin.Get("/pairings?unit="+apptest.Itoa(cg)), http.StatusOK, "沫若社区", "共建文明社区", "2026-11-01")

		res = admin.PostForm("/pairings", url.Values{"unit_id": {apptest.Itoa(cg)}, "region_id": {apptest.Itoa(street)}})
		apptest.Want(t, "street", res, http.StatusBadRequest, "结对共建的对象须为社区（村）", `aria-describedby="h-region_id e-region_id"`)
		res = admin.PostForm("/pairings", url.Values{"unit_id": {apptest.Itoa(cg)}, "region_id": {apptest.Itoa(comm)}})
		apptest.Want(t, "duplicate", res, http.StatusConflict, "该单位与该社区已结对")
		api := e.API(t, "admin")
		res = api.JSON("POST", "/api/v1/pairings", map[string]any{"unit_id": cg, "region_id": comm})
		apptest.Want(t, "duplicate by API", res, http.StatusConflict, `"code":"conflict"`)
		res = api.JSON("POST", "/api/v1/pairings", map[string]any{"unit_id": cg, "region_id": street})
		apptest.Want(t, "street by API", res, http.StatusBadRequest, `"region_id":"结对共建的对象须为社区（村）。"`)
		if pairs() != before+1 {
			t.Fatal("a refused pairing was stored")
		}

		res = admin.PostForm("/pairings/"+apptest.Itoa(pid), url.Values{"started_on": {"2026-02-30"}, "note": {"改"}})
		apptest.Want(t, "bad date", res, http.StatusBadRequest, "请输入有效的日期", `value="2026-02-30"`)
		res = admin.PostForm("/pairings/"+apptest.Itoa(pid), url.Values{"started_on": {"2026-10-01"}, "note": {"改为十月"}})
		apptest.Want(t, "edit", res, http.StatusSeeOther)
		var got orgItem
		api.JSON("GET", "/api/v1/pairings/"+apptest.Itoa(pid), nil).Decode(&got)
		if got.Note != "改为十月" || got.UnitCode != "DEPT-CG" || got.RegionCode != "511111-SWZ-01" {
			t.Fatalf("after edit %+v", got)
		}
		apptest.Want(t, "delete", admin.PostForm("/pairings/"+apptest.Itoa(pid)+"/delete", nil), http.StatusSeeOther)
		if pairs() != before {
			t.Fatal("pairing not deleted")
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'pairing' AND entity_id = ?", apptest.Itoa(pid)); n != 3 {
			t.Fatalf("%d audit rows for the pairing, want 3", n)
		}
	})
}

func TestUnitAPIRoundTripCreatesReadsChangesAndDeletes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		api := e.API(t, "admin")
		sz := e.ID(t, "regions", "code", "511102")
		hq := e.ID(t, "units", "code", "HQ")
		res := api.JSON("POST", "/api/v1/units", map[string]any{"kind": "company", "code": "CO-LS1", "name": "乐山测试企业",
			"region_id": sz, "parent_id": hq, "contact_name": "周工", "contact_phone": "13800138000"})
		apptest.Want(t, "create", res, http.StatusCreated)
		var u orgItem
		res.Decode(&u)
		if u.ID == 0 || u.Code != "CO-LS1" || !u.Active || u.ParentID != hq || u.ContactPhone != "13800138000" {
			t.Fatalf("created %+v", u)
		}
		if loc := res.Header.Get("Location"); loc != "/api/v1/units/"+apptest.Itoa(u.ID) {
			t.Fatalf("Location %q", loc)
		}
		path := "/api/v1/units/" + apptest.Itoa(u.ID)
		var got orgItem
		api.JSON("GET", path, nil).Decode(&got)
		if got.Name != "乐山测试企业" || got.RegionID != sz {
			t.Fatalf("read back %+v", got)
		}
		// A reader in scope sees the phone masked.
		var masked orgItem
		e.API(t, "leader").JSON("GET", path, nil).Decode(&masked)
		if masked.ContactPhone != "138****8000" {
			t.Fatalf("leader sees phone %q", masked.ContactPhone)
		}

		res = api.JSON("PUT", path, map[string]any{"name": "乐山改名企业", "active": false})
		apptest.Want(t, "update", res, http.StatusOK)
		res.Decode(&got)
		if got.Name != "乐山改名企业" || got.Active || got.Code != "CO-LS1" || got.ContactPhone != "13800138000" || got.ParentID != hq {
			t.Fatalf("updated %+v", got)
		}
		res = api.JSON("PUT", path, map[string]any{"contact_phone": "12345"})
		apptest.Want(t, "bad phone", res, http.StatusBadRequest, `"contact_phone":"请输入有效的手机或固定电话号码。"`)

		apptest.Want(t, "delete", api.JSON("DELETE", path, nil), http.StatusNoContent)
		apptest.Want(t, "gone", api.JSON("GET", path, nil), http.StatusNotFound)
		for _, action := range []string{"create", "update", "delete"} {
			if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'unit' AND action = ? AND entity_id = ?", action, apptest.Itoa(u.ID)); n != 1 {
				t.Errorf("audit %s: %d rows", action, n)
			}
		}
		// A unit still referred to cannot be deleted.
		apptest.Want(t, "delete in use", api.JSON("DELETE", "/api/v1/units/"+apptest.Itoa(hq), nil), http.StatusConflict)
	})
}
