package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/pii"
)

// TestBrowserVolunteerRegistersSignsUpChecksInAndOutAndSeesConfirmedHours
// is a volunteer's story on a 390×844 phone: registration, approval by the
// organiser at a desk, first login, sign-up, check-in by the organiser's
// rotating code, check-out, and the hours once the organiser confirms.
func TestBrowserVolunteerRegistersSignsUpChecksInAndOutAndSeesConfirmedHours(t *testing.T) {
	e := apptest.StartWith(t, db.SQLite, func(c *app.Config) { c.PIIKeys, c.PIIIndexKey = "k1:"+pii.NewKey(), pii.NewKey() })
	base := e.Server.URL
	cst := time.FixedZone("CST", 8*3600)
	shots := map[string][]byte{}
	shot := func(name string, ctx context.Context) { shots[name] = must(t, ctx, chromedp.FullScreenshot(90)) }

	// 1. Registration on the phone.
	first := "11010519900504" + "001"
	idNumber := first + string(pii.CheckChar(first))
	community := strconv.FormatInt(e.ID(t, "regions", "code", "511102-ZGQ-01"), 10)
	phone := slowBrowser(t, 390, 844)
	do(t, phone, chromedp.Navigate(base+"/volunteer/register"), chromedp.WaitVisible(`#f-name`),
		chromedp.SendKeys(`#f-name`, "林志愿"),
		chromedp.SetValue(`#f-gender`, "male"),
		chromedp.SetValue(`#f-birth_date`, "1990-05-04"),
		chromedp.SendKeys(`#f-id_number`, idNumber),
		chromedp.SendKeys(`#f-phone`, "13977770001"),
		chromedp.SetValue(`#f-region_id`, community),
		chromedp.Click(`#f-skill-first_aid`),
		chromedp.Click(`#f-slot-weekend_morning`),
	)
	shot("volunteer-register-phone.png", phone)
	do(t, phone, chromedp.Click(`form[action="/volunteer/register"] button[type=submit]`), chromedp.WaitVisible(`a[href="/login"].btn`))
	vid := e.ID(t, "volunteers", "phone", "13977770001")

	// 2. The organiser approves at a desk and reads out the initial password.
	desk := slowBrowser(t, 1280, 900)
	do(t, desk, chromedp.Navigate(base+"/login"))
	do(t, desk, append(login("organiser"), chromedp.WaitVisible(`#side`))...)
	do(t, desk, chromedp.Navigate(fmt.Sprintf("%s/volunteers/%d", base, vid)), chromedp.WaitVisible(`#vol-approve`),
		chromedp.Click(`#vol-approve`), chromedp.WaitVisible(`#vol-login-password`))
	password := strings.TrimSpace(must(t, desk, chromedp.Text(`#vol-login-password`)))
	shot("volunteer-approved-desk.png", desk)

	// An activity this morning, 09:30–10:30 (the clock stands at 09:00).
	o := e.Login(t, "organiser")
	res := o.PostForm("/activities", url.Values{"title": {"社区应急救护宣传"}, "region_id": {community}, "day": {"2026-11-29"},
		"start": {"09:30"}, "end": {"10:30"}, "capacity": {"10"}, "mode": {"instant"}, "cancel_hours": {"0"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create the activity: %d", res.Status)
	}
	aid := e.ID(t, "activities", "title", "社区应急救护宣传")
	mine := fmt.Sprintf("%s/my/activities/%d", base, aid)

	// 3. First login on the phone: the password must be changed.
	do(t, phone, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(`#f-username`),
		chromedp.SendKeys(`#f-username`, "13977770001"), chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`form[action="/login"] button[type=submit]`), chromedp.WaitVisible(`#f-new`),
		chromedp.SendKeys(`#f-current`, password), chromedp.SendKeys(`#f-new`, "Lin-Volunteer-2026"), chromedp.SendKeys(`#f-confirm`, "Lin-Volunteer-2026"),
		chromedp.Click(`form[action="/account/password"] button[type=submit]`),
		// The password page's own h1 would match at once: wait for its form to go.
		chromedp.WaitNotPresent(`#f-new`), chromedp.WaitVisible(`main h1`))

	// 4. Sign-up.
	do(t, phone, chromedp.Navigate(base+"/my/activities"), chromedp.WaitVisible(`#vol-my-activities`))
	if !has(t, phone, fmt.Sprintf(`a[href="/my/activities/%d"]`, aid)) {
		t.Fatalf("the activity is not listed: %s", must(t, phone, chromedp.OuterHTML(`main`)))
	}
	shot("volunteer-activities-phone.png", phone)
	do(t, phone, chromedp.Navigate(mine), chromedp.WaitVisible(`#vol-signup`), chromedp.Click(`#vol-signup`), chromedp.WaitVisible(`#vol-my-state`))
	if s := must(t, phone, chromedp.Text(`#vol-my-state`)); !strings.Contains(s, "已报名") {
		t.Fatalf("sign-up state %q", s)
	}

	// 5. Check-in by the organiser's rotating code, scanned into the phone.
	e.Clock.Set(time.Date(2026, 11, 29, 9, 25, 0, 0, cst))
	do(t, desk, chromedp.Navigate(fmt.Sprintf("%s/activities/%d/qr", base, aid)), chromedp.WaitVisible(`#vol-code`))
	code := strings.TrimSpace(must(t, desk, chromedp.Text(`#vol-code`)))
	shot("volunteer-qr-desk.png", desk)
	do(t, phone, chromedp.Navigate(fmt.Sprintf("%s/my/checkin?a=%d&c=%s", base, aid, code)), chromedp.WaitVisible(`#vol-check`))
	shot("volunteer-checkin-phone.png", phone)
	do(t, phone, chromedp.Click(`#vol-check`), chromedp.WaitVisible(`#vol-checked-in`))

	// 6. Check-out after the activity, typing the code on the screen.
	e.Clock.Set(time.Date(2026, 11, 29, 10, 40, 0, 0, cst))
	do(t, desk, chromedp.Navigate(fmt.Sprintf("%s/activities/%d/qr", base, aid)), chromedp.WaitVisible(`#vol-code`))
	code = strings.TrimSpace(must(t, desk, chromedp.Text(`#vol-code`)))
	do(t, phone, chromedp.Navigate(mine), chromedp.WaitVisible(`#vol-check`), chromedp.SendKeys(`#f-code`, code),
		chromedp.Click(`#vol-check`), chromedp.WaitVisible(`#vol-checked-out`))
	if s := must(t, phone, chromedp.Text(`#vol-att-state`)); !strings.Contains(s, "待确认") {
		t.Fatalf("before confirmation %q", s)
	}

	// 7. The organiser confirms; the volunteer sees the hour.
	do(t, desk, chromedp.Navigate(fmt.Sprintf("%s/activities/%d/attendance", base, aid)), chromedp.WaitVisible(`#vol-confirm-all`),
		chromedp.Click(`#vol-confirm-all`), chromedp.WaitVisible(`#vol-attendance-rows`))
	shot("volunteer-attendance-desk.png", desk)
	do(t, phone, chromedp.Navigate(base+"/my/volunteer"), chromedp.WaitVisible(`#vol-hours`))
	if h := must(t, phone, chromedp.Text(`#vol-hours`)); !strings.Contains(h, "1.0") {
		t.Fatalf("hours shown %q", h)
	}
	shot("volunteer-hours-phone.png", phone)

	dir := artefacts(t)
	for name, b := range shots {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
