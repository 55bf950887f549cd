package inspectionweb_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
)

func TestTheDemoIndexSiteTypesAndSitesHaveTheirPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		res := admin.Get("/inspection/indexes")
		apptest.Want(t, "index list", res, http.StatusOK, "乐山市全国文明城市创建测评体系", "现行", ">120<")
		id := e.ID(t, "inspection_indexes", "code", "WMCS")
		res = admin.Get("/inspection/indexes/" + apptest.Itoa(id))
		apptest.Want(t, "index tree", res, http.StatusOK, "基本指标", "特色指标", "政务环境", "法治环境", "市场环境", "人文环境",
			"生活环境", "生态环境", "创建活动", "城市照明装灯率100%、亮灯率95%以上", "问卷调查")
		if strings.Contains(res.Body, `id="problems"`) {
			t.Fatal("the demo index shows problems")
		}
		res = admin.Get("/inspection/site-types")
		apptest.Want(t, "site types", res, http.StatusOK, "农贸市场", "背街小巷", "学校周边", "建筑工地围挡", "公共厕所")
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_site_types"); n < 20 {
			t.Fatalf("%d site types", n)
		}
		market := e.ID(t, "inspection_site_types", "code", "MARKET")
		apptest.Want(t, "market checklist", admin.Get("/inspection/site-types/"+apptest.Itoa(market)), http.StatusOK,
			"明码标价", "公平秤", "B030101", "每发现一户未标价扣1分")
		sites := e.Count(t, "SELECT COUNT(*) FROM inspection_sites")
		if sites < 300 {
			t.Fatalf("only %d demo sites", sites)
		}
		if n := e.Count(t, "SELECT COUNT(DISTINCT d.id) FROM inspection_sites s JOIN regions r ON r.id = s.region_id JOIN regions d ON r.path LIKE d.path || '%' WHERE d.level = 'district'"); n < 5 {
			t.Fatalf("sites in %d districts", n)
		}
		res = admin.Get("/inspection/sites")
		apptest.Want(t, "site list", res, http.StatusOK, "农贸市场", "督导组")
		res = admin.Get("/api/v1/inspection/sites?size=1")
		var page struct{ Total int }
		res.Decode(&page)
		if int64(page.Total) != sites {
			t.Fatalf("API total %d, want %d", page.Total, sites)
		}
		res = admin.Get("/inspection/sites?format=xlsx")
		if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheet") {
			t.Fatalf("export: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		en := e.Login(t, "admin")
		en.Lang = "en"
		apptest.Want(t, "english", en.Get("/inspection/site-types"), http.StatusOK, "Site types and checklists", "Back street")
	})
}

func TestAnInspectorSeesOnlyTheSitesItsGroupCovers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		insp := e.API(t, "inspector")
		var page struct {
			Total int
			Items []struct {
				ID        int64
				GroupName string `json:"group_name"`
			}
		}
		insp.Get("/api/v1/inspection/sites?size=500").Decode(&page)
		all := e.Count(t, "SELECT COUNT(*) FROM inspection_sites")
		if page.Total == 0 || int64(page.Total) >= all {
			t.Fatalf("the inspector sees %d of %d sites", page.Total, all)
		}
		mine := map[int64]bool{}
		for _, s := range page.Items {
			if s.GroupName != "第一督导组" {
				t.Fatalf("site %d of %s in the inspector's list", s.ID, s.GroupName)
			}
			mine[s.ID] = true
		}
		// A site another group covers is not found, by page and API alike.
		other := e.ID(t, "inspection_sites", "code", "S0300")
		if mine[other] {
			t.Skip("S0300 is the inspector's")
		}
		c := e.Login(t, "inspector")
		apptest.Want(t, "another group's site", c.Get("/inspection/sites/"+apptest.Itoa(other)), http.StatusNotFound)
		apptest.Want(t, "another group's site (API)", insp.Get("/api/v1/inspection/sites/"+apptest.Itoa(other)), http.StatusNotFound)
		// The inspector reads but does not change.
		res := c.PostForm("/inspection/site-types", url.Values{"code": {"X"}, "name": {"X"}})
		apptest.Want(t, "inspector creates a site type", res, http.StatusForbidden)
		// A unit handler has no inspection pages.
		apptest.Want(t, "handler", e.Login(t, "handler_cg").Get("/inspection/sites"), http.StatusForbidden)
	})
}

