package orderweb_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// rawJSON sends body as it is (json.Marshal would repair bad text).
func rawJSON(t *testing.T, e *apptest.Env, c *apptest.Client, method, path, body string) *apptest.Response {
	t.Helper()
	req, _ := http.NewRequest(method, e.Server.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return c.Do(req)
}

// apiErr is the API's error shape.
type apiErr struct {
	Error struct {
		Code, Message string
		Fields        map[string]string
	}
}

func decodeErr(t *testing.T, res *apptest.Response) apiErr {
	t.Helper()
	var out apiErr
	res.Decode(&out)
	return out
}

const badTextField = "含有无法接受的字符（空字符或不是 UTF-8 编码的文字）。"

func TestNULAndInvalidUTF8InAnyTextFieldAre400NamingTheFieldAndStoreNothingOnBothEngines(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		orders := func() int64 { return e.Count(t, "SELECT COUNT(*) FROM workorders") }
		before := orders()
		anon := e.Anonymous(t)
		lat, lng := north(10)
		ll := `,"lat":` + strconv.FormatFloat(lat, 'f', 6, 64) + `,"lng":` + strconv.FormatFloat(lng, 'f', 6, 64)

		// Public API, JSON: an escaped NUL, raw bytes that are not UTF-8, a
		// lone surrogate escape, and a NUL in a nested answer.
		for name, c := range map[string]struct{ body, field string }{
			"escaped NUL":    {`{"category":"STREET_VENDING","description":"人行道上有流动摊贩\u0000占道经营"` + ll + `}`, "description"},
			"raw bad bytes":  {"{\"category\":\"STREET_VENDING\",\"description\":\"人行道上有流动摊贩占道经营\",\"address\":\"嘉定\xff北路\"" + ll + "}", "address"},
			"lone surrogate": {`{"category":"STREET_VENDING","description":"人行道上有流动摊贩占道经营","name":"王\ud800"` + ll + `}`, "name"},
			"nested answer":  {`{"category":"STREET_LIGHT","description":"路灯整排不亮，晚上很黑","answers":{"pole_number":"SZ\u0000"}` + ll + `}`, "answers.pole_number"},
		} {
			res := rawJSON(t, e, anon, "POST", "/api/v1/public/reports", c.body)
			got := decodeErr(t, res)
			if res.Status != http.StatusBadRequest || got.Error.Code != "invalid" || got.Error.Fields[c.field] != badTextField ||
				!strings.Contains(got.Error.Message, "“"+c.field+"”") {
				t.Errorf("public JSON, %s: %d %s", name, res.Status, res.Body)
			}
		}
		// A real U+FFFD is text like any other.
		res := rawJSON(t, e, anon, "POST", "/api/v1/public/reports",
			`{"category":"STREET_VENDING","description":"人行道上有流动摊贩占道经营 \ufffd �"`+ll+`}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("a report with U+FFFD: %d %s", res.Status, res.Body)
		}
		before++

		// Public API, multipart.
		vals := reportForm(lat, lng)
		vals.Set("description", "人行道上有流动摊贩\x00占道经营")
		res = e.PostMultipart(t, anon, "/api/v1/public/reports", vals)
		if got := decodeErr(t, res); res.Status != http.StatusBadRequest || got.Error.Fields["description"] != badTextField {
			t.Errorf("public multipart: %d %s", res.Status, res.Body)
		}

		// The citizen's form, multipart and urlencoded.
		vals = reportForm(lat, lng)
		vals.Set("description", "人行道上有流动摊贩\xff\xfe占道经营")
		vals.Set("csrf", anon.CSRF())
		res = e.PostMultipart(t, anon, "/report", vals)
		if res.Status != http.StatusBadRequest || !res.Contains("“description”含有无法接受的字符") {
			t.Errorf("/report multipart: %d %s", res.Status, res.Body)
		}
		vals.Set("description", "人行道上有流动摊贩占道经营")
		vals.Set("address", "嘉定北路\x00")
		if res := anon.PostForm("/report", vals); res.Status != http.StatusBadRequest || !res.Contains("“address”含有无法接受的字符") {
			t.Errorf("/report urlencoded: %d %s", res.Status, res.Body)
		}
		if n := orders(); n != before {
			t.Fatalf("%d orders stored from bad text", n-before)
		}

		// The login form's username, in both languages.
		if res := anon.PostForm("/login", url.Values{"username": {"admin\x00"}, "password": {"x"}}); res.Status != http.StatusBadRequest ||
			!res.Contains("“username”含有无法接受的字符") {
			t.Errorf("login zh: %d %s", res.Status, res.Body)
		}
		en := e.Anonymous(t)
		en.Lang = "en"
		if res := en.PostForm("/login", url.Values{"username": {"ad\xc0min"}, "password": {"x"}}); res.Status != http.StatusBadRequest ||
			!res.Contains("“username” has characters that cannot be accepted") {
			t.Errorf("login en: %d %s", res.Status, res.Body)
		}

		// The staff API.
		api := e.API(t, "admin")
		sz := e.ID(t, "regions", "code", "511102")
		res = rawJSON(t, e, api, "POST", "/api/v1/regions",
			`{"parent_id":`+strconv.FormatInt(sz, 10)+`,"level":"street","code":"X9","name":"新街道\u0000"}`)
		if got := decodeErr(t, res); res.Status != http.StatusBadRequest || got.Error.Fields["name"] != badTextField {
			t.Errorf("staff API: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM regions WHERE code = 'X9'") != 0 {
			t.Fatal("the region was stored")
		}
	})
}

func TestBidiControlsInACitizensReportAreNotStoredNorShownOnTheTrackOrderAndBoardPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const rlo = "\u202E"
		anon := e.Anonymous(t)
		lat, lng := north(40)

		// The form, and the API with a raw and an escaped override.
		vals := reportForm(lat, lng)
		vals.Set("description", "嘉定北路"+rlo+"人行道上有流动摊贩\u2066占道经营\u2069")
		vals.Set("csrf", anon.CSRF())
		res := e.PostMultipart(t, anon, "/report", vals)
		m := sentRe.FindStringSubmatch(res.Header.Get("Location"))
		if m == nil {
			t.Fatalf("POST /report: %d %s", res.Status, res.Body)
		}
		formCode := m[1]
		res = rawJSON(t, e, anon, "POST", "/api/v1/public/reports", `{"category":"STREET_VENDING",`+
			`"description":"夜市`+rlo+`摊贩\u202e占满人行道\\u202E不是转义","address":"春华路\u202D口"}`)
		var out struct{ Code string }
		res.Decode(&out)
		if res.Status != http.StatusCreated {
			t.Fatalf("API report: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM workorders WHERE code IN (?, ?) AND (title LIKE ? OR description LIKE ?
			OR address LIKE ? OR description LIKE ?)`, formCode, out.Code, "%"+rlo+"%", "%"+rlo+"%", "%\u202D%", "%\u2066%"); n != 0 {
			t.Fatalf("%d reports stored with bidirectional controls", n)
		}
		if e.Count(t, `SELECT COUNT(*) FROM workorders WHERE code = ? AND description = ?`, out.Code, `夜市摊贩占满人行道\u202E不是转义`) != 1 {
			t.Fatal("the API report's text is not the same without its controls (an escaped backslash is text)")
		}

		// An order stored with one before this rule (or by another path)
		// is shown without it too.
		id := e.ID(t, "workorders", "code", formCode)
		if err := e.App.DB.Write(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), "UPDATE workorders SET title = ?, description = ? WHERE id = ?",
				"旧"+rlo+"标题", "嘉定北路"+rlo+"人行道上有流动摊贩占道经营", id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		track := anon.Get("/track/" + formCode)
		staff := e.Login(t, "dispatcher").Get("/orders/" + strconv.FormatInt(id, 10))
		for name, page := range map[string]*apptest.Response{"track": track, "staff order page": staff} {
			if page.Status != http.StatusOK || !page.Contains("嘉定北路人行道上有流动摊贩") || page.Contains(rlo) {
				t.Errorf("%s: %d, has the override: %v", name, page.Status, page.Contains(rlo))
			}
		}

		// The board: published by staff from such an order (a case with
		// its before and after photos, as the board requires).
		bc := newBoardCase(t, e)
		disp := e.Login(t, "dispatcher")
		path := "/orders/" + strconv.FormatInt(bc.id, 10) + "/board"
		res = disp.PostForm(path, url.Values{"title": {"嘉定北路" + rlo + "占道经营已整改"},
			"summary": {"嘉定北路" + rlo + "人行道被流动摊贩占用。"}, "response": {"城管局已劝离摊贩\u2067，每日巡查。"},
			"before_photo_ids": ids(bc.before), "after_photo_ids": ids(bc.after)})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d %s", res.Status, res.Body)
		}
		list := anon.Get("/board")
		pm := postRe.FindStringSubmatch(list.Body)
		if list.Status != http.StatusOK || pm == nil || !list.Contains("嘉定北路占道经营已整改") || list.Contains(rlo) {
			t.Fatalf("board list: %d %s", list.Status, list.Body)
		}
		if post := anon.Get("/board/" + pm[1]); post.Status != http.StatusOK || !post.Contains("嘉定北路人行道被流动摊贩占用", "城管局已劝离摊贩，每日巡查") ||
			post.Contains(rlo) || post.Contains("\u2067") {
			t.Fatalf("board post: %d %s", post.Status, post.Body)
		}
	})
}

