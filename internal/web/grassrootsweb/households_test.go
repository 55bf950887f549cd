package grassrootsweb_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/pii"
)

// The demo grid worker's grid and a neighbour in the same community.
const (
	ownGrid   = "511102-ZGQ-01-G1"
	otherGrid = "511102-ZGQ-01-G2"
)

func firstHousehold(t *testing.T, e *apptest.Env, grid string) int64 {
	t.Helper()
	gid := e.ID(t, "regions", "code", grid)
	var id int64
	n := e.Count(t, "SELECT MIN(id) FROM gr_households WHERE region_id = ?", gid)
	id = n
	if id == 0 {
		t.Fatalf("no demo household in %s", grid)
	}
	return id
}

func withKeys(c *app.Config) { c.PIIKeys, c.PIIIndexKey = "k1:"+pii.NewKey(), pii.NewKey() }

func TestGridWorkerGets404ForAnotherGridsHouseholdByEveryRoute(t *testing.T) {
	apptest.EachWith(t, withKeys, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		other := firstHousehold(t, e, otherGrid)
		own := firstHousehold(t, e, ownGrid)
		// A member and a tag in the other grid, so that their routes name real rows.
		apptest.Want(t, "admin adds a member", admin.PostForm("/grassroots/households/"+apptest.Itoa(other)+"/people",
			url.Values{"name": {"赵六"}, "relation": {"child"}, "id_number": {"11010519491231002X"}, "phone": {"13912345678"}}), http.StatusSeeOther)
		pid := e.Count(t, "SELECT MAX(id) FROM gr_people WHERE household_id = ?", other)
		tid := e.Count(t, "SELECT MIN(id) FROM gr_tags")
		e.Exec(t, "UPDATE gr_tags SET household_id = ? WHERE id = ?", other, tid)
		headID := e.Count(t, "SELECT MIN(id) FROM gr_heads WHERE region_id = ?", e.ID(t, "regions", "code", otherGrid))

		g := e.Login(t, "grid")
		h := "/grassroots/households/" + apptest.Itoa(other)
		p := h + "/people/" + apptest.Itoa(pid)
		gets := []string{h, h + "/edit", "/api/v1/grassroots/households/" + apptest.Itoa(other)}
		for _, path := range gets {
			apptest.Want(t, "GET "+path, g.Get(path), http.StatusNotFound)
		}
		posts := map[string]url.Values{
			h:             {"region_id": {apptest.Itoa(e.ID(t, "regions", "code", ownGrid))}, "address": {"x"}, "head_name": {"x"}},
			h + "/delete": nil,
			h + "/phone":  nil,
			h + "/people": {"name": {"x"}, "relation": {"child"}},
			p + "/delete": nil,
			p + "/reveal": nil,
			p + "/phone":  nil,
			h + "/tags":   {"tag": {"monitored"}, "started_on": {"2026-01-01"}},
			h + "/tags/" + apptest.Itoa(tid) + "/end":               {"ended_on": {"2026-12-01"}},
			"/grassroots/heads/" + apptest.Itoa(headID) + "/delete": nil,
		}
		for path, vals := range posts {
			apptest.Want(t, "POST "+path, g.PostForm(path, vals), http.StatusNotFound)
		}
		// Nothing changed.
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_people WHERE household_id = ?", other); n < 2 {
			t.Fatalf("members of the other grid's household: %d", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_tags WHERE id = ? AND ended_on IS NULL", tid); n != 1 {
			t.Fatal("the other grid's tag was ended")
		}
		// The lists hold only the own grid; a filter on the other grid is refused.
		list := g.Get("/grassroots/households?size=500")
		apptest.Want(t, "own list", list, http.StatusOK, "/grassroots/households/"+apptest.Itoa(own)+`"`)
		if strings.Contains(list.Body, h+`"`) {
			t.Fatal("the other grid's household is in the grid worker's list")
		}
		apptest.Want(t, "filter on another grid", g.Get("/grassroots/households?region="+apptest.Itoa(e.ID(t, "regions", "code", otherGrid))),
			http.StatusBadRequest)
		var api struct {
			Items []grassroots.Household `json:"items"`
			Total int                    `json:"total"`
		}
		res := e.API(t, "grid").Get("/api/v1/grassroots/households?size=500")
		res.Decode(&api)
		if api.Total != grassroots.HouseholdsPerDemoGrid || len(api.Items) != api.Total {
			t.Fatalf("API list: total %d, %d items; want %d", api.Total, len(api.Items), grassroots.HouseholdsPerDemoGrid)
		}
		for _, x := range api.Items {
			if x.ID == other || !strings.Contains(x.Phone, "****") {
				t.Fatalf("API row %+v", x)
			}
		}
		// The export and the API refuse a filter on the other grid too, and
		// the unfiltered export holds only the own grid.
		apptest.Want(t, "export of another grid", g.Get("/grassroots/households?format=xlsx&region="+apptest.Itoa(e.ID(t, "regions", "code", otherGrid))),
			http.StatusNotFound)
		if res := e.API(t, "grid").Get("/api/v1/grassroots/households?region=" + apptest.Itoa(e.ID(t, "regions", "code", otherGrid))); res.Status != http.StatusNotFound && res.Status != http.StatusBadRequest {
			t.Fatalf("API filter on another grid: %d", res.Status)
		}
		exp := g.Get("/grassroots/households?format=xlsx")
		xf, err := excelize.OpenReader(bytes.NewReader(exp.Raw))
		if err != nil {
			t.Fatal(err)
		}
		xrows, _ := xf.GetRows(xf.GetSheetList()[0])
		for _, r := range xrows[1:] {
			if len(r) > 1 && r[1] != ownGrid {
				t.Fatalf("export row of another grid: %v", r)
			}
		}
		if len(xrows) != grassroots.HouseholdsPerDemoGrid+1 {
			t.Fatalf("export rows %d, want the own grid's %d", len(xrows)-1, grassroots.HouseholdsPerDemoGrid)
		}
		// Visits: the form for it, its visit list, a visit of it and its
		// photo, and logging a visit to it are all not found.
		otherVisit := e.Count(t, "SELECT MIN(id) FROM gr_visits WHERE household_id IN (SELECT id FROM gr_households WHERE region_id = ?)",
			e.ID(t, "regions", "code", otherGrid))
		if otherVisit == 0 {
			t.Fatal("the demo has no visit in the other grid")
		}
		for _, path := range []string{"/grassroots/visits/new?household=" + apptest.Itoa(other), "/grassroots/visits?household=" + apptest.Itoa(other),
			"/grassroots/visits/" + apptest.Itoa(otherVisit), "/grassroots/visits/" + apptest.Itoa(otherVisit) + "/photo"} {
			apptest.Want(t, "GET "+path, g.Get(path), http.StatusNotFound)
		}
		visits := e.Count(t, "SELECT COUNT(*) FROM gr_visits")
		res = g.PostForm("/grassroots/visits", url.Values{"household_id": {apptest.Itoa(other)}, "visitors": {"网格员"},
			"visited_at": {"2026-03-02T10:00"}, "people_reached": {"1"}, "key": {"other-grid-visit"}})
		if res.Status != http.StatusNotFound && res.Status != http.StatusBadRequest {
			t.Fatalf("a visit to another grid's household: %d", res.Status)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_visits"); n != visits {
			t.Fatal("a visit to another grid's household was saved")
		}
		// Creating in another grid is refused on the field.
		apptest.Want(t, "create in another grid", g.PostForm("/grassroots/households", url.Values{
			"region_id": {apptest.Itoa(e.ID(t, "regions", "code", otherGrid))}, "address": {"某路1号"}, "head_name": {"某人"}}),
			http.StatusBadRequest, "请选择一个有效的选项")
	})
}

