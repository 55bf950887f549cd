package orderweb_test

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Shizhong district's centre in the demo city.
const szLat, szLng = 29.5646, 103.7626

// north returns the point metres north of Shizhong's centre.
func north(m float64) (float64, float64) { return szLat + m/111_195, szLng }

// reportForm is a good report of street vending in Shizhong.
func reportForm(lat, lng float64) url.Values {
	return url.Values{"category": {"STREET_VENDING"}, "description": {"人行道上有流动摊贩占道经营，行人只能走到机动车道上"},
		"lat": {strconv.FormatFloat(lat, 'f', 6, 64)}, "lng": {strconv.FormatFloat(lng, 'f', 6, 64)},
		"address": {"嘉定北路 12 号门口"}, "name": {"王女士"}, "phone": {"13800138000"}}
}

var sentRe = regexp.MustCompile(`^/report/sent/([0-9A-Z]{10})$`)

func principalOf(t *testing.T, e *apptest.Env, username string) *auth.Principal {
	t.Helper()
	p, err := e.App.Accounts.Principal(context.Background(), e.ID(t, "users", "username", username))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// resolve takes an order through dispatch, acknowledgement and resolution
// with the demo staff; verify has the dispatcher accept the resolution.
func resolve(t *testing.T, e *apptest.Env, id int64) {
	t.Helper()
	disp, handler := principalOf(t, e, "dispatcher"), principalOf(t, e, "handler_cg")
	act(t, e, id, disp, workorder.ActionInput{Action: workorder.ActionDispatch, UnitID: e.ID(t, "units", "code", "DEPT-CG")})
	act(t, e, id, handler, workorder.ActionInput{Action: workorder.ActionAcknowledge})
	act(t, e, id, handler, workorder.ActionInput{Action: workorder.ActionResolve, Note: "摊贩已劝离，已安排巡查"})
}

func verify(t *testing.T, e *apptest.Env, id int64) {
	t.Helper()
	act(t, e, id, principalOf(t, e, "dispatcher"), workorder.ActionInput{Action: workorder.ActionVerify})
}

func resolveAndVerify(t *testing.T, e *apptest.Env, id int64) {
	t.Helper()
	resolve(t, e, id)
	verify(t, e, id)
}

func act(t *testing.T, e *apptest.Env, id int64, p *auth.Principal, in workorder.ActionInput) {
	t.Helper()
	if _, err := e.App.Orders.Act(context.Background(), p, id, in); err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
}

func TestReportPageWorksAnonymouslyOnAPhoneWithTheCityMapAndNoOutsideTiles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		res := e.Anonymous(t).Get("/report")
		if res.Status != http.StatusOK {
			t.Fatalf("GET /report: %d %s", res.Status, res.Body)
		}
		for _, want := range []string{`name="viewport"`, `enctype="multipart/form-data"`, `accept="image/*" capture="environment" multiple`,
			`<optgroup label="市容环境">`, `value="STREET_VENDING"`, `id="city-map"`, `市中区`, `data-west="`, `/report.js"`,
			`name="csrf"`, `name="lat"`, `name="address"`, `name="phone"`} {
			if !res.Contains(want) {
				t.Errorf("report page lacks %s", want)
			}
		}
		if res.Contains("POLICY_QUERY") || res.Contains(`id="side"`) {
			t.Error("a hotline-only category or the staff menu is on the citizen's page")
		}
		if res.Contains("http://", "https://") && regexp.MustCompile(`(src|href)="https?://`).MatchString(res.Body) {
			t.Error("the page loads something from outside")
		}
		c := e.Anonymous(t)
		c.Lang = "en"
		if res := c.Get("/report"); !res.Contains("Report a problem", "Street vending", "Shizhong District") {
			t.Fatalf("English page: %s", res.Body)
		}
	})
}