func xlsx(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func postWorkbook(t *testing.T, e *apptest.Env, c *apptest.Client, vals url.Values, data []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vals.Set("csrf", c.CSRF())
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if data != nil {
		w, _ := mw.CreateFormFile("file", "index.xlsx")
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/inspection/indexes/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestImportingAnIndexRefusesABadWorkbookByRowAndColumn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		before := e.Count(t, "SELECT COUNT(*) FROM inspection_nodes")
		bad := xlsx(t, [][]any{
			{"编号", "上级编号", "层级", "名称", "分值", "采集方式"},
			{"T", "", "部分", "测试", 5, ""},
			{"T01", "T", "板块", "测试板块", "五", ""},
			{"T0101", "T01", "指标", "测试指标", 5, "目测"},
		})
		res := postWorkbook(t, e, admin, url.Values{"code": {"TEST"}, "name": {"测试体系"}}, bad)
		apptest.Want(t, "bad workbook", res, http.StatusBadRequest, "未导入任何内容", `<td class="num">3</td><td class="mono">E</td><td>分值</td>`,
			`<td class="num">4</td><td class="mono">F</td><td>采集方式</td>`)
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_nodes"); n != before {
			t.Fatalf("nodes %d → %d", before, n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_indexes WHERE code = 'TEST'"); n != 0 {
			t.Fatal("a refused import saved an index")
		}
		res = postWorkbook(t, e, admin, url.Values{"code": {""}, "name": {""}}, nil)
		apptest.Want(t, "no file", res, http.StatusBadRequest, `id="e-file"`, `id="e-code"`)
		// The demo's own export imports again as version 2 of its code.
		id := e.ID(t, "inspection_indexes", "code", "WMCS")
		exp := admin.Get("/inspection/indexes/" + apptest.Itoa(id) + "?format=xlsx")
		if exp.Status != http.StatusOK {
			t.Fatalf("export %d", exp.Status)
		}
		res = postWorkbook(t, e, admin, url.Values{"code": {"WMCS"}, "name": {"测评体系（修订稿）"}}, exp.Raw)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("good workbook: %d\n%s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_indexes WHERE code = 'WMCS' AND version = 2 AND state = 'draft'"); n != 1 {
			t.Fatal("no draft version 2")
		}
	})
}

func TestCheckItemAndSiteFormsNameEveryBadFieldAndChangeNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		market := apptest.Itoa(e.ID(t, "inspection_site_types", "code", "MARKET"))
		before := e.Count(t, "SELECT COUNT(*) FROM inspection_check_items")
		res := admin.PostForm("/inspection/site-types/"+market+"/items", url.Values{"indicator_code": {"NOPE"}, "title": {"秤"},
			"rule": {""}, "points": {"5"}, "deduct": {"2"}, "cap": {"8"}, "severity": {"normal"}})
		apptest.Want(t, "bad item", res, http.StatusBadRequest, `id="e-indicator_code"`, `id="e-rule"`, "扣分上限不能超过本项分值 5")
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_check_items"); n != before {
			t.Fatal("a refused item was saved")
		}
		res = admin.PostForm("/inspection/site-types/"+market+"/items", url.Values{"indicator_code": {"B030101"}, "title": {"电子秤检定"},
			"rule": {"经营户电子秤在检定有效期内，每发现一台过期扣1分"}, "points": {"4"}, "deduct": {"1"}, "cap": {"4"}, "severity": {"minor"}, "sort": {"9"}})
		apptest.Want(t, "good item", res, http.StatusSeeOther)
		sites := e.Count(t, "SELECT COUNT(*) FROM inspection_sites")
		res = admin.PostForm("/inspection/sites", url.Values{"code": {"S0001"}, "name": {""}, "shape": {"line"}, "line": {"29.5,103.7"}})
		apptest.Want(t, "bad site", res, http.StatusBadRequest, `id="e-code"`, `id="e-name"`, `id="e-line"`, `id="e-site_type_id"`, `id="e-region_id"`, `id="e-unit_id"`)
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_sites"); n != sites {
			t.Fatal("a refused site was saved")
		}
		region := apptest.Itoa(e.Count(t, "SELECT MIN(id) FROM regions WHERE level = 'street'"))
		unit := apptest.Itoa(e.ID(t, "units", "code", "DEPT-CG"))
		res = admin.PostForm("/inspection/sites", url.Values{"code": {"S9001"}, "name": {"嘉州大道（测试段）"}, "shape": {"line"},
			"line": {"29.55,103.76; 29.56,103.77"}, "site_type_id": {apptest.Itoa(e.ID(t, "inspection_site_types", "code", "MAIN_ROAD"))},
			"region_id": {region}, "unit_id": {unit}, "active": {"1"}})
		apptest.Want(t, "good site", res, http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_sites WHERE code = 'S9001' AND line = '29.55,103.76;29.56,103.77' AND lat = 29.55"); n != 1 {
			t.Fatal("the line site was not saved as typed")
		}
	})
}

