package orderweb_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/workorder"
)

func TestQuestionsEditorSavesValidatesWithFieldMessagesAndIsAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := e.CategoryID(t, "PARKING")
		admin := e.Login(t, "admin")
		page := admin.Get("/categories/" + id + "/questions")
		if page.Status != http.StatusOK || !page.Contains("附加问题", `name="questions.0.code"`, `name="questions.1.values"`, "单选") {
			t.Fatalf("editor: %d %s", page.Status, page.Body)
		}
		// A list without choices and a bad code: both messages, nothing saved.
		bad := url.Values{"count": {"3"},
			"questions.0.code": {"plate"}, "questions.0.description": {"车牌号"}, "questions.0.datatype": {"string"},
			"questions.1.code": {"Kind"}, "questions.1.description": {"车辆类型"}, "questions.1.datatype": {"singlevaluelist"},
			"questions.2.code": {"blocking"}, "questions.2.description": {"是否堵住出入口"}, "questions.2.datatype": {"singlevaluelist"},
			"questions.2.values": {"yes | 是 | Yes\nyes | 也是 | Also yes"}}
		res := admin.PostForm("/categories/"+id+"/questions", bad)
		if res.Status != http.StatusBadRequest || !res.Contains("代码只能包含小写字母、数字和下划线。", "选项代码“yes”重复。", `value="车牌号"`) {
			t.Fatalf("bad questions: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_questions WHERE category_id = ?", id); n != 0 {
			t.Fatalf("%d questions saved from a refused form", n)
		}
		good := url.Values{"count": {"3"},
			"questions.0.code": {"plate"}, "questions.0.description": {"车牌号"}, "questions.0.description_en": {"Number plate"},
			"questions.0.datatype": {"string"}, "questions.0.order": {"2"},
			"questions.1.code": {"kind"}, "questions.1.description": {"车辆类型"}, "questions.1.datatype": {"singlevaluelist"},
			"questions.1.values": {"car | 小汽车 | Car\ntruck | 货车 | Truck\n\n"}, "questions.1.required": {"1"}, "questions.1.order": {"1"},
		}
		res = admin.PostForm("/categories/"+id+"/questions", good)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.Status, res.Body)
		}
		page = admin.Get(res.Header.Get("Location"))
		if !page.Contains("附加问题已保存。", `value="kind"`, "truck | 货车 | Truck", `name="questions.3.code"`) {
			t.Fatalf("after save: %s", page.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder_questions' AND entity_id = ? AND after LIKE '%truck%'", id); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
		// The public API lists them in their order; no login is needed.
		var got struct{ Questions []workorder.Question }
		res = e.Anonymous(t).Get("/api/v1/workorder-categories/" + id + "/questions")
		res.Decode(&got)
		if res.Status != http.StatusOK || len(got.Questions) != 2 || got.Questions[0].Code != "kind" || !got.Questions[0].Required ||
			len(got.Questions[0].Values) != 2 || got.Questions[1].DescriptionEN != "Number plate" {
			t.Fatalf("API: %d %s", res.Status, res.Body)
		}
		// Only settings.manage may change them, on the page or through the API.
		if res := e.Login(t, "dispatcher").Get("/categories/" + id + "/questions"); res.Status != http.StatusForbidden {
			t.Fatalf("dispatcher sees the editor: %d", res.Status)
		}
		put := map[string]any{"questions": []map[string]any{{"code": "x", "variable": true, "datatype": "number", "description": "数量"}}}
		if res := e.API(t, "dispatcher").JSON("PUT", "/api/v1/workorder-categories/"+id+"/questions", put); res.Status != http.StatusForbidden {
			t.Fatalf("dispatcher PUT: %d", res.Status)
		}
		api := e.API(t, "admin")
		res = api.JSON("PUT", "/api/v1/workorder-categories/"+id+"/questions",
			map[string]any{"questions": []map[string]any{{"code": "x", "variable": true, "datatype": "multivaluelist", "description": "时段"}}})
		if res.Status != http.StatusBadRequest || !res.Contains(`"questions.0.values"`, "至少要有一个选项") {
			t.Fatalf("PUT without choices: %d %s", res.Status, res.Body)
		}
		res = api.JSON("PUT", "/api/v1/workorder-categories/"+id+"/questions", put)
		res.Decode(&got)
		if res.Status != http.StatusOK || len(got.Questions) != 1 || got.Questions[0].Datatype != workorder.TypeNumber {
			t.Fatalf("PUT: %d %s", res.Status, res.Body)
		}
		if res := api.JSON("PUT", "/api/v1/workorder-categories/999999/questions", put); res.Status != http.StatusNotFound {
			t.Fatalf("unknown category: %d", res.Status)
		}
	})
}