func TestReportThroughTheFormThenTrackWithoutPersonalDataThenRateOnTrack(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		orders, photos := e.Count(t, "SELECT COUNT(*) FROM workorders"), e.Count(t, "SELECT COUNT(*) FROM photos")
		lat, lng := north(20)
		vals := reportForm(lat, lng)
		vals.Set("csrf", c.CSRF())
		res := e.PostMultipart(t, c, "/report", vals, apptest.Upload{Name: "street.jpg", Data: apptest.SmallJPEG(t)})
		m := sentRe.FindStringSubmatch(res.Header.Get("Location"))
		if res.Status != http.StatusSeeOther || m == nil {
			t.Fatalf("POST /report: %d %q %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		code := m[1]
		if sent := c.Get(res.Header.Get("Location")); sent.Status != http.StatusOK || !sent.Contains(code, `href="/track/`+code+`"`, "data-clear-draft") {
			t.Fatalf("sent page: %d %s", sent.Status, sent.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders") != orders+1 || e.Count(t, "SELECT COUNT(*) FROM photos") != photos+1 {
			t.Fatal("the report or its photo was not stored")
		}
		id := e.ID(t, "workorders", "code", code)
		// Placed as precisely as its point allows: a community or grid of
		// 市中区, not the district itself.
		if e.Count(t, `SELECT COUNT(*) FROM workorders w JOIN regions r ON r.id = w.region_id WHERE w.id = ? AND w.channel = 'snap'
			AND r.path LIKE (SELECT path FROM regions WHERE code = '511102') || '%' AND r.level IN ('community', 'grid')
			AND w.reporter_phone = '13800138000' AND w.created_by IS NULL`, id) != 1 {
			t.Fatal("the report is not a citizen's snap report in a community of Shizhong with its phone")
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorder_attachments WHERE order_id = ?", id) != 1 {
			t.Fatal("the photo is not on the order")
		}

		track := c.Get("/track/" + strings.ToLower(code))
		if track.Status != http.StatusOK || !track.Contains(code, "人行道上有流动摊贩", "待受理", "市中区", "提交诉求", `?size=thumb`) {
			t.Fatalf("track page: %d %s", track.Status, track.Body)
		}
		for _, secret := range []string{"王女士", "13800138000", "138****8000", "8000", "嘉定北路"} {
			if track.Contains(secret) {
				t.Fatalf("the public tracking page shows %q", secret)
			}
		}
		if track.Contains(`name="rating"`) {
			t.Fatal("a new report offers the rating form")
		}
		pm := regexp.MustCompile(`/track/` + code + `/photos/(\d+)\?size=thumb`).FindStringSubmatch(track.Body)
		if pm == nil {
			t.Fatal("no photo on the timeline")
		}
		img := c.Get("/track/" + code + "/photos/" + pm[1] + "?size=thumb")
		if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(img.Raw, []byte{0xff, 0xd8}) {
			t.Fatalf("thumbnail: %d %s", img.Status, img.Header.Get("Content-Type"))
		}
		if res := c.Get("/track/" + code + "/photos/999999"); res.Status != http.StatusNotFound {
			t.Fatalf("a photo not on this order: %d", res.Status)
		}

		resolveAndVerify(t, e, id)
		track = c.Get("/track/" + code)
		if !track.Contains(`name="rating"`, `value="satisfied"`, `value="dissatisfied"`, `name="phone_tail"`, "摊贩已劝离") || track.Contains(`value="unreachable"`) {
			t.Fatalf("verified order without the rating form: %s", track.Body)
		}
		res = c.PostForm("/track/"+code+"/rating", url.Values{"rating": {"satisfied"}, "phone_tail": {"1234"}, "comment": {"很快"}})
		if res.Status != http.StatusBadRequest || !res.Contains("后四位不符") {
			t.Fatalf("wrong phone digits: %d %s", res.Status, res.Body)
		}
		res = c.PostForm("/track/"+code+"/rating", url.Values{"rating": {"satisfied"}, "phone_tail": {"8000"}, "comment": {"很快"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/track/"+code {
			t.Fatalf("rating: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND state = 'callback_done' AND satisfaction = 'satisfied'", id) != 1 {
			t.Fatal("the rating did not move the order to callback done")
		}
		track = c.Get("/track/" + code)
		if !track.Contains("感谢您的评价", "已回访", "满意") || track.Contains(`name="rating"`) {
			t.Fatalf("after rating: %s", track.Body)
		}
		res = c.PostForm("/track/"+code+"/rating", url.Values{"rating": {"dissatisfied"}, "phone_tail": {"8000"}})
		if res.Status != http.StatusConflict || !res.Contains("已经评价过") {
			t.Fatalf("second rating: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND state = 'callback_done'", id) != 1 {
			t.Fatal("a second rating changed the order")
		}
	})
}

func TestTrackRatingDissatisfiedReopensTheOrderForTheUnit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		api := e.Anonymous(t)
		lat, lng := north(0)
		res := api.JSON("POST", "/api/v1/public/reports", map[string]any{"category": "STREET_VENDING",
			"description": "夜市摊贩占满人行道", "lat": lat, "lng": lng})
		var out struct{ Code string }
		res.Decode(&out)
		id := e.ID(t, "workorders", "code", out.Code)
		resolve(t, e, id)
		c := e.Anonymous(t)
		if tr := c.Get("/track/" + out.Code); !tr.Contains("已办结", "审核通过后您可以在这里评价") || tr.Contains(`name="rating"`) {
			t.Fatalf("a resolution not yet verified: %s", tr.Body)
		}
		if res := c.PostForm("/track/"+out.Code+"/rating", url.Values{"rating": {"satisfied"}}); res.Status != http.StatusConflict ||
			!res.Contains("审核后才可以评价") {
			t.Fatalf("rating before verification: %d %s", res.Status, res.Body)
		}
		verify(t, e, id)
		if tr := c.Get("/track/" + out.Code); !tr.Contains(`name="rating"`) || tr.Contains(`name="phone_tail"`) {
			t.Fatal("a report without a phone is rated by its code alone")
		}
		res = c.PostForm("/track/"+out.Code+"/rating", url.Values{"rating": {"dissatisfied"}, "comment": {"摊贩又回来了"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("rating: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND state = 'reopened' AND reopen_count = 1", id) != 1 {
			t.Fatal("dissatisfied did not reopen the order")
		}
		if tr := c.Get("/track/" + out.Code); !tr.Contains("重办") || tr.Contains(`name="rating"`) || tr.Contains("摊贩又回来了") {
			t.Fatalf("after dissatisfied: %s", tr.Body)
		}
	})
}

func TestPublicReportAPIAcceptsJSONAndMultipartAndAnswers201AfterCommit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		c.Lang = "en"
		res := c.Get("/api/v1/public/categories")
		if res.Status != http.StatusOK || !res.Contains(`{"code":"STREET_VENDING","name":"Street vending","group":"City appearance and environment","group_code":"G-CITY"}`) || res.Contains("POLICY_QUERY") {
			t.Fatalf("categories: %d %s", res.Status, res.Body)
		}
		c.Lang = "zh-CN"
		if res := c.Get("/api/v1/public/categories"); !res.Contains(`"name":"占道经营","group":"市容环境"`) {
			t.Fatalf("categories in Chinese: %s", res.Body)
		}

		lat, lng := north(100)
		res = c.JSON("POST", "/api/v1/public/reports", map[string]any{"category": "MANHOLE", "description": "井盖缺失，已有行人踩空",
			"lat": lat, "lng": lng, "address": "春华路口", "name": "李先生", "phone": "13912345678"})
		var out struct {
			Code string
			ID   int64
		}
		res.Decode(&out)
		if res.Status != http.StatusCreated || len(out.Code) != 10 || out.ID == 0 || res.Header.Get("Location") != "/api/v1/public/reports/"+out.Code {
			t.Fatalf("JSON report: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND code = ? AND channel = 'api'", out.ID, out.Code) != 1 {
			t.Fatal("the 201 was answered for an order that is not stored")
		}
		view := c.Get("/api/v1/public/reports/" + out.Code)
		var pv workorder.PublicOrder
		view.Decode(&pv)
		if view.Status != http.StatusOK || pv.Code != out.Code || pv.State != workorder.StateSubmitted || len(pv.Events) != 1 {
			t.Fatalf("public view: %d %s", view.Status, view.Body)
		}
		for _, secret := range []string{"李先生", "13912345678", "5678", "春华路口", "reporter"} {
			if view.Contains(secret) {
				t.Fatalf("the public API shows %q: %s", secret, view.Body)
			}
		}

		photos := e.Count(t, "SELECT COUNT(*) FROM photos")
		mp := e.PostMultipart(t, c, "/api/v1/public/reports", reportForm(north(300)),
			apptest.Upload{Name: "a.jpg", Data: apptest.SmallJPEG(t)}, apptest.Upload{Name: "b.jpg", Data: apptest.SmallJPEG(t)})
		out.Code = ""
		mp.Decode(&out)
		if mp.Status != http.StatusCreated || out.Code == "" {
			t.Fatalf("multipart report: %d %s", mp.Status, mp.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM photos") != photos+2 ||
			e.Count(t, "SELECT COUNT(*) FROM workorder_attachments WHERE order_id = ?", out.ID) != 2 {
			t.Fatal("the multipart report's photos are not stored with it")
		}
	})
}

func TestPublicReportBadInputIsRefusedWithFieldMessagesInZhAndEnAndNothingIsSaved(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		counts := func() [3]int64 {
			return [3]int64{e.Count(t, "SELECT COUNT(*) FROM workorders"), e.Count(t, "SELECT COUNT(*) FROM photos"),
				e.Count(t, "SELECT COUNT(*) FROM workorder_events")}
		}
		before := counts()
		long := strings.Repeat("很", 4001)
		cases := []struct {
			name   string
			edit   func(url.Values)
			file   *apptest.Upload
			field  string
			zh, en string
		}{
			{"no category", func(v url.Values) { v.Del("category") }, nil, "category", "必填", "Required"},
			{"a description of 4001 characters", func(v url.Values) { v.Set("description", long) }, nil, "description",
				"不能超过 2000 个字符", "2000"},
			{"latitude out of range", func(v url.Values) { v.Set("lat", "91") }, nil, "lat", "须在 -90 到 90 之间", "between -90 and 90"},
			{"a text file as a photo", nil, &apptest.Upload{Name: "notes.txt", Data: []byte("this is not a picture, just some text\n")}, "photos",
				"第 1 张照片：只能上传 JPEG", "Photo 1: Only JPEG"},
		}
		for _, tc := range cases {
			for _, lang := range []string{"zh-CN", "en"} {
				want := tc.zh
				if lang == "en" {
					want = tc.en
				}
				vals := reportForm(north(10))
				if tc.edit != nil {
					tc.edit(vals)
				}
				var files []apptest.Upload
				if tc.file != nil {
					files = append(files, *tc.file, apptest.Upload{Name: "ok.jpg", Data: apptest.SmallJPEG(t)})
				}
				// The HTML form keeps what was typed and names the field.
				c := e.Anonymous(t)
				c.Lang = lang
				form := url.Values{}
				for k, v := range vals {
					form[k] = v
				}
				form.Set("csrf", c.CSRF())
				res := e.PostMultipart(t, c, "/report", form, files...)
				if res.Status != http.StatusBadRequest || !res.Contains(`id="e-`+tc.field+`"`, want) {
					t.Fatalf("%s (%s, form): %d, want %q on %s: %s", tc.name, lang, res.Status, want, tc.field, res.Body)
				}
				if tc.field != "description" && !res.Contains("嘉定北路 12 号门口", "人行道上有流动摊贩") {
					t.Fatalf("%s (%s): the form lost the input", tc.name, lang)
				}
				// The API answers the same message on the same field.
				var api *apptest.Response
				if tc.file != nil {
					api = e.PostMultipart(t, c, "/api/v1/public/reports", vals, files...)
				} else {
					body := map[string]any{}
					for k := range vals {
						body[k] = vals.Get(k)
					}
					if v, ok := body["lat"]; ok {
						f, _ := strconv.ParseFloat(v.(string), 64)
						body["lat"] = f
					}
					if v, ok := body["lng"]; ok {
						f, _ := strconv.ParseFloat(v.(string), 64)
						body["lng"] = f
					}
					api = c.JSON("POST", "/api/v1/public/reports", body)
				}
				var ae struct {
					Error struct {
						Code   string
						Fields map[string]string
					}
				}
				api.Decode(&ae)
				if api.Status != http.StatusBadRequest || ae.Error.Code != "invalid" || !strings.Contains(ae.Error.Fields[tc.field], want) {
					t.Fatalf("%s (%s, API): %d %s", tc.name, lang, api.Status, api.Body)
				}
			}
		}
		if after := counts(); after != before {
			t.Fatalf("refused reports changed the store: %v → %v", before, after)
		}
		// A JSON body of the wrong shape is refused as such.
		c := e.Anonymous(t)
		for _, body := range []string{`{"category":"RUBBISH","description":"垃圾没人清理","colour":"red"}`, `[1,2]`, `{"lat":"north"}`,
			`{"category":"RUBBISH","description":"垃圾没人清理"} {}`} {
			req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/public/reports", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if res := c.Do(req); res.Status != http.StatusBadRequest {
				t.Fatalf("%s: %d %s", body, res.Status, res.Body)
			}
		}
		if after := counts(); after != before {
			t.Fatal("a malformed body was stored")
		}
	})
}

func TestPublicNearbyFindsAnOpenReport30MetresAwayButNot200(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		file := func(m float64, cat string) string {
			lat, lng := north(m)
			res := c.JSON("POST", "/api/v1/public/reports", map[string]any{"category": cat, "description": "井盖缺失，车辆经过很危险",
				"lat": lat, "lng": lng})
			var out struct{ Code string }
			res.Decode(&out)
			if res.Status != http.StatusCreated {
				t.Fatalf("report: %d %s", res.Status, res.Body)
			}
			return out.Code
		}
		near, far := file(30, "MANHOLE"), file(200, "MANHOLE")
		file(10, "RUBBISH")
		lat, lng := north(0)
		q := "/api/v1/public/nearby?category=MANHOLE&lat=" + strconv.FormatFloat(lat, 'f', 6, 64) + "&lng=" + strconv.FormatFloat(lng, 'f', 6, 64)
		res := c.Get(q)
		var list struct {
			Items []struct {
				Code      string
				DistanceM int    `json:"distance_m"`
				StateName string `json:"state_name"`
				TrackURL  string `json:"track_url"`
			}
			Total int
		}
		res.Decode(&list)
		if res.Status != http.StatusOK || list.Total != 1 || len(list.Items) != 1 || list.Items[0].Code != near {
			t.Fatalf("nearby (near %s, far %s): %d %s", near, far, res.Status, res.Body)
		}
		it := list.Items[0]
		if math.Abs(float64(it.DistanceM-30)) > 2 || it.StateName != "待受理" || it.TrackURL != "/track/"+near {
			t.Fatalf("nearby item: %+v", it)
		}
		if res := c.Get("/api/v1/public/nearby?category=MANHOLE&lat=95&lng=x"); res.Status != http.StatusBadRequest ||
			!res.Contains(`"lat":"须在 -90 到 90 之间。"`, `"lng":"请输入有效的数字。"`) {
			t.Fatalf("bad point: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/api/v1/public/nearby?category=POLICY_QUERY&lat=29.5&lng=103.7"); res.Status != http.StatusBadRequest || !res.Contains(`"category"`) {
			t.Fatalf("hotline-only category: %d %s", res.Status, res.Body)
		}
	})
}

func TestPublicReportsAreLimitedPerAddressWith429UntilTheWindowEnds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.App.Orders.ReportLimit = workorder.ReportLimit{Reports: 3, Window: time.Hour}
		c := e.Anonymous(t)
		post := func() *apptest.Response {
			return c.JSON("POST", "/api/v1/public/reports", map[string]any{"category": "RUBBISH", "description": "垃圾堆在楼道里没人清理"})
		}
		for i := 0; i < 3; i++ {
			if res := post(); res.Status != http.StatusCreated {
				t.Fatalf("report %d: %d %s", i+1, res.Status, res.Body)
			}
		}
		n := e.Count(t, "SELECT COUNT(*) FROM workorders")
		res := post()
		if res.Status != http.StatusTooManyRequests || !res.Contains(`"code":"too_many"`, "每 60 分钟最多提交 3 条") {
			t.Fatalf("fourth report: %d %s", res.Status, res.Body)
		}
		if got := res.Header.Get("Retry-After"); got != "3600" {
			t.Fatalf("fourth report's Retry-After = %q, want the window, 3600 seconds", got)
		}
		form := reportForm(north(0))
		form.Set("csrf", c.CSRF())
		page := e.PostMultipart(t, c, "/report", form, apptest.Upload{Name: "x.jpg", Data: apptest.SmallJPEG(t)})
		if page.Status != http.StatusTooManyRequests || !page.Contains("每 60 分钟最多提交 3 条", "人行道上有流动摊贩") {
			t.Fatalf("form over the limit: %d %s", page.Status, page.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders") != n {
			t.Fatal("a report over the limit was stored")
		}
		e.Clock.Advance(time.Hour)
		if res := post(); res.Status != http.StatusCreated {
			t.Fatalf("after the window: %d %s", res.Status, res.Body)
		}
	})
}

