package volunteerweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// TestResidentOrdersAndRates runs 群众点单 → 中心派单 → 志愿者接单 → 群众评单
// through the pages on both engines: a resident without an account orders
// on the public page, the organiser assigns the order to a team of the
// street, the team's leader (the demo volunteer) accepts and reports it
// done on the phone, and the resident rates it with the order's code.
func TestResidentOrdersAndRates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		team := e.Count(t, `SELECT m.team_id FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id JOIN users u ON u.id = v.user_id
			WHERE u.username = 'volunteer' AND m.leader ORDER BY m.team_id LIMIT 1`)
		station := e.Count(t, `SELECT MIN(st.id) FROM stations st JOIN regions r ON r.id = st.region_id
			WHERE st.level = 'station' AND r.parent_id = (SELECT region_id FROM teams WHERE id = ?)`, team)
		anon := e.Anonymous(t)
		apptest.Want(t, "order page", anon.Get("/serve"), http.StatusOK, "群众点单", `name="station_id"`, "新时代文明实践站", "义务理发")
		before := e.Count(t, "SELECT COUNT(*) FROM service_orders")
		bad := url.Values{"station_id": {apptest.Itoa(station)}, "kind": {"haircut"}, "detail": {""}, "phone": {"12345"}}
		apptest.Want(t, "bad order", anon.PostForm("/serve", bad), http.StatusBadRequest, "必填", "电话")
		if e.Count(t, "SELECT COUNT(*) FROM service_orders") != before {
			t.Fatal("a bad order was saved")
		}
		good := url.Values{"station_id": {apptest.Itoa(station)}, "kind": {"repair"}, "detail": {"空调不制冷，老人怕热"}, "phone": {"13900001234"},
			"name": {"李阿姨"}, "address": {"3栋2单元"}}
		res := anon.PostForm("/serve", good)
		loc := res.Header.Get("Location")
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/serve/") {
			t.Fatalf("order: %d %s", res.Status, res.Body)
		}
		code := strings.TrimPrefix(loc, "/serve/")
		page := anon.Get(loc)
		apptest.Want(t, "resident's page", page, http.StatusOK, code, "待派单", "家电维修")
		if strings.Contains(page.Body, "13900001234") {
			t.Fatal("the public page shows the phone")
		}
		id := e.ID(t, "service_orders", "code", code)
		o := e.Login(t, "organiser")
		apptest.Want(t, "list", o.Get("/service-orders?state=ordered"), http.StatusOK, code)
		apptest.Want(t, "bad filter", o.Get("/service-orders?state=lost"), http.StatusBadRequest)
		apptest.Want(t, "order", o.Get("/service-orders/"+apptest.Itoa(id)), http.StatusOK, "13900001234", `name="team_id"`)
		apptest.Want(t, "no team", o.PostForm("/service-orders/"+apptest.Itoa(id)+"/assign", url.Values{}), http.StatusBadRequest, "必填")
		if res := o.PostForm("/service-orders/"+apptest.Itoa(id)+"/assign", url.Values{"team_id": {apptest.Itoa(team)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", res.Status, res.Body)
		}
		v := e.Login(t, "volunteer")
		apptest.Want(t, "leader's inbox", v.Get("/notifications"), http.StatusOK, code)
		apptest.Want(t, "leader's list", v.Get("/my/service-orders"), http.StatusOK, code)
		my := "/my/service-orders/" + apptest.Itoa(id)
		apptest.Want(t, "leader's order", v.Get(my), http.StatusOK, "接单", "13900001234")
		if res := v.PostForm(my+"/accept", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "accept twice", v.PostForm(my+"/accept", nil), http.StatusConflict, "不能进行此操作")
		apptest.Want(t, "done without minutes", v.PostForm(my+"/done", url.Values{"note": {"修好了"}, "volunteers": {"2"}, "minutes": {"0"}}),
			http.StatusBadRequest, "须在 1 到 1440 之间")
		if res := v.PostForm(my+"/done", url.Values{"note": {"清洗空调滤网，补充冷媒"}, "volunteers": {"2"}, "minutes": {"90"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("done: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "served", anon.Get(loc), http.StatusOK, "已服务", `name="rating"`)
		if res := anon.PostForm(loc+"/rate", url.Values{"rating": {"5"}, "comment": {"很及时"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("rate: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "rated", anon.Get(loc), http.StatusOK, "已评单", "★★★★★", "很及时")
		apptest.Want(t, "rated twice", anon.PostForm(loc+"/rate", url.Values{"rating": {"1"}}), http.StatusConflict)
		apptest.Want(t, "organiser sees the rating", o.Get("/service-orders/"+apptest.Itoa(id)), http.StatusOK, "已评单", "清洗空调滤网", "1.5")
		apptest.Want(t, "unknown code", anon.Get("/serve/NOSUCHCODE"), http.StatusNotFound)
		apptest.Want(t, "not an organiser", e.Login(t, "handler_zgq").Get("/service-orders/"+apptest.Itoa(id)), http.StatusForbidden)
		apptest.Want(t, "a volunteer is no station", v.Get("/service-orders"), http.StatusForbidden)
		en := e.Anonymous(t)
		en.Lang = "en"
		apptest.Want(t, "English", en.Get(loc), http.StatusOK, "My order", "Rated", "Appliance repair")
		apptest.Want(t, "demo orders", o.Get("/service-orders"), http.StatusOK, "DEMO")
	})
}
