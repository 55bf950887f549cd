package volunteerweb_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
)

var codeRe = regexp.MustCompile(`id="vol-code">(\d{8})<`)

func TestCheckInByCodeOutAndConfirmedHours(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		region := apptest.Itoa(e.ID(t, "regions", "code", "511102-ZGQ-01"))
		res := o.PostForm("/activities", url.Values{"title": {"周日清扫"}, "region_id": {region}, "day": {"2026-11-29"}, "start": {"09:00"},
			"end": {"11:00"}, "capacity": {"5"}, "mode": {"instant"}, "cancel_hours": {"0"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		aid := apptest.Itoa(e.ID(t, "activities", "title", "周日清扫"))
		// The clock stands at 09:00 on the day (the activity's start): sign-up has closed.
		e.Clock.Set(time.Date(2026, 11, 29, 8, 40, 0, 0, time.FixedZone("CST", 8*3600)))
		v := e.Login(t, "volunteer")
		if res := v.PostForm("/my/activities/"+aid+"/signup", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("sign up: %d %s", res.Status, res.Body)
		}
		qr := o.Get("/activities/" + aid + "/qr")
		m := codeRe.FindStringSubmatch(qr.Body)
		if m == nil {
			t.Fatalf("no code: %s", qr.Body)
		}
		if png := o.Get("/activities/" + aid + "/qr.png"); png.Status != http.StatusOK || !strings.HasPrefix(png.Body, "\x89PNG") {
			t.Fatalf("qr image %d", png.Status)
		}
		apptest.Want(t, "volunteer QR", v.Get("/activities/"+aid+"/qr"), http.StatusForbidden)
		e.Clock.Advance(3 * time.Minute)
		apptest.Want(t, "stale code", v.PostForm("/my/activities/"+aid+"/checkin", url.Values{"code": {m[1]}}), http.StatusBadRequest, "签到码无效或已过期")
		m = codeRe.FindStringSubmatch(o.Get("/activities/" + aid + "/qr").Body)
		res = v.Get("/my/checkin?a=" + aid + "&c=" + m[1])
		if res.Status != http.StatusSeeOther {
			t.Fatalf("scan landing %d", res.Status)
		}
		apptest.Want(t, "prefilled", v.Get(res.Header.Get("Location")), http.StatusOK, `value="`+m[1]+`"`)
		if res := v.PostForm("/my/activities/"+aid+"/checkin", url.Values{"code": {m[1]}}); res.Status != http.StatusSeeOther {
			t.Fatalf("check in: %d %s", res.Status, res.Body)
		}
		e.Clock.Set(time.Date(2026, 11, 29, 11, 5, 0, 0, time.FixedZone("CST", 8*3600)))
		o, v = e.Login(t, "organiser"), e.Login(t, "volunteer") // the sessions timed out while they served
		m = codeRe.FindStringSubmatch(o.Get("/activities/" + aid + "/qr").Body)
		if res := v.PostForm("/my/activities/"+aid+"/checkout", url.Values{"code": {m[1]}}); res.Status != http.StatusSeeOther {
			t.Fatalf("check out: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "not yet credited", v.Get("/my/activities/"+aid), http.StatusOK, "已签退，待确认")
		before := v.Get("/my/volunteer").Body
		apptest.Want(t, "attendance", o.Get("/activities/"+aid+"/attendance"), http.StatusOK, "确认时长", "扫码")
		if res := o.PostForm("/activities/"+aid+"/attendance/confirm", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "credited", v.Get("/my/activities/"+aid), http.StatusOK, "时长已确认", "2.0 小时")
		apptest.Want(t, "record", v.Get("/my/volunteer"), http.StatusOK, "志愿服务记录", "周日清扫")
		after := v.Get("/my/volunteer").Body
		if before == after {
			t.Fatal("the volunteer's hours did not change")
		}
		// A late entry: proposed by one organiser, refused to the same, approved by the admin.
		res = o.PostForm("/activities/"+aid+"/attendance/changes", url.Values{"number": {"ZY2026000002"}, "checkin": {"09:00"}, "checkout": {"10:00"}, "reason": {"无手机，现场登记"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("propose: %d %s", res.Status, res.Body)
		}
		cid := apptest.Itoa(e.ID(t, "attendance_changes", "reason", "无手机，现场登记"))
		apptest.Want(t, "own approval", o.PostForm("/activities/"+aid+"/attendance/changes/"+cid+"/approve", nil), http.StatusConflict, "另一名组织者审核")
		if res := e.Login(t, "admin").PostForm("/activities/"+aid+"/attendance/changes/"+cid+"/approve", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("second person: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM attendance WHERE state = 'confirmed' AND activity_id = ?", e.ID(t, "activities", "title", "周日清扫")) != 2 {
			t.Fatal("late entry not credited")
		}
	})
}