func TestEnglishPagesNameTheIndexSitesChecklistsAndRoundsInEnglish(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		en := e.Login(t, "admin")
		en.Lang = "en"
		zh := e.Login(t, "admin")
		index := apptest.Itoa(e.ID(t, "inspection_indexes", "code", "WMCS"))
		market := apptest.Itoa(e.ID(t, "inspection_site_types", "code", "MARKET"))
		site := apptest.Itoa(e.ID(t, "inspection_sites", "code", "S0001"))
		insp := e.Count(t, "SELECT MIN(i.id) FROM inspections i JOIN inspection_results r ON r.inspection_id = i.id")
		plan := e.Count(t, "SELECT MIN(id) FROM inspection_plans")
		pages := []struct{ path, en, zh string }{
			{"/inspection/indexes", "Leshan civilised-city evaluation index (2026 edition)", "乐山市全国文明城市创建测评体系"},
			{"/inspection/indexes/" + index, "Government environment", "政务环境"},
			{"/inspection/site-types/" + market, "1 point off for each stall without prices", "每发现一户未标价扣1分"},
			{"/inspection/sites/" + site, "· Shawan Avenue", "· 沙湾大道"}, // the form keeps the Chinese name as typed
			{"/inspection/inspections/" + apptest.Itoa(insp), "points off", "扣"},
			{"/inspection/plans/" + apptest.Itoa(plan), "Supervision Group", "督导组"},
		}
		for _, p := range pages {
			apptest.Want(t, "en "+p.path, en.Get(p.path), http.StatusOK, p.en)
			if res := en.Get(p.path); strings.Contains(res.Body, p.zh) {
				i := strings.Index(res.Body, p.zh)
				t.Errorf("en %s shows %q: %s", p.path, p.zh, res.Body[max(0, i-300):i+30])
			}
			apptest.Want(t, "zh "+p.path, zh.Get(p.path), http.StatusOK, p.zh)
		}
		// An English name typed in the site form is what English pages show;
		// one too long is refused by field and changes nothing.
		typ := apptest.Itoa(e.Count(t, "SELECT site_type_id FROM inspection_sites WHERE id = "+site))
		region := apptest.Itoa(e.Count(t, "SELECT region_id FROM inspection_sites WHERE id = "+site))
		unit := apptest.Itoa(e.Count(t, "SELECT unit_id FROM inspection_sites WHERE id = "+site))
		form := url.Values{"code": {"S0001"}, "name": {"测试大道"}, "shape": {"point"}, "lat": {"29.55"}, "lng": {"103.76"}, "site_type_id": {typ},
			"region_id": {region}, "unit_id": {unit}, "active": {"1"}, "name_en": {strings.Repeat("x", 101)}}
		apptest.Want(t, "long English name", zh.PostForm("/inspection/sites/"+site, form), http.StatusBadRequest, `id="e-name_en"`)
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_sites WHERE id = "+site+" AND name_en LIKE 'xxx%'"); n != 0 {
			t.Fatal("a refused English name was saved")
		}
		form.Set("name_en", "Test Avenue (east section)")
		apptest.Want(t, "English name", zh.PostForm("/inspection/sites/"+site, form), http.StatusSeeOther)
		apptest.Want(t, "en site list", en.Get("/inspection/sites?q=S0001"), http.StatusOK, "Test Avenue (east section)")
	})
}
