package volunteerweb_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/pii"
)

func withKeys(c *app.Config) { c.PIIKeys, c.PIIIndexKey = "k1:"+pii.NewKey(), pii.NewKey() }

func idFor(birth string, seq int) string {
	first := fmt.Sprintf("511102%s%03d", birth, seq)
	return first + string(pii.CheckChar(first))
}

func form(e *apptest.Env, t *testing.T, name, phone, birth string, seq int) url.Values {
	return url.Values{"name": {name}, "gender": {"male"}, "birth_date": {birth[:4] + "-" + birth[4:6] + "-" + birth[6:]},
		"id_type": {"resident"}, "id_number": {idFor(birth, seq)}, "phone": {phone},
		"region_id": {apptest.Itoa(e.ID(t, "regions", "code", "511102-ZGQ-01"))}, "skills": {"teaching", "first_aid"},
		"availability": {"weekend_morning"}, "party_member": {"1"}}
}

var pwRe = regexp.MustCompile(`id="vol-login-password">([^<]+)<`)

func TestRegisterApproveLogin(t *testing.T) {
	apptest.EachWith(t, withKeys, func(t *testing.T, e *apptest.Env) {
		anon := e.Anonymous(t)
		apptest.Want(t, "register page", anon.Get("/volunteer/register"), http.StatusOK, "志愿者注册", `name="id_number"`, "张公桥社区")
		before := e.Count(t, "SELECT COUNT(*) FROM volunteers")
		bad := form(e, t, "", "12345", "19900504", 1)
		bad.Set("birth_date", "1990-05-05")
		res := anon.PostForm("/volunteer/register", bad)
		apptest.Want(t, "bad registration", res, http.StatusBadRequest, "必填", "请填写有效的手机号码", "与身份证号码中的出生日期不一致")
		if e.Count(t, "SELECT COUNT(*) FROM volunteers") != before {
			t.Fatal("a bad registration was saved")
		}
		minor := form(e, t, "小明", "13911110002", "20120301", 1)
		apptest.Want(t, "minor without consent", anon.PostForm("/volunteer/register", minor), http.StatusBadRequest, "未满 18 周岁须经监护人同意")
		res = anon.PostForm("/volunteer/register", form(e, t, "周志愿", "13911110001", "19900504", 1))
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/volunteer/registered" {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "twice", anon.PostForm("/volunteer/register", form(e, t, "周志愿", "13911110001", "19900504", 1)),
			http.StatusBadRequest, "该手机号码已注册", "该证件号码已注册")
		id := e.ID(t, "volunteers", "phone", "13911110001")
		if e.Count(t, "SELECT COUNT(*) FROM volunteers WHERE id = ? AND id_number_enc LIKE ?", id, "%19900504%") != 0 {
			t.Fatal("ID number stored in clear")
		}

		// Staff without volunteer.organise: 403; the organiser sees and approves.
		apptest.Want(t, "handler", e.Login(t, "handler_zgq").Get("/volunteers"), http.StatusForbidden)
		o := e.Login(t, "organiser")
		apptest.Want(t, "list", o.Get("/volunteers?status=pending"), http.StatusOK, "周志愿", "139****0001")
		apptest.Want(t, "home tile", o.Get("/"), http.StatusOK, "待审核志愿者")
		res = o.PostForm("/volunteers/"+apptest.Itoa(id)+"/approve", nil)
		apptest.Want(t, "approve", res, http.StatusOK, "ZY2026", "vol-login-password")
		m := pwRe.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("no password shown")
		}
		apptest.Want(t, "approve twice", o.PostForm("/volunteers/"+apptest.Itoa(id)+"/approve", nil), http.StatusConflict, "该注册已处理过")
		if e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'volunteer' AND action = 'approve'") != 1 {
			t.Fatal("approval not audited")
		}

		// The volunteer logs in with the phone and the initial password, changes it, sees their record.
		v := e.Anonymous(t)
		res = v.PostForm("/login", url.Values{"username": {"13911110001"}, "password": {m[1]}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("volunteer login: %d %s", res.Status, res.Body)
		}
		res = v.PostForm("/account/password", url.Values{"current": {m[1]}, "new": {"Zhou-Volunteer-2026"}, "confirm": {"Zhou-Volunteer-2026"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "mine", v.Get("/my/volunteer"), http.StatusOK, "ZY2026", "周志愿", "教育辅导")
		apptest.Want(t, "volunteer lists", v.Get("/volunteers"), http.StatusForbidden)
		apptest.Want(t, "volunteer reads another", v.Get("/volunteers/"+apptest.Itoa(id)), http.StatusForbidden)

		// Only pii.reveal opens the ID number, with an audit entry.
		apptest.Want(t, "organiser reveal", o.PostForm("/volunteers/"+apptest.Itoa(id)+"/reveal", nil), http.StatusForbidden)
		apptest.Want(t, "admin reveal", e.Login(t, "admin").PostForm("/volunteers/"+apptest.Itoa(id)+"/reveal", nil), http.StatusOK, idFor("19900504", 1))
		if e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'volunteer' AND action = 'reveal_pii'") != 1 {
			t.Fatal("reveal not audited")
		}

		// API: masked phone; another scope's volunteer is 404.
		api := e.API(t, "organiser")
		apptest.Want(t, "api get", api.Get("/api/v1/volunteers/"+apptest.Itoa(id)), http.StatusOK, `"139****0001"`, `"status":"approved"`)
		apptest.Want(t, "api list", api.Get("/api/v1/volunteers?status=approved"), http.StatusOK, `"total"`)
		apptest.Want(t, "api other scope", e.API(t, "handler_swq").Get("/api/v1/volunteers/"+apptest.Itoa(id)), http.StatusForbidden)
		apptest.Want(t, "missing", o.Get("/volunteers/999999999"), http.StatusNotFound)
	})
}

