package open311web_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/workorder"
)

// go test ./internal/web/open311web/ -run Open311 -update rewrites testdata/open311/*.golden.
var update = flag.Bool("update", false, "rewrite the Open311 golden files")

// o311 is an Open311 client of a test: it records what it saw so that
// random codes, tokens and ids become stable names in the golden files.
type o311 struct {
	t     *testing.T
	e     *apptest.Env
	http  *http.Client
	names map[string]string // random value → stable name
	seen  map[string]bool   // golden files written or checked
	lang  string            // Accept-Language, "" for none (Chinese)
}

func newO311(t *testing.T, e *apptest.Env) *o311 {
	return &o311{t: t, e: e, http: &http.Client{}, names: map[string]string{}, seen: map[string]bool{}}
}

type o311Res struct {
	Status int
	Type   string
	Body   string
}

func (c *o311) do(method, path string, form url.Values) o311Res {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.e.Server.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := o311Res{Status: res.StatusCode, Type: res.Header.Get("Content-Type"), Body: string(b)}
	// Both formats must be well-formed, whatever the status.
	if strings.HasSuffix(path, ".json") || strings.Contains(path, ".json?") {
		if r.Type != "application/json" || !json.Valid(b) {
			c.t.Fatalf("%s %s: not JSON (%s): %s", method, path, r.Type, b)
		}
	} else if r.Type == "text/xml" {
		if !strings.HasPrefix(r.Body, `<?xml version="1.0" encoding="UTF-8"?>`) {
			c.t.Fatalf("%s %s: no XML declaration: %s", method, path, b)
		}
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				c.t.Fatalf("%s %s: bad XML: %v\n%s", method, path, err, b)
			}
		}
	}
	return r
}

func (c *o311) get(path string) o311Res { c.t.Helper(); return c.do("GET", path, nil) }

func (c *o311) post(path string, form url.Values) o311Res {
	c.t.Helper()
	return c.do("POST", path, form)
}

var (
	tokenRe    = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	updateIDRe = regexp.MustCompile(`(<update_id>|"update_id":")(\d+)`)
	photoIDRe  = regexp.MustCompile(`/photos/(\d+)`)
	idRe       = regexp.MustCompile(`(?:<service_request_id>|"service_request_id":")([0-9A-Z]{10})\b`)
)

// name gives a random value its stable name (CODE1, TOKEN1 …).
func (c *o311) name(kind, v string) string {
	if n, ok := c.names[v]; ok {
		return n
	}
	k := 1
	for _, n := range c.names {
		if strings.HasPrefix(n, kind) {
			k++
		}
	}
	c.names[v] = kind + strconv.Itoa(k)
	return c.names[v]
}

// code remembers an order code so that golden files name it.
func (c *o311) code(v string) string { return c.name("CODE", v) }

func (c *o311) normalise(s string) string {
	for _, m := range idRe.FindAllStringSubmatch(s, -1) {
		c.code(m[1])
	}
	s = strings.ReplaceAll(s, c.e.Server.URL, "http://wenming.test")
	s = tokenRe.ReplaceAllStringFunc(s, func(m string) string { return c.name("TOKEN", m) })
	s = updateIDRe.ReplaceAllStringFunc(s, func(m string) string {
		p := updateIDRe.FindStringSubmatch(m)
		return p[1] + c.name("UPDATE", "u"+p[2])
	})
	s = photoIDRe.ReplaceAllStringFunc(s, func(m string) string {
		return "/photos/" + c.name("PHOTO", "p"+photoIDRe.FindStringSubmatch(m)[1])
	})
	for v, n := range c.names {
		if strings.HasPrefix(n, "CODE") {
			s = strings.ReplaceAll(s, v, n)
		}
	}
	return s
}