func TestHouseholdFormValidatesAndChangesNothingOnBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		before := e.Count(t, "SELECT COUNT(*) FROM gr_households")
		grid := apptest.Itoa(e.ID(t, "regions", "code", ownGrid))
		community := apptest.Itoa(e.ID(t, "regions", "code", "511102-ZGQ-01"))
		for name, c := range map[string]struct {
			vals url.Values
			want string
		}{
			"missing address and head": {url.Values{"region_id": {grid}}, "必填"},
			"bad phone":                {url.Values{"region_id": {grid}, "address": {"a"}, "head_name": {"b"}, "phone": {"12345"}}, "有效的手机"},
			"outside the scope":        {url.Values{"region_id": {community}, "address": {"a"}, "head_name": {"b"}}, "请选择一个有效的选项"},
			"too long":                 {url.Values{"region_id": {grid}, "address": {strings.Repeat("路", 201)}, "head_name": {"b"}}, "不能超过 200"},
		} {
			apptest.Want(t, name, g.PostForm("/grassroots/households", c.vals), http.StatusBadRequest, c.want)
		}
		apptest.Want(t, "not a grid", e.Login(t, "admin").PostForm("/grassroots/households", url.Values{"region_id": {community},
			"address": {"a"}, "head_name": {"b"}}), http.StatusBadRequest, "请选择一个网格")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_households"); n != before {
			t.Fatalf("households %d → %d after bad input", before, n)
		}
		res := g.PostForm("/grassroots/households", url.Values{"region_id": {grid}, "address": {"白燕路 88 号"}, "building": {"3栋"},
			"door": {"2-301"}, "head_name": {"钱七"}, "phone": {"138 0013 8000"}})
		apptest.Want(t, "create", res, http.StatusSeeOther)
		page := g.Get(res.Header.Get("Location"))
		apptest.Want(t, "household page", page, http.StatusOK, "白燕路 88 号", "钱七", "138****8000")
		if page.Contains("13800138000") {
			t.Fatal("the phone is shown in full")
		}
		// The phone reveal is audited.
		id := e.Count(t, "SELECT MAX(id) FROM gr_households")
		apptest.Want(t, "reveal phone", g.PostForm("/grassroots/households/"+apptest.Itoa(id)+"/phone", nil), http.StatusOK, "13800138000")
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'view_contact' AND entity = 'household' AND entity_id = ?", apptest.Itoa(id)); n != 1 {
			t.Fatalf("view_contact entries: %d", n)
		}
		// Tags: an end before the start is refused.
		apptest.Want(t, "bad tag", g.PostForm("/grassroots/households/"+apptest.Itoa(id)+"/tags", url.Values{"tag": {"monitored"},
			"started_on": {"2026-05-01"}, "ended_on": {"2026-04-01"}}), http.StatusBadRequest, "结束日期不能早于开始日期")
		apptest.Want(t, "unknown tag", g.PostForm("/grassroots/households/"+apptest.Itoa(id)+"/tags", url.Values{"tag": {"rich"},
			"started_on": {"2026-05-01"}}), http.StatusBadRequest)
		apptest.Want(t, "tag", g.PostForm("/grassroots/households/"+apptest.Itoa(id)+"/tags", url.Values{"tag": {"monitored"},
			"started_on": {"2026-05-01"}}), http.StatusSeeOther)
		apptest.Want(t, "filter by tag", g.Get("/grassroots/households?tag=monitored&q=白燕路%2088"), http.StatusOK, "钱七", "监测户")
	})
}

