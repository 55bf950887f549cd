package volunteerweb_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

func TestActivitiesSignUpAndCancel(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		apptest.Want(t, "list", o.Get("/activities"), http.StatusOK, "/activities/new", "志愿服务队")
		apptest.Want(t, "form", o.Get("/activities/new"), http.StatusOK, "实践站服务大厅")
		region := apptest.Itoa(e.ID(t, "regions", "code", "511102-ZGQ-01"))
		bad := url.Values{"title": {""}, "region_id": {region}, "day": {"2026-12-06"}, "start": {"10:00"}, "end": {"09:00"}, "capacity": {"0"}, "mode": {"instant"}}
		before := e.Count(t, "SELECT COUNT(*) FROM activities")
		apptest.Want(t, "bad activity", o.PostForm("/activities", bad), http.StatusBadRequest, "必填", "结束时间要晚于开始时间")
		if e.Count(t, "SELECT COUNT(*) FROM activities") != before {
			t.Fatal("a bad activity was saved")
		}
		good := url.Values{"title": {"社区义诊"}, "region_id": {region}, "day": {"2026-12-06"}, "start": {"09:00"}, "end": {"11:00"},
			"capacity": {"1"}, "mode": {"confirm"}, "cancel_hours": {"2"}}
		res := o.PostForm("/activities", good)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		aid := e.ID(t, "activities", "title", "社区义诊")
		v := e.Login(t, "volunteer")
		apptest.Want(t, "upcoming", v.Get("/my/activities"), http.StatusOK, "社区义诊")
		res = v.PostForm("/my/activities/"+apptest.Itoa(aid)+"/signup", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("sign up: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "requested", v.Get("/my/activities/"+apptest.Itoa(aid)), http.StatusOK, "待确认")
		apptest.Want(t, "again", v.PostForm("/my/activities/"+apptest.Itoa(aid)+"/signup", nil), http.StatusConflict, "您已报名本活动")
		sid := e.ID(t, "signups", "activity_id", aid)
		res = o.PostForm("/activities/"+apptest.Itoa(aid)+"/signups/"+apptest.Itoa(sid)+"/confirm", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "confirmed", v.Get("/my/activities/"+apptest.Itoa(aid)), http.StatusOK, "已报名", "1 / 1")
		apptest.Want(t, "notice", v.Get("/notifications"), http.StatusOK, "报名已确认")
		res = v.PostForm("/my/activities/"+apptest.Itoa(aid)+"/cancel", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("cancel: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "organiser sees", o.Get("/activities/"+apptest.Itoa(aid)), http.StatusOK, "已取消", "0 / 1")
		apptest.Want(t, "a volunteer cannot organise", v.Get("/activities"), http.StatusForbidden)
		apptest.Want(t, "other scope", e.Login(t, "handler_zgq").Get("/activities/"+apptest.Itoa(aid)), http.StatusForbidden)
		apptest.Want(t, "missing", v.Get("/my/activities/99999999"), http.StatusNotFound)
	})
}

func TestGenerateFromARule(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		pid := e.Count(t, "SELECT MIN(id) FROM projects")
		apptest.Want(t, "project", o.Get("/projects/"+apptest.Itoa(pid)), http.StatusOK, "按重复规则生成活动", "5,15,25")
		place := apptest.Itoa(e.ID(t, "places", "name", "实践所活动室"))
		vals := url.Values{"kind": {"month_days"}, "month_days": {"5,15,25"}, "except": {"2027-01-15"}, "from": {"2027-01-01"}, "to": {"2027-02-28"},
			"title": {"文明实践日"}, "place_id": {place}, "start": {"09:00"}, "end": {"11:00"}, "capacity": {"20"}, "mode": {"instant"}, "cancel_hours": {"2"}}
		bad := url.Values{}
		for k, v := range vals {
			bad[k] = v
		}
		bad.Set("month_days", "5,32")
		before := e.Count(t, "SELECT COUNT(*) FROM activities")
		apptest.Want(t, "bad rule", o.PostForm("/projects/"+apptest.Itoa(pid)+"/generate", bad), http.StatusBadRequest, "须在 1 到 31 之间")
		if e.Count(t, "SELECT COUNT(*) FROM activities") != before {
			t.Fatal("a bad rule saved activities")
		}
		apptest.Want(t, "generate", o.PostForm("/projects/"+apptest.Itoa(pid)+"/generate", vals), http.StatusOK, "已生成 5 场活动")
		apptest.Want(t, "again", o.PostForm("/projects/"+apptest.Itoa(pid)+"/generate", vals), http.StatusOK, "已生成 0 场活动，5 个日期")
	})
}