// golden compares a response (status, content type, body) with
// testdata/open311/<name>.golden, the same file on every engine.
func (c *o311) golden(name string, r o311Res) {
	c.t.Helper()
	if c.seen[name] {
		c.t.Fatalf("golden %s used twice", name)
	}
	c.seen[name] = true
	got := fmt.Sprintf("%d %s\n\n%s", r.Status, r.Type, c.normalise(r.Body))
	path := filepath.Join("testdata", "open311", name+".golden")
	if *update && c.e.Engine == "sqlite" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			c.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			c.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		c.t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// both checks the path in XML and JSON against <name>.xml/.json.golden.
func (c *o311) both(name, path string, status int) {
	c.t.Helper()
	for _, f := range []string{"xml", "json"} {
		p := strings.Replace(path, ".FMT", "."+f, 1)
		r := c.get(p)
		if r.Status != status {
			c.t.Errorf("GET %s: %d, want %d: %s", p, r.Status, status, r.Body)
		}
		c.golden(name+"."+f, r)
	}
}

// postBoth posts the form to requests.xml and requests.json.
func (c *o311) postBoth(name string, form url.Values, status int) []o311Res {
	c.t.Helper()
	var out []o311Res
	for _, f := range []string{"xml", "json"} {
		r := c.post("/open311/v2/requests."+f, form)
		if r.Status != status {
			c.t.Errorf("POST %s (%s): %d, want %d: %s", name, f, r.Status, status, r.Body)
		}
		c.golden(name+"."+f, r)
		out = append(out, r)
	}
	return out
}

// issueKey has the admin issue an api_key through the API.
func issueKey(t *testing.T, e *apptest.Env, name string) (int64, string) {
	t.Helper()
	res := e.API(t, "admin").JSON("POST", "/api/v1/open311/clients", map[string]string{"name": name, "contact": "信息中心 0833-2100000"})
	if res.Status != http.StatusCreated {
		t.Fatalf("issue key: %d %s", res.Status, res.Body)
	}
	var out struct {
		Client struct{ ID int64 }
		APIKey string `json:"api_key"`
	}
	res.Decode(&out)
	return out.Client.ID, out.APIKey
}

// everyDatatype gives GREENERY one question of every datatype.
func everyDatatype(t *testing.T, e *apptest.Env) {
	t.Helper()
	vals := []map[string]string{{"key": "tree", "name": "树木", "name_en": "Tree"}, {"key": "lawn", "name": "草坪", "name_en": "Lawn"},
		{"key": "hedge", "name": "绿篱", "name_en": "Hedge"}}
	qs := []map[string]any{
		{"code": "tree_tag", "variable": true, "datatype": "string", "order": 1, "description": "树木挂牌编号", "datatype_description": "如 SZ-T-0088"},
		{"code": "count", "variable": true, "datatype": "number", "required": true, "order": 2, "description": "受损数量"},
		{"code": "seen_at", "variable": true, "datatype": "datetime", "order": 3, "description": "发现时间"},
		{"code": "details", "variable": true, "datatype": "text", "order": 4, "description": "补充说明"},
		{"code": "kind", "variable": true, "datatype": "singlevaluelist", "required": true, "order": 5, "description": "绿化类型", "values": vals},
		{"code": "damage", "variable": true, "datatype": "multivaluelist", "order": 6, "description": "受损情况",
			"values": []map[string]string{{"key": "broken", "name": "折断", "name_en": "Broken"}, {"key": "dead", "name": "枯死", "name_en": "Dead"},
				{"key": "pests", "name": "病虫害", "name_en": "Pests"}}},
		{"code": "note", "variable": false, "datatype": "text", "order": 7, "description": "古树名木请勿自行修剪。"},
	}
	res := e.API(t, "admin").JSON("PUT", "/api/v1/workorder-categories/"+e.CategoryID(t, "GREENERY")+"/questions", map[string]any{"questions": qs})
	if res.Status != http.StatusOK {
		t.Fatalf("questions: %d %s", res.Status, res.Body)
	}
}

func o311Form(key string, kv ...string) url.Values {
	v := url.Values{"api_key": {key}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func staffAct(t *testing.T, c *apptest.Client, id int64, action string, body map[string]any) {
	t.Helper()
	res := c.JSON("POST", "/api/v1/workorders/"+strconv.FormatInt(id, 10)+"/actions/"+action, body)
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", action, res.Status, res.Body)
	}
}

func TestOpen311EveryEndpointInBothFormatsMatchesItsGoldenFile(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := newO311(t, e)
		clientID, key := issueKey(t, e, "市民通")
		everyDatatype(t, e)

		c.both("discovery", "/open311/v2/discovery.FMT", 200)
		c.both("services", "/open311/v2/services.FMT", 200)
		c.both("service_manhole", "/open311/v2/services/MANHOLE.FMT", 200)
		c.both("service_every_datatype", "/open311/v2/services/GREENERY.FMT", 200)
		c.both("service_without_questions", "/open311/v2/services/PARKING.FMT", 200)
		c.lang = "en"
		c.both("service_every_datatype_en", "/open311/v2/services/GREENERY.FMT", 200)
		c.both("error_unknown_service_en", "/open311/v2/services/NOPE.FMT", 404)
		c.lang = ""

		// A request with every attribute datatype (multi-value twice).
		every := o311Form(key, "service_code", "GREENERY", "lat", "29.5646", "long", "103.7626",
			"address_string", "嘉州大道绿化带", "description", "绿化带里两棵行道树被大车撞断，枝干压在人行道上",
			"attribute[tree_tag]", "SZ-T-0088", "attribute[count]", "2", "attribute[seen_at]", "2026-11-29T07:45:00+08:00",
			"attribute[details]", "早上七点多发现\n树枝挡住了盲道", "attribute[kind]", "tree",
			"attribute[damage][]", "broken", "attribute[damage][]", "pests",
			"first_name", "建华", "last_name", "张", "phone", "13800138001", "email", "zhang@example.cn",
			"device_id", "ios-7f3a", "account_id", "u-1001", "media_url", "https://img.example.cn/a/1.jpg")
		rs := c.postBoth("post_every_datatype", every, 201)
		var posted []struct {
			ID    string `json:"service_request_id"`
			Token string `json:"token"`
		}
		if err := json.Unmarshal([]byte(rs[1].Body), &posted); err != nil || len(posted) != 1 {
			t.Fatalf("POST answer: %v %s", err, rs[1].Body)
		}
		xmlID := regexp.MustCompile(`<service_request_id>([0-9A-Z]{10})</service_request_id>`).FindStringSubmatch(rs[0].Body)
		if xmlID == nil {
			t.Fatalf("no id in %s", rs[0].Body)
		}
		c.code(xmlID[1])
		c.code(posted[0].ID)
		id := e.ID(t, "workorders", "code", posted[0].ID)
		if n := e.Count(t, `SELECT COUNT(*) FROM workorders WHERE id = ? AND channel = 'api' AND source = '市民通'
			AND reporter_name = '张建华' AND reporter_phone = '13800138001' AND state = 'submitted'`, id); n != 1 {
			t.Fatal("the request is not an ordinary citizen order from the client")
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_answers WHERE order_id = ?", id); n != 7 {
			t.Fatalf("%d answer rows, want 7", n)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM open311_requests WHERE order_id = ? AND client_id = ? AND email = 'zhang@example.cn'
			AND media_url = 'https://img.example.cn/a/1.jpg'`, id, clientID); n != 1 {
			t.Fatal("no Open311 row")
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM workorder_answers WHERE order_id = ? AND code = 'seen_at' AND value = '2026-11-29T07:45:00+08:00'`, id); n != 1 {
			t.Fatal("datetime answer")
		}

		// A minimal request: an address only, no attributes.
		rs = c.postBoth("post_minimal", o311Form(key, "service_code", "PARKING", "address_string", "人民南路 8 号门口",
			"description", "机动车长期占用消防通道"), 201)
		json.Unmarshal([]byte(rs[1].Body), &posted)
		c.code(posted[0].ID)
		c.code(regexp.MustCompile(`<service_request_id>([0-9A-Z]{10})</service_request_id>`).FindStringSubmatch(rs[0].Body)[1])

		c.both("token", "/open311/v2/tokens/"+posted[0].Token+".FMT", 200)
		c.both("requests", "/open311/v2/requests.FMT", 200)
		c.both("requests_filtered", "/open311/v2/requests.FMT?service_code=GREENERY,PARKING&status=open&page=1&page_size=2", 200)
		c.both("requests_page2", "/open311/v2/requests.FMT?page=2&page_size=3", 200)
		c.both("requests_closed_none", "/open311/v2/requests.FMT?status=closed", 200)
		c.both("requests_by_id", "/open311/v2/requests.FMT?service_request_id="+posted[0].ID+",NOTACODE22&status=closed&start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z", 200)
		c.both("requests_updated", "/open311/v2/requests.FMT?updated_after=2026-11-29T08:00:00%2B08:00&updated_before=2026-11-29T10:00:00%2B08:00&service_code=GREENERY", 200)
		c.both("requests_before_window", "/open311/v2/requests.FMT?start_date=2026-08-01T00:00:00%2B08:00&end_date=2026-10-01T00:00:00%2B08:00", 200)
		c.both("request_one", "/open311/v2/requests/"+posted[0].ID+".FMT", 200)
		c.both("request_one_extensions", "/open311/v2/requests/"+posted[0].ID+".FMT?extensions=true", 200)
		c.both("updates", "/open311/v2/servicerequestupdates.FMT", 200)

		// Data protection: no name, phone, e-mail, device or account id in any GET.
		for _, p := range []string{"/open311/v2/requests.xml?extensions=true", "/open311/v2/requests.json?extensions=true",
			"/open311/v2/servicerequestupdates.json"} {
			if r := c.get(p); strings.Contains(r.Body, "张") || strings.Contains(r.Body, "13800138001") ||
				strings.Contains(r.Body, "zhang@") || strings.Contains(r.Body, "ios-7f3a") || strings.Contains(r.Body, "u-1001") {
				t.Fatalf("personal data in %s: %s", p, r.Body)
			}
		}

		// Every error, in both formats.
		c.both("error_unknown_service", "/open311/v2/services/NOPE.FMT", 404)
		c.both("error_group_is_no_service", "/open311/v2/services/G-CITY.FMT", 404)
		c.both("error_hotline_only_is_no_service", "/open311/v2/services/POLICY_QUERY.FMT", 404)
		c.both("error_unknown_request", "/open311/v2/requests/ZZZZZZZZZZ.FMT", 404)
		c.both("error_unknown_token", "/open311/v2/tokens/0123456789abcdef0123456789abcdef.FMT", 404)
		c.both("error_unknown_path", "/open311/v2/nothing.FMT", 404)
		c.both("error_bad_start_date", "/open311/v2/requests.FMT?start_date=2026-11-01", 400)
		c.both("error_span_over_90_days", "/open311/v2/requests.FMT?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400)
		c.both("error_end_before_start", "/open311/v2/requests.FMT?start_date=2026-11-01T00:00:00Z&end_date=2026-10-01T00:00:00Z", 400)
		c.both("error_bad_status", "/open311/v2/requests.FMT?status=pending", 400)
		c.both("error_bad_page_size", "/open311/v2/requests.FMT?page_size=1001", 400)
		c.both("error_bad_extensions", "/open311/v2/requests.FMT?extensions=yes", 400)
		c.both("error_updates_bad_end_date", "/open311/v2/servicerequestupdates.FMT?end_date=tomorrow", 400)
		if r := c.get("/open311/v2/services.csv"); r.Status != 404 || r.Type != "text/xml" {
			t.Fatalf("csv: %d %s", r.Status, r.Type)
		}
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		good := func(kv ...string) url.Values {
			v := o311Form(key, "service_code", "PARKING", "lat", "29.5646", "long", "103.7626", "description", "小区门口车辆乱停放")
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		c.postBoth("error_post_without_key", good("api_key", ""), 403)
		c.postBoth("error_post_bad_key", good("api_key", "o311_not-a-key"), 403)
		c.postBoth("error_post_unknown_service", good("service_code", "NOPE"), 404)
		c.postBoth("error_post_without_service", good("service_code", ""), 400)
		c.postBoth("error_post_without_location", good("lat", "", "long", ""), 400)
		c.postBoth("error_post_lat_without_long", good("long", ""), 400)
		c.postBoth("error_post_bad_lat", good("lat", "north"), 400)
		c.postBoth("error_post_lat_out_of_range", good("lat", "95"), 400)
		c.postBoth("error_post_without_description", good("description", ""), 400)
		c.postBoth("error_post_description_over_4000", good("description", strings.Repeat("车", 4001)), 400)
		c.postBoth("error_post_bad_phone_email_url", good("phone", "12345", "email", "zhang", "media_url", "ftp://x/1.jpg"), 400)
		c.postBoth("error_post_bad_attributes", good("service_code", "GREENERY", "attribute[count]", "两棵",
			"attribute[seen_at]", "昨天", "attribute[damage][]", "fire", "attribute[colour]", "red"), 400)
		// 4000 characters are accepted (Open311's limit).
		if r := c.post("/open311/v2/requests.json", good("description", strings.Repeat("车", 4000))); r.Status != 201 {
			t.Fatalf("4000 characters: %d %s", r.Status, r.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("refused requests wrote orders: %d → %d", orders, n)
		}
		// Method not allowed, in the standard's shape.
		for _, f := range []string{"xml", "json"} {
			r := c.do("PUT", "/open311/v2/requests."+f, url.Values{})
			if r.Status != 405 {
				t.Fatalf("PUT: %d", r.Status)
			}
			c.golden("error_method."+f, r)
		}
		// A revoked key is refused like an unknown one.
		if res := e.API(t, "admin").JSON("POST", "/api/v1/open311/clients/"+strconv.FormatInt(clientID, 10)+"/revoke", nil); res.Status != 204 {
			t.Fatalf("revoke: %d %s", res.Status, res.Body)
		}
		c.postBoth("error_post_revoked_key", good(), 403)
	})
}

func TestOpen311RoundTripPostDispatchResolveThenGetClosedWithTheUnitsResolution(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := newO311(t, e)
		_, key := issueKey(t, e, "市民通")
		r := c.post("/open311/v2/requests.json", o311Form(key, "service_code", "STREET_VENDING", "lat", "29.5646", "long", "103.7626",
			"address_string", "嘉定北路 12 号", "description", "人行道上有流动摊贩占道经营", "attribute[nope]", "",
			"first_name", "Mei", "last_name", "Li", "phone", "13800138002"))
		if r.Status != 201 {
			t.Fatalf("POST: %d %s", r.Status, r.Body)
		}
		var posted []struct {
			ID    string `json:"service_request_id"`
			Token string `json:"token"`
		}
		json.Unmarshal([]byte(r.Body), &posted)
		code := posted[0].ID
		c.code(code)
		id := e.ID(t, "workorders", "code", code)
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND reporter_name = 'Mei Li'", id); n != 1 {
			t.Fatal("name")
		}
		var open []struct {
			Status string `json:"status"`
		}
		json.Unmarshal([]byte(c.get("/open311/v2/requests/"+code+".json").Body), &open)
		if len(open) != 1 || open[0].Status != "open" {
			t.Fatalf("new request: %+v", open)
		}

		// Through wenming's staff API: accept, dispatch to the urban
		// management bureau, acknowledge and resolve with a note.
		disp, handler := e.API(t, "dispatcher"), e.API(t, "handler_cg")
		staffAct(t, disp, id, "accept", nil)
		staffAct(t, disp, id, "dispatch", map[string]any{"unit_id": e.ID(t, "units", "code", "DEPT-CG")})
		e.Clock.Advance(2 * 3600e9)
		staffAct(t, handler, id, "acknowledge", nil)
		e.Clock.Advance(3 * 3600e9)
		staffAct(t, handler, id, "resolve", map[string]any{"note": "已劝离摊贩，城管中队每日巡查该路段"})

		c.both("roundtrip_closed", "/open311/v2/requests/"+code+".FMT", 200)
		c.both("roundtrip_closed_extensions", "/open311/v2/requests/"+code+".FMT?extensions=true", 200)
		c.both("roundtrip_updates", "/open311/v2/servicerequestupdates.FMT", 200)
		var got []struct {
			Status, StatusNotes, Agency, Expected string
		}
		var raw []map[string]any
		json.Unmarshal([]byte(c.get("/open311/v2/requests.json?status=closed").Body), &raw)
		for _, m := range raw {
			got = append(got, struct{ Status, StatusNotes, Agency, Expected string }{m["status"].(string), m["status_notes"].(string),
				m["agency_responsible"].(string), fmt.Sprint(m["expected_datetime"])})
		}
		if len(got) != 1 || got[0].Status != "closed" || got[0].StatusNotes != "已劝离摊贩，城管中队每日巡查该路段" ||
			got[0].Agency != "市城市管理局" || got[0].Expected == "<nil>" {
			t.Fatalf("closed request: %+v", got)
		}
		// The dispatcher refuses the resolution: open again.
		staffAct(t, disp, id, "refuse", map[string]any{"note": "现场仍有摊贩"})
		json.Unmarshal([]byte(c.get("/open311/v2/requests/"+code+".json").Body), &open)
		if open[0].Status != "open" {
			t.Fatalf("after refusal: %+v", open)
		}
		if st := woStateOf(t, e, id); st != workorder.StateReopened {
			t.Fatalf("state %s", st)
		}
	})
}

