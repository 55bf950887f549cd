package volunteerweb_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

func TestTeamsAndStationsPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		if n := e.Count(t, "SELECT COUNT(*) FROM teams"); n != 35 {
			t.Fatalf("demo teams: %d", n)
		}
		apptest.Want(t, "stations", o.Get("/stations"), http.StatusOK, "新时代文明实践中心", "新时代文明实践所", "新时代文明实践站")
		sid := e.ID(t, "stations", "level", "station")
		apptest.Want(t, "station", o.Get("/stations/"+apptest.Itoa(sid)), http.StatusOK, "实践站服务大厅")
		res := o.PostForm("/stations/"+apptest.Itoa(sid)+"/places", url.Values{"name": {"实践站服务大厅"}, "lat": {"29.5"}})
		apptest.Want(t, "bad place", res, http.StatusBadRequest, "该阵地已有同名场所", "纬度和经度要一起填写")
		res = o.PostForm("/stations/"+apptest.Itoa(sid)+"/places", url.Values{"name": {"社区广场"}, "address": {"广场路 8 号"}, "lat": {"29.5"}, "lng": {"103.7"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("place: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "teams", o.Get("/teams"), http.StatusOK, "红马甲志愿服务队")
		res = o.PostForm("/teams", url.Values{"name": {""}})
		apptest.Want(t, "bad team", res, http.StatusBadRequest, "必填")
		res = o.PostForm("/teams", url.Values{"name": {"测试志愿服务队"}, "region_id": {apptest.Itoa(e.ID(t, "regions", "code", "511102-ZGQ"))}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("team: %d %s", res.Status, res.Body)
		}
		tid := e.ID(t, "teams", "name", "测试志愿服务队")
		apptest.Want(t, "unknown number", o.PostForm("/teams/"+apptest.Itoa(tid)+"/members", url.Values{"number": {"ZY1999000001"}}),
			http.StatusBadRequest, "没有该编号的已审核志愿者")
		res = o.PostForm("/teams/"+apptest.Itoa(tid)+"/members", url.Values{"number": {"ZY2026000001"}, "leader": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("member: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "team page", o.Get("/teams/"+apptest.Itoa(tid)), http.StatusOK, "ZY2026000001")
		// A paired unit's staff team, with its English name.
		pid := e.Count(t, "SELECT MIN(id) FROM pairings")
		res = o.PostForm("/teams", url.Values{"name": {"结对单位干部志愿服务队"}, "name_en": {"Paired Unit Staff Volunteers"},
			"region_id": {apptest.Itoa(e.ID(t, "regions", "code", "511102-ZGQ"))}, "pairing_id": {apptest.Itoa(pid)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("pairing team: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM teams WHERE pairing_id = ? AND name_en = 'Paired Unit Staff Volunteers'", pid); n != 1 {
			t.Fatalf("pairing team saved %d", n)
		}
		apptest.Want(t, "handler", e.Login(t, "handler_zgq").Get("/teams"), http.StatusForbidden)
		apptest.Want(t, "missing team", o.Get("/teams/99999999"), http.StatusNotFound)
	})
}

func TestRankingsAndTiles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		apptest.Want(t, "rankings", o.Get("/volunteers/rankings"), http.StatusOK, "vol-rank-volunteers", "服务时长（小时）", "志愿服务队服务时长排行")
		apptest.Want(t, "bad day", o.Get("/volunteers/rankings?from=2026-02-30"), http.StatusBadRequest)
		apptest.Want(t, "tiles", o.Get("/"), http.StatusOK, "今年服务时长（小时）")
		apptest.Want(t, "handler", e.Login(t, "handler_zgq").Get("/volunteers/rankings"), http.StatusForbidden)
	})
}