func TestTrackUnknownCodeIs404WithAClearMessageAndTheLookupForm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		res := c.Get("/track/ABCDEFGHJK")
		if res.Status != http.StatusNotFound || !res.Contains("没有找到跟踪码为“ABCDEFGHJK”的诉求", `name="code"`, `aria-invalid="true"`) {
			t.Fatalf("unknown code: %d %s", res.Status, res.Body)
		}
		c.Lang = "en"
		if res := c.Get("/track/nope"); res.Status != http.StatusNotFound || !res.Contains("No report has the tracking code") {
			t.Fatalf("unknown code (en): %d %s", res.Status, res.Body)
		}
		if res := c.Get("/api/v1/public/reports/ABCDEFGHJK"); res.Status != http.StatusNotFound || !res.Contains(`"code":"not_found"`) {
			t.Fatalf("API: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/track"); res.Status != http.StatusOK || !res.Contains(`action="/track"`, `name="code"`) {
			t.Fatalf("lookup form: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/track?code=ab-cd+efg"); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/track/ABCDEFG" {
			t.Fatalf("typed code: %d %q", res.Status, res.Header.Get("Location"))
		}
		if res := c.PostForm("/track/ABCDEFGHJK/rating", url.Values{"rating": {"satisfied"}}); res.Status != http.StatusNotFound {
			t.Fatalf("rating an unknown code: %d", res.Status)
		}
	})
}