func TestOpen311RequestsKeepThePerAddressLimitOfCitizensReports(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := newO311(t, e)
		_, key := issueKey(t, e, "市民通")
		form := o311Form(key, "service_code", "RUBBISH", "address_string", "滨河路口", "description", "垃圾桶满了没人清运")
		refused := 0
		for i := 0; i < workorder.DefaultReportLimit.Reports+1; i++ {
			r := c.post("/open311/v2/requests.xml", form)
			switch r.Status {
			case 201:
			case 400:
				refused++
				c.golden("error_post_too_many.xml", r)
			default:
				t.Fatalf("post %d: %d %s", i, r.Status, r.Body)
			}
		}
		if refused != 1 {
			t.Fatalf("%d refused, want the 21st only", refused)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM open311_requests"); n != int64(workorder.DefaultReportLimit.Reports) {
			t.Fatalf("%d requests stored", n)
		}
	})
}

func TestOpen311ShowsACitizensPhotosAsPublicLinksAndTheSourceOnTheStaffPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := newO311(t, e)
		anon := e.Anonymous(t)
		vals := url.Values{"category": {"RUBBISH"}, "description": {"河边垃圾堆了好几天，气味很大"}, "lat": {"29.5646"}, "lng": {"103.7626"},
			"phone": {"13800138003"}, "name": {"赵先生"}}
		res := e.PostMultipart(t, anon, "/api/v1/public/reports", vals, apptest.Upload{Name: "a.jpg", Data: apptest.SmallJPEG(t)}, apptest.Upload{Name: "b.jpg", Data: apptest.SmallJPEG(t)})
		if res.Status != http.StatusCreated {
			t.Fatalf("report: %d %s", res.Status, res.Body)
		}
		var sub workorder.Submitted
		res.Decode(&sub)
		c.code(sub.Code)
		c.both("request_with_photos_extensions", "/open311/v2/requests/"+sub.Code+".FMT?extensions=true", 200)
		// The links serve the public rendition to anyone.
		var got []struct {
			MediaURL string `json:"media_url"`
		}
		json.Unmarshal([]byte(c.get("/open311/v2/requests/"+sub.Code+".json").Body), &got)
		if len(got) != 1 || !strings.HasPrefix(got[0].MediaURL, e.Server.URL+"/track/"+sub.Code+"/photos/") {
			t.Fatalf("media_url: %+v", got)
		}
		if r := c.get(strings.TrimPrefix(got[0].MediaURL, e.Server.URL)); r.Status != 200 || r.Type != "image/jpeg" {
			t.Fatalf("photo: %d %s", r.Status, r.Type)
		}

		// An Open311 request shows its client as the source to staff (the
		// key may come in the query string too).
		_, key := issueKey(t, e, "市民通")
		form := o311Form("", "service_code", "RUBBISH", "address_string", "滨河路口", "description", "垃圾桶满了没人清运")
		form.Del("api_key")
		r := c.post("/open311/v2/requests.json?api_key="+url.QueryEscape(key), form)
		if r.Status != 201 {
			t.Fatalf("key in the query: %d %s", r.Status, r.Body)
		}
		var posted []struct {
			ID string `json:"service_request_id"`
		}
		json.Unmarshal([]byte(r.Body), &posted)
		id := e.ID(t, "workorders", "code", posted[0].ID)
		page := e.Login(t, "dispatcher").Get("/orders/" + strconv.FormatInt(id, 10))
		if !page.Contains("接口 · 市民通") {
			t.Fatalf("staff page: %s", page.Body)
		}
	})
}