// requirePetsAnimal makes the demo's pets question required (the demo's
// questions are all optional).
func requirePetsAnimal(t *testing.T, e *apptest.Env) {
	t.Helper()
	api := e.API(t, "admin")
	path := "/api/v1/workorder-categories/" + e.CategoryID(t, "PETS") + "/questions"
	var b struct {
		Questions []workorder.Question `json:"questions"`
	}
	api.Get(path).Decode(&b)
	if len(b.Questions) != 2 || b.Questions[0].Code != "animal" || b.Questions[0].Required {
		t.Fatalf("demo pets questions: %+v", b.Questions)
	}
	b.Questions[0].Required = true
	if res := api.JSON("PUT", path, b); res.Status != http.StatusOK {
		t.Fatalf("PUT: %d %s", res.Status, res.Body)
	}
}

func TestReportAnswersTheChosenCategorysQuestionsOnEveryIntakePath(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		requirePetsAnimal(t, e)
		anon := e.Anonymous(t)
		page := anon.Get("/report")
		if page.Status != http.StatusOK || !page.Contains(`data-question-key="MANHOLE"`, `name="answer.MANHOLE.cover_state"`,
			"井盖状态", "移位", `name="answer.NOISE.time_of_day"`, "questions.js") {
			t.Fatalf("report page: %s", page.Body)
		}
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		form := reportForm(szLat, szLng)
		form.Set("category", "PETS")
		// Another category's answers in the form are not this report's.
		form.Set("answer.MANHOLE.cover_state", "broken")
		form.Set("csrf", anon.CSRF())
		res := e.PostMultipart(t, anon, "/report", form)
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-answer.PETS.animal"`, "必填。") {
			t.Fatalf("without the required answer: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders") != orders {
			t.Fatal("a refused report was stored")
		}
		form.Set("answer.PETS.animal", "dog")
		form.Set("answer.PETS.leashed", "no")
		res = e.PostMultipart(t, anon, "/report", form)
		m := sentRe.FindStringSubmatch(res.Header.Get("Location"))
		if res.Status != http.StatusSeeOther || m == nil {
			t.Fatalf("report: %d %s", res.Status, res.Body)
		}
		id := e.ID(t, "workorders", "code", m[1])
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_answers WHERE order_id = ?", id); n != 2 {
			t.Fatalf("%d answer rows, want only the two of the pets' questions", n)
		}
		staff := e.Login(t, "dispatcher")
		detail := staff.Get("/orders/" + strconv.FormatInt(id, 10))
		if !detail.Contains("动物种类", `<dd class="answer">狗</dd>`, "是否拴绳") {
			t.Fatalf("detail page: %s", detail.Body)
		}
		var o struct {
			Answers []workorder.Answer `json:"answers"`
		}
		res = e.API(t, "dispatcher").Get("/api/v1/workorders/" + strconv.FormatInt(id, 10))
		res.Decode(&o)
		if len(o.Answers) != 2 || o.Answers[0].Code != "animal" || o.Answers[0].Values[0] != "dog" ||
			o.Answers[0].Choices[0].NameEN != "Dog" {
			t.Fatalf("order JSON answers: %s", res.Body)
		}

		// The JSON API: answers as strings and arrays; bad ones are named.
		body := map[string]any{"category": "NOISE", "description": "楼下广场舞音响太大声，每天都有", "lat": szLat, "lng": szLng,
			"answers": map[string]any{"time_of_day": []string{"evening", "moon"}, "last_heard": "昨晚"}}
		res = anon.JSON("POST", "/api/v1/public/reports", body)
		if res.Status != http.StatusBadRequest || !res.Contains(`"attribute[time_of_day]"`, "“moon”不是这个问题的选项。", `"attribute[last_heard]"`) {
			t.Fatalf("bad JSON answers: %d %s", res.Status, res.Body)
		}
		body["answers"] = map[string]any{"time_of_day": 3}
		if res = anon.JSON("POST", "/api/v1/public/reports", body); res.Status != http.StatusBadRequest || !res.Contains(`"answers"`) {
			t.Fatalf("a number for a list: %d %s", res.Status, res.Body)
		}
		body["answers"] = map[string]any{"time_of_day": []string{"evening", "night"}, "last_heard": "2026-11-28T21:30:00+08:00"}
		res = anon.JSON("POST", "/api/v1/public/reports", body)
		if res.Status != http.StatusCreated {
			t.Fatalf("JSON report: %d %s", res.Status, res.Body)
		}
		var sub workorder.Submitted
		res.Decode(&sub)
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_answers WHERE order_id = ?", sub.ID); n != 3 {
			t.Fatalf("JSON report: %d answer rows, want 3", n)
		}
		// Multipart: attribute[code] and attribute[code][].
		vals := url.Values{"category": {"NOISE"}, "description": {"工地夜间施工噪音很大，影响休息"},
			"attribute[time_of_day][]": {"night", "morning"}, "attribute[last_heard]": {"2026-11-28 23:10"}}
		res = e.PostMultipart(t, anon, "/api/v1/public/reports", vals)
		if res.Status != http.StatusCreated {
			t.Fatalf("multipart report: %d %s", res.Status, res.Body)
		}
		res.Decode(&sub)
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_answers WHERE order_id = ? AND (value = 'morning' OR value = '2026-11-28T23:10:00+08:00')", sub.ID); n != 2 {
			t.Fatalf("multipart answers: %d", n)
		}

		// The hotline intake form asks the same questions.
		op := e.Login(t, "operator")
		newPage := op.Get("/orders/new")
		manhole := e.CategoryID(t, "MANHOLE") // its question is optional
		if !newPage.Contains(`data-question-key="`+manhole+`"`, `name="answer.`+manhole+`.cover_state"`) {
			t.Fatalf("intake form: %s", newPage.Body)
		}
		call := url.Values{"category_id": {manhole}, "description": {"市民来电：学校门口井盖破了"}, "phone": {"13900139000"},
			"answer." + manhole + ".cover_state": {"broken"}}
		res = op.PostForm("/orders", call)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("intake: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorder_answers a JOIN workorders w ON w.id = a.order_id WHERE w.channel = 'hotline' AND a.value = 'broken'"); n != 1 {
			t.Fatalf("hotline answer rows %d", n)
		}
		// So does the staff API.
		api := e.API(t, "operator")
		call2 := map[string]any{"category_id": e.ID(t, "workorder_categories", "code", "PETS"), "description": "来电：小区里大狗不拴绳追人"}
		if res := api.JSON("POST", "/api/v1/workorders", call2); res.Status != http.StatusBadRequest || !res.Contains(`"attribute[animal]"`) {
			t.Fatalf("API intake without the required answer: %d %s", res.Status, res.Body)
		}
		call2["answers"] = map[string]any{"animal": "dog", "leashed": []string{"no"}}
		res = api.JSON("POST", "/api/v1/workorders", call2)
		if res.Status != http.StatusCreated || !res.Contains(`"answers":[{"code":"animal"`, `"name":"狗"`) {
			t.Fatalf("API intake: %d %s", res.Status, res.Body)
		}
		call.Set("answer."+manhole+".cover_state", "gone")
		if res = op.PostForm("/orders", call); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "“gone”不是这个问题的选项。") {
			t.Fatalf("intake with a bad answer: %d %s", res.Status, res.Body)
		}
	})
}