func TestIDNumbersAreEncryptedMaskedAndEachRevealAudited(t *testing.T) {
	apptest.EachWith(t, withKeys, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		id := apptest.Itoa(firstHousehold(t, e, ownGrid))
		apptest.Want(t, "bad ID", g.PostForm("/grassroots/households/"+id+"/people", url.Values{"name": {"孙八"}, "relation": {"child"},
			"id_number": {"110105194912310021"}}), http.StatusBadRequest, "有效的 18 位")
		apptest.Want(t, "member", g.PostForm("/grassroots/households/"+id+"/people", url.Values{"name": {"孙八"}, "relation": {"child"},
			"id_number": {"11010519491231002x"}}), http.StatusSeeOther)
		apptest.Want(t, "same ID again", g.PostForm("/grassroots/households/"+id+"/people", url.Values{"name": {"孙九"}, "relation": {"child"},
			"id_number": {"11010519491231002X"}}), http.StatusBadRequest, "已登记")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_people WHERE id_enc LIKE '%1949%' OR id_mask <> '1101**********002X' AND name = '孙八'"); n != 0 {
			t.Fatal("the ID number is stored in clear or not masked")
		}
		page := g.Get("/grassroots/households/" + id)
		apptest.Want(t, "masked", page, http.StatusOK, "1101**********002X")
		pid := apptest.Itoa(e.Count(t, "SELECT id FROM gr_people WHERE name = '孙八'"))
		// The grid worker may not reveal ID numbers (no pii.reveal); nothing is written.
		apptest.Want(t, "grid reveal", g.PostForm("/grassroots/households/"+id+"/people/"+pid+"/reveal", nil), http.StatusForbidden)
		admin := e.Login(t, "admin")
		apptest.Want(t, "admin reveal", admin.PostForm("/grassroots/households/"+id+"/people/"+pid+"/reveal", nil), http.StatusOK,
			"11010519491231002X")
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal_pii' AND entity = 'resident' AND entity_id = ?", pid); n != 1 {
			t.Fatalf("reveal_pii entries: %d", n)
		}
	})
}

func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func upload(t *testing.T, e *apptest.Env, c *apptest.Client, data []byte, accept ...string) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.CSRF())
	w, _ := mw.CreateFormFile("file", "households.xlsx")
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/grassroots/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, a := range accept {
		req.Header.Set("Accept", a)
	}
	return c.Do(req)
}