func woStateOf(t *testing.T, e *apptest.Env, id int64) workorder.State {
	t.Helper()
	return workorder.State(e.OrderState(t, id))
}

func TestOpen311ClientsScreenIssuesAKeyOnceAndRevokesIt(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		page := admin.Get("/open311-clients")
		if page.Status != 200 || !page.Contains("Open311 接入", `action="/open311-clients"`, "/open311/v2") {
			t.Fatalf("clients page: %d %s", page.Status, page.Body)
		}
		if res := admin.PostForm("/open311-clients", url.Values{"name": {" "}}); res.Status != 400 || !res.Contains("必填。") {
			t.Fatalf("no name: %d", res.Status)
		}
		res := admin.PostForm("/open311-clients", url.Values{"name": {"市民通"}, "contact": {"信息中心"}})
		m := regexp.MustCompile(`value="(o311_[A-Za-z0-9_-]{43})"`).FindStringSubmatch(res.Body)
		if res.Status != 201 || m == nil || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("issue: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM open311_clients WHERE name = '市民通' AND key_hash <> ? AND LENGTH(key_hash) = 64", m[1]); n != 1 {
			t.Fatal("the key is not stored hashed")
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'open311_client' AND action = 'issue_token'"); n != 1 {
			t.Fatal("issue not audited")
		}
		if page := admin.Get("/open311-clients"); page.Contains(m[1]) {
			t.Fatal("the key is shown again")
		}
		if res := admin.PostForm("/open311-clients", url.Values{"name": {"市民通"}}); res.Status != 400 || !res.Contains("已有同名的客户端。") {
			t.Fatalf("same name: %d", res.Status)
		}
		// Only token.manage may see or issue.
		if res := e.Login(t, "dispatcher").Get("/open311-clients"); res.Status != http.StatusForbidden {
			t.Fatalf("dispatcher: %d", res.Status)
		}
		if res := e.API(t, "dispatcher").JSON("POST", "/api/v1/open311/clients", map[string]string{"name": "x"}); res.Status != http.StatusForbidden {
			t.Fatalf("dispatcher API: %d", res.Status)
		}
		id := e.ID(t, "open311_clients", "name", "市民通")
		res = admin.PostForm("/open311-clients/"+strconv.FormatInt(id, 10)+"/revoke", url.Values{})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM open311_clients WHERE id = ? AND revoked_at IS NOT NULL", id); n != 1 {
			t.Fatal("not revoked")
		}
		if res := e.API(t, "admin").JSON("POST", "/api/v1/open311/clients/"+strconv.FormatInt(id, 10)+"/revoke", nil); res.Status != http.StatusConflict {
			t.Fatalf("second revoke: %d", res.Status)
		}
		var list struct{ Items []struct{ Name string } }
		res = e.API(t, "admin").Get("/api/v1/open311/clients")
		res.Decode(&list)
		if len(list.Items) != 1 || list.Items[0].Name != "市民通" {
			t.Fatalf("list: %s", res.Body)
		}
	})
}

