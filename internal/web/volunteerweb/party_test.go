package volunteerweb_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/clock"
)

// TestPartyMembersReportToTheirUnits: the demo registers 2,300 working
// Party members; an organiser registers one more with their home
// community, writes a service on the form, sends last quarter's report,
// and the employer's user (the city management bureau's handler) finds it
// in the inbox and signs for it once.
func TestPartyMembersReportToTheirUnits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		if n := e.Count(t, "SELECT COUNT(*) FROM party_members"); n != 2300 {
			t.Fatalf("%d demo party members", n)
		}
		o := e.Login(t, "organiser")
		apptest.Want(t, "list", o.Get("/party-members"), http.StatusOK, "在职党员到社区报到", "DY")
		unit := e.ID(t, "units", "code", "DEPT-CG")
		community := e.Count(t, "SELECT MAX(id) FROM regions WHERE level = 'community'")
		bad := url.Values{"name": {""}, "phone": {"12"}, "unit_id": {apptest.Itoa(unit)}, "region_id": {apptest.Itoa(community)}, "roles": {"building_leader"}}
		apptest.Want(t, "bad", o.PostForm("/party-members", bad), http.StatusBadRequest, "必填", "请填写有效的手机号码", "楼栋长须填写所在楼栋")
		good := url.Values{"name": {"孙红梅"}, "phone": {"13977778888"}, "unit_id": {apptest.Itoa(unit)}, "region_id": {apptest.Itoa(community)},
			"building": {"5栋"}, "roles": {"building_leader"}, "posts": {"policy", "safety"}}
		res := o.PostForm("/party-members", good)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		loc := res.Header.Get("Location")
		apptest.Want(t, "card", o.Get(loc), http.StatusOK, "服务卡", "DY", "楼栋长", "政策宣讲岗")
		today := e.Clock.Now().In(clock.CST)
		year, q := today.Year(), (int(today.Month())+2)/3-1
		if q == 0 {
			year, q = year-1, 4
		}
		first := map[int]string{1: "-01-", 2: "-04-", 3: "-07-", 4: "-10-"}[q]
		day := strconv.Itoa(year) + first + "15"
		if res := o.PostForm(loc+"/services", url.Values{"day": {day}, "content": {"楼栋政策宣讲"}, "minutes": {"90"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("service: %d %s", res.Status, res.Body)
		}
		send := url.Values{"region_id": {apptest.Itoa(community)}, "year": {strconv.Itoa(today.Year())}, "quarter": {strconv.Itoa((int(today.Month()) + 2) / 3)}}
		apptest.Want(t, "the open quarter", o.PostForm("/party-reports", send), http.StatusBadRequest, "该季度尚未结束")
		send.Set("year", strconv.Itoa(year))
		send.Set("quarter", strconv.Itoa(q))
		if res := o.PostForm("/party-reports", send); res.Status != http.StatusSeeOther {
			t.Fatalf("send: %d %s", res.Status, res.Body)
		}
		rid := e.Count(t, "SELECT id FROM party_reports WHERE region_id = ? AND unit_id = ?", community, unit)
		page := o.Get("/party-reports/" + apptest.Itoa(rid))
		apptest.Want(t, "report", page, http.StatusOK, "孙红梅", "1.5", "待签收")
		if strings.Contains(page.Body, `id="party-sign"`) {
			t.Fatal("the community may sign its own report")
		}
		h := e.Login(t, "handler_cg")
		apptest.Want(t, "unit inbox", h.Get("/notifications"), http.StatusOK, "请签收")
		apptest.Want(t, "unit's list", h.Get("/party-reports"), http.StatusOK, "/party-reports/"+apptest.Itoa(rid))
		apptest.Want(t, "unit's report", h.Get("/party-reports/"+apptest.Itoa(rid)), http.StatusOK, `id="party-sign"`)
		if res := h.PostForm("/party-reports/"+apptest.Itoa(rid)+"/sign", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("sign: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "signed twice", h.PostForm("/party-reports/"+apptest.Itoa(rid)+"/sign", nil), http.StatusConflict, "已签收")
		apptest.Want(t, "community sees it signed", o.Get("/party-reports/"+apptest.Itoa(rid)), http.StatusOK, "刘德勇")
		apptest.Want(t, "another unit", e.Login(t, "handler_zgq").Get("/party-reports/"+apptest.Itoa(rid)), http.StatusNotFound)
		apptest.Want(t, "a handler cannot register", h.Get("/party-members"), http.StatusForbidden)
	})
}