func workbook(t *testing.T, rows [][]any) []byte {
	f := excelize.NewFile()
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

func upload(t *testing.T, e *apptest.Env, c *apptest.Client, data []byte) *apptest.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.CSRF())
	fw, _ := mw.CreateFormFile("file", "v.xlsx")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/volunteers/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestImportPage(t *testing.T) {
	apptest.EachWith(t, withKeys, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		apptest.Want(t, "page", o.Get("/volunteers/import"), http.StatusOK, "导入志愿者", "下载导入模板")
		res := o.Get("/volunteers/import/template")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
			t.Fatalf("template: %d", res.Status)
		}
		head := []any{"姓名", "性别", "出生日期", "证件类型", "证件号码", "手机号码", "居住地区编码"}
		before := e.Count(t, "SELECT COUNT(*) FROM volunteers")
		bad := workbook(t, [][]any{head,
			{"甲", "男", "1990-05-04", "居民身份证", idFor("19900504", 11), "13922220001", "511102-ZGQ-01"},
			{"乙", "男", "1990-05-04", "居民身份证", idFor("19900504", 13), "13922220002", "NO-SUCH"},
		})
		apptest.Want(t, "bad file", upload(t, e, o, bad), http.StatusBadRequest, "文件有错误，未导入任何数据", "没有该地区编码")
		if e.Count(t, "SELECT COUNT(*) FROM volunteers") != before {
			t.Fatal("a bad file saved rows")
		}
		apptest.Want(t, "not xlsx", upload(t, e, o, []byte("hello")), http.StatusBadRequest, "无法读取该文件")
		good := workbook(t, [][]any{head,
			{"甲", "男", "1990-05-04", "居民身份证", idFor("19900504", 11), "13922220001", "511102-ZGQ-01"},
			{"乙", "女", "1991-06-04", "护照", "E7654321", "13922220002", "511102-ZGQ-02"},
		})
		apptest.Want(t, "good file", upload(t, e, o, good), http.StatusOK, "已导入 2 名志愿者")
		if e.Count(t, "SELECT COUNT(*) FROM volunteers WHERE phone IN ('13922220001', '13922220002') AND source = 'import' AND status = 'approved' AND number IS NOT NULL") != 2 {
			t.Fatal("imported rows not approved with numbers")
		}
	})
}