func TestOpen311RetryWithTheSameIdempotencyKeyGetsTheFirstAnswerPerClient(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := newO311(t, e)
		_, key := issueKey(t, e, "市民通")
		_, key2 := issueKey(t, e, "城市服务")
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		form := o311Form(key, "service_code", "RUBBISH", "address_string", "滨河路口", "description", "垃圾桶满了没人清运",
			"idempotency_key", "o-1")
		first := c.post("/open311/v2/requests.json", form)
		again := c.post("/open311/v2/requests.json", form)
		if first.Status != 201 || again.Status != 201 || again.Body != first.Body {
			t.Fatalf("retry: %d %s, first %d %s", again.Status, again.Body, first.Status, first.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("orders: %d, want %d", n, orders+1)
		}
		// The key is the client's own: another client's o-1 is a new order.
		form2 := o311Form(key2, "service_code", "RUBBISH", "address_string", "滨河路口", "description", "垃圾桶满了没人清运",
			"idempotency_key", "o-1")
		if r := c.post("/open311/v2/requests.json", form2); r.Status != 201 || r.Body == first.Body {
			t.Fatalf("other client: %d %s", r.Status, r.Body)
		}
		form.Set("description", "垃圾桶满了三天没人清运")
		if r := c.post("/open311/v2/requests.json", form); r.Status != http.StatusConflict {
			t.Fatalf("same key, other content: %d %s", r.Status, r.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+2 {
			t.Fatalf("orders: %d, want %d", n, orders+2)
		}
	})
}

// TestOpen311RefusesAHexadecimalLatitude: lat=0x1.d9p4 is not a coordinate
// (strconv.ParseFloat would read 29.56); the request is refused on "lat"
// and nothing is stored.
func TestOpen311RefusesAHexadecimalLatitude(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		before := e.Count(t, "SELECT COUNT(*) FROM workorders")
		o := newO311(t, e)
		_, key := issueKey(t, e, "市民通")
		r := o.post("/open311/v2/requests.json", o311Form(key, "service_code", "STREET_VENDING", "lat", "0x1.d9p4", "long", "103.7626",
			"description", "人行道上有流动摊贩占道经营"))
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "lat") {
			t.Errorf("open311 hex lat: %d %s", r.Status, r.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != before {
			t.Fatalf("%d orders stored with a hexadecimal latitude", n-before)
		}
	})
}
