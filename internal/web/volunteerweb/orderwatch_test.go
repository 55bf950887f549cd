package volunteerweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// TestResidentsFindTheOrderPageAndWithdrawBeforeAssignment, on both
// engines: the public menu and a station's page link /serve (the station's
// link chooses it); the resident's page shows the texts sent and offers the
// withdrawal while no team is assigned; a too-long reason names the field
// in both languages and changes nothing; after the withdrawal the order is
// withdrawn and the station can no longer assign it.
func TestResidentsFindTheOrderPageAndWithdrawBeforeAssignment(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		anon := e.Anonymous(t)
		apptest.Want(t, "public menu", anon.Get("/login"), http.StatusOK, `href="/serve"`, "群众点单")
		station := e.Count(t, "SELECT MIN(id) FROM stations WHERE level = 'station'")
		o := e.Login(t, "organiser")
		apptest.Want(t, "station page", o.Get("/stations/"+apptest.Itoa(station)), http.StatusOK, `href="/serve?station_id=`+apptest.Itoa(station)+`"`)
		apptest.Want(t, "chosen station", anon.Get("/serve?station_id="+apptest.Itoa(station)), http.StatusOK,
			`value="`+apptest.Itoa(station)+`" selected`)
		res := anon.PostForm("/serve", url.Values{"station_id": {apptest.Itoa(station)}, "kind": {"haircut"}, "detail": {"老人上门理发"}, "phone": {"13900004321"}})
		loc := res.Header.Get("Location")
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/serve/") {
			t.Fatalf("order: %d %s", res.Status, res.Body)
		}
		code := strings.TrimPrefix(loc, "/serve/")
		apptest.Want(t, "texts and withdrawal offered", anon.Get(loc), http.StatusOK, "短信通知", code, `action="/serve/`+code+`/withdraw"`)
		long := url.Values{"reason": {strings.Repeat("长", 600)}}
		apptest.Want(t, "long reason", anon.PostForm(loc+"/withdraw", long), http.StatusBadRequest, "原因")
		en := e.Anonymous(t)
		en.Lang = "en"
		apptest.Want(t, "long reason in English", en.PostForm(loc+"/withdraw", long), http.StatusBadRequest, "Reason")
		if st := e.Count(t, "SELECT COUNT(*) FROM service_orders WHERE code = ? AND state = 'ordered'", code); st != 1 {
			t.Fatal("a bad withdrawal changed the order")
		}
		if res := anon.PostForm(loc+"/withdraw", url.Values{"reason": {"邻居帮忙了"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", res.Status, res.Body)
		}
		page := anon.Get(loc)
		apptest.Want(t, "withdrawn", page, http.StatusOK, "已撤单", "已撤回")
		if strings.Contains(page.Body, "/withdraw\"") {
			t.Fatal("withdrawal still offered")
		}
		apptest.Want(t, "withdrawn twice", anon.PostForm(loc+"/withdraw", nil), http.StatusConflict, "不能再撤回")
		id := e.ID(t, "service_orders", "code", code)
		team := e.Count(t, "SELECT MIN(id) FROM teams")
		apptest.Want(t, "assign a withdrawn order", o.PostForm("/service-orders/"+apptest.Itoa(id)+"/assign", url.Values{"team_id": {apptest.Itoa(team)}}),
			http.StatusConflict)
		apptest.Want(t, "the station sees the texts", o.Get("/service-orders/"+apptest.Itoa(id)), http.StatusOK, "已撤单", `id="order-texts"`)
	})
}