// progressLines decodes the import's progress stream.
func progressLines(t *testing.T, res *apptest.Response) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(res.Raw)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("progress line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestImportScreenShowsProgressRowByThousandsThenTheResultOrTheProblems(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		apptest.Want(t, "import page", g.Get("/grassroots/import"), http.StatusOK,
			`id="import-progress"`, "<progress", `src="/grassroots/import.js"`, `data-upload="正在上传文件…"`)
		apptest.Want(t, "its script", g.Get("/grassroots/import.js"), http.StatusOK, "application/x-ndjson", "upload.onprogress")

		const n = 2500
		rows := [][]any{{"网格编码", "地址", "户主"}}
		for i := range n {
			rows = append(rows, []any{ownGrid, "进度路" + apptest.Itoa(int64(i)) + "号", "户主" + apptest.Itoa(int64(i))})
		}
		before := e.Count(t, "SELECT COUNT(*) FROM gr_households")
		res := upload(t, e, g, workbook(t, rows), "application/x-ndjson")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("stream: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		lines := progressLines(t, res)
		var phases []string
		for _, l := range lines {
			phases = append(phases, fmt.Sprintf("%v %v/%v", l["phase"], l["done"], l["total"]))
		}
		want := []string{"read 0/0", "read 1000/0", "read 2000/0", "save 0/2500", "save 1000/2500", "save 2000/2500", "commit 2500/2500", "done 2500/2500"}
		if strings.Join(phases, ", ") != strings.Join(want, ", ") {
			t.Fatalf("progress %v, want %v", phases, want)
		}
		if m := lines[1]["message"]; m != "正在读取工作簿：已读 1000 行…" {
			t.Fatalf("reading text %q", m)
		}
		if m := lines[4]["message"]; m != "正在检查并保存：第 1000 行，共 2500 行" {
			t.Fatalf("progress text %q", m)
		}
		if m := lines[len(lines)-1]["message"]; m != "已导入 2500 户、2500 人、0 个标签。" {
			t.Fatalf("result %q", m)
		}
		if got := e.Count(t, "SELECT COUNT(*) FROM gr_households"); got != before+n {
			t.Fatalf("households %d → %d", before, got)
		}

		// A bad file streams its problems; nothing is saved.
		bad := workbook(t, [][]any{{"网格编码", "地址", "户主"}, {ownGrid, "", "甲"}, {otherGrid, "x", "乙"}})
		lines = progressLines(t, upload(t, e, g, bad, "application/x-ndjson"))
		last := lines[len(lines)-1]
		errs, _ := last["errors"].([]any)
		if last["phase"] != "refused" || len(errs) != 2 {
			t.Fatalf("refusal: %v", last)
		}
		if first := errs[0].(map[string]any); first["row"] != float64(2) || first["column"] != "地址" || first["message"] != "必填。" {
			t.Fatalf("first problem: %v", first)
		}
		if got := e.Count(t, "SELECT COUNT(*) FROM gr_households"); got != before+n {
			t.Fatalf("a refused file saved rows: %d", got-before-n)
		}
	})
}

func TestImportSavesAllRowsOrNothingWithRowLevelErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		header := []any{"网格编码", "地址", "楼栋", "门牌", "户主", "联系电话", "标签", "标签开始日期"}
		before := e.Count(t, "SELECT COUNT(*) FROM gr_households")
		bad := workbook(t, [][]any{header,
			{ownGrid, "滨河路1号", "1栋", "101", "甲", "13800138001", "监测户", "2026-01-01"},
			{otherGrid, "滨河路2号", "", "", "乙", "", "", ""},
			{ownGrid, "", "", "", "丙", "12", "富裕户", ""},
		})
		res := upload(t, e, g, bad)
		apptest.Want(t, "bad file", res, http.StatusUnprocessableEntity, "整份文件未导入",
			"<td class=\"num\">3</td><td>网格编码</td>", "<td class=\"num\">4</td><td>地址</td><td>必填。</td>",
			"<td class=\"num\">4</td><td>联系电话</td>")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_households"); n != before {
			t.Fatalf("a bad file saved rows: %d → %d", before, n)
		}
		apptest.Want(t, "not a workbook", upload(t, e, g, []byte("hello")), http.StatusUnprocessableEntity, "不是有效的 .xlsx")
		apptest.Want(t, "bad header", upload(t, e, g, workbook(t, [][]any{{"网格编码", "住址"}})), http.StatusUnprocessableEntity, "住址", "缺少这一列")

		good := workbook(t, [][]any{{"Grid code", "Address", "Head of household", "Tags"},
			{ownGrid, "滨河路1号", "甲", "监测户、低保户"},
			{},
			{ownGrid, "滨河路2号", "乙", ""},
		})
		apptest.Want(t, "good file", upload(t, e, g, good), http.StatusOK, "已导入 2 户、2 人、2 个标签")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_households"); n != before+2 {
			t.Fatalf("households %d → %d", before, n)
		}
		// The export holds the grid's households in the import's columns.
		res = g.Get("/grassroots/households?format=xlsx")
		if res.Status != http.StatusOK {
			t.Fatalf("export: %d", res.Status)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetList()[0])
		if len(rows) != grassroots.HouseholdsPerDemoGrid+2+1 {
			t.Fatalf("export rows: %d", len(rows))
		}
		found := false
		for _, r := range rows {
			found = found || (len(r) > 7 && r[2] == "滨河路1号" && r[7] == "监测户、低保户" && r[1] == ownGrid)
		}
		if !found {
			t.Fatalf("imported household not in the export: %v", rows)
		}
	})
}