func TestHexInfNaNAndUnderscoreNumbersAreNotCoordinatesOrNumberAnswers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		before := e.Count(t, "SELECT COUNT(*) FROM workorders")
		anon := e.Anonymous(t)
		for _, bad := range []string{"0x1p-2", "0X1D", "Inf", "NaN", "2_9.5", "1e400"} {
			vals := reportForm(north(10))
			vals.Set("lat", bad)
			res := e.PostMultipart(t, anon, "/api/v1/public/reports", vals)
			if got := decodeErr(t, res); res.Status != http.StatusBadRequest || got.Error.Fields["lat"] != "请输入有效的数字。" {
				t.Errorf("public multipart lat=%s: %d %s", bad, res.Status, res.Body)
			}
			vals.Set("csrf", anon.CSRF())
			if res := e.PostMultipart(t, anon, "/report", vals); res.Status != http.StatusBadRequest || !res.Contains("请输入有效的数字") {
				t.Errorf("/report lat=%s: %d", bad, res.Status)
			}
			res = anon.Get("/api/v1/public/nearby?category=STREET_VENDING&lng=103.7626&lat=" + url.QueryEscape(bad))
			if got := decodeErr(t, res); res.Status != http.StatusBadRequest || got.Error.Fields["lat"] == "" {
				t.Errorf("nearby lat=%s: %d %s", bad, res.Status, res.Body)
			}
			res = rawJSON(t, e, anon, "POST", "/api/v1/public/reports", `{"category":"STREET_LIGHT","description":"路灯整排不亮，晚上很黑",`+
				`"answers":{"lights_out":"`+bad+`"}}`)
			if got := decodeErr(t, res); res.Status != http.StatusBadRequest || got.Error.Fields["attribute[lights_out]"] != "请输入有效的数字。" {
				t.Errorf("number answer %s: %d %s", bad, res.Status, res.Body)
			}
		}
		// The report page does not pin a hexadecimal place on its map.
		if res := anon.Get("/report?lat=0x1.d9p4&lng=103.7626"); res.Status != http.StatusOK || !res.Contains(`id="map-pin" visibility="hidden"`) {
			t.Errorf("the report page pinned a hexadecimal latitude: %d", res.Status)
		}
		if res := anon.Get("/report?lat=29.5625&lng=103.7626"); !res.Contains(`id="map-pin" transform="translate(`) {
			t.Errorf("the report page did not pin a decimal latitude")
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != before {
			t.Fatalf("%d orders stored with such numbers", n-before)
		}
		// Decimals, with an exponent too, and JSON numbers still go.
		vals := reportForm(north(10))
		vals.Set("lat", "2.95646e1")
		if res := e.PostMultipart(t, anon, "/api/v1/public/reports", vals); res.Status != http.StatusCreated {
			t.Fatalf("a decimal with an exponent: %d %s", res.Status, res.Body)
		}
		res := rawJSON(t, e, anon, "POST", "/api/v1/public/reports", `{"category":"STREET_LIGHT","description":"路灯整排不亮，晚上很黑",`+
			`"lat":29.5646,"lng":103.7626,"answers":{"lights_out":"12"}}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("JSON numbers and a decimal answer: %d %s", res.Status, res.Body)
		}
	})
}

func TestStaffAPIJSONErrorsNameTheFieldOfAWrongTypeOrAnUnknownFieldInBothLanguages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		api := e.API(t, "admin")
		sz := strconv.FormatInt(e.ID(t, "regions", "code", "511102"), 10)
		for _, c := range []struct {
			lang, body, field, msg, fieldMsg string
		}{
			{"zh-CN", `{"parent_id":` + sz + `,"level":"street","code":"X9","name":5}`, "name", "请求的 JSON 中“name”的值类型不对。", "应为文字。"},
			{"zh-CN", `{"parent_id":"` + sz + `","level":"street","code":"X9","name":"新街道"}`, "parent_id", "请求的 JSON 中“parent_id”的值类型不对。", "请输入有效的数字。"},
			{"zh-CN", `{"parent_id":` + sz + `,"level":"street","code":"X9","name":"新街道","colour":"red"}`, "colour", "请求的 JSON 中有不认识的字段“colour”。", "没有这个字段。"},
			{"en", `{"parent_id":` + sz + `,"level":"street","code":"X9","name":true}`, "name", "In the JSON request, “name” has a value of the wrong type.", "Must be text."},
			{"en", `{"parent_id":` + sz + `,"level":"street","code":"X9","name":"x","colour":"red"}`, "colour", "The JSON request has an unknown field “colour”.", "There is no such field."},
		} {
			api.Lang = c.lang
			res := rawJSON(t, e, api, "POST", "/api/v1/regions", c.body)
			got := decodeErr(t, res)
			if res.Status != http.StatusBadRequest || got.Error.Code != "invalid" || got.Error.Message != c.msg || got.Error.Fields[c.field] != c.fieldMsg {
				t.Errorf("%s %s: %d %s", c.lang, c.body, res.Status, res.Body)
			}
		}
		api.Lang = "zh-CN"
		for _, body := range []string{`{"name":`, `{"parent_id":1} {"parent_id":2}`, `[]x`} {
			if res := rawJSON(t, e, api, "POST", "/api/v1/regions", body); res.Status != http.StatusBadRequest || !res.Contains("请求内容不是有效的 JSON。") {
				t.Errorf("not JSON %q: %d %s", body, res.Status, res.Body)
			}
		}
		if e.Count(t, "SELECT COUNT(*) FROM regions WHERE code = 'X9'") != 0 {
			t.Fatal("a region was stored")
		}
	})
}

func TestBodiesOverTheirLimitAre413WithAClearMessage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		before := e.Count(t, "SELECT COUNT(*) FROM workorders")
		api := e.API(t, "admin")
		big := `{"level":"street","code":"X9","name":"` + strings.Repeat("长", 50<<20/3) + `"}`
		res := rawJSON(t, e, api, "POST", "/api/v1/regions", big)
		if got := decodeErr(t, res); res.Status != http.StatusRequestEntityTooLarge || got.Error.Code != "too_large" ||
			got.Error.Message != "提交的内容过大（不能超过 1 MB）。" {
			t.Errorf("50 MB of JSON to the staff API: %d %s", res.Status, res.Body)
		}
		anon := e.Anonymous(t)
		anon.Lang = "en"
		res = rawJSON(t, e, anon, "POST", "/api/v1/public/reports", `{"category":"STREET_VENDING","description":"`+strings.Repeat("a", 2<<20)+`"}`)
		if got := decodeErr(t, res); res.Status != http.StatusRequestEntityTooLarge || got.Error.Message != "The submission is too large (at most 1 MB)." {
			t.Errorf("2 MB of JSON to the public API: %d %s", res.Status, res.Body)
		}
		// Multipart past the report's limit (six photos of 10 MB and the fields).
		huge := bytes.Repeat([]byte{0xff}, 65<<20)
		vals := reportForm(north(10))
		res = e.PostMultipart(t, anon, "/api/v1/public/reports", vals, apptest.Upload{Name: "a.jpg", Data: huge})
		if got := decodeErr(t, res); res.Status != http.StatusRequestEntityTooLarge || got.Error.Code != "too_large" ||
			!strings.Contains(got.Error.Message, "The submission is too large") {
			t.Errorf("65 MB multipart to the public API: %d %s", res.Status, res.Body)
		}
		c := e.Anonymous(t)
		vals.Set("csrf", c.CSRF())
		if res := e.PostMultipart(t, c, "/report", vals, apptest.Upload{Name: "a.jpg", Data: huge}); res.Status != http.StatusRequestEntityTooLarge ||
			!res.Contains("提交的内容过大") {
			t.Errorf("65 MB to /report: %d", res.Status)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != before {
			t.Fatalf("%d orders stored from bodies over the limit", n-before)
		}
	})
}
