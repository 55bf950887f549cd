package browsertest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// photoFile writes a real 320×240 JPEG (a street scene's stand-in) into
// the test's folder and returns its path, for chromedp.SetUploadFiles.
func photoFile(t *testing.T, name string, tint uint8) string {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			m.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 240), tint, 255})
		}
	}
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, m, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return p
}

// step opens one step's form from the order page's toolbar (its button,
// a <details> summary), submits it and waits for the page that comes back
// without that form (the step is no longer allowed).
func step(action string, fill ...chromedp.Action[chromedp.Void]) []chromedp.Action[chromedp.Void] {
	form := "#step-" + action
	out := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible("#d-" + action + " > summary"),
		chromedp.Click("#d-" + action + " > summary"), chromedp.WaitVisible(form)}
	out = append(out, fill...)
	return append(out, chromedp.Click(form+` button[type=submit]`), chromedp.WaitNotPresent(form), chromedp.WaitVisible(`main h1`))
}

func has(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return must(t, ctx, chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote(sel)+`) !== null`))
}

// slowBrowser is browser with room for the whole story: starting Chromium
// alone takes tens of seconds on a busy two-core machine.
func slowBrowser(t *testing.T, width, height int) context.Context {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"), chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

var codeRe = regexp.MustCompile(`^[0-9A-Z]{10}$`)

func TestBrowserCitizenReportsOnAPhoneStaffResolveItAndTheCitizenRatesIt(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	base := e.Server.URL
	state := func(id int64, want string) {
		t.Helper()
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND state = ?", id, want) != 1 {
			t.Fatalf("order %d is not %s", id, want)
		}
	}

	// 1. The citizen, on a phone, without an account: category, text, the
	// place tapped on the map (no GPS here), one photo, name and phone.
	phone := slowBrowser(t, 390, 844)
	do(t, phone, chromedp.Navigate(base+"/report"), chromedp.WaitVisible(`#report-form`))
	do(t, phone,
		chromedp.SetValue(`#f-category`, "STREET_VENDING"),
		chromedp.SendKeys(`#f-description`, "人行道上有流动摊贩占道经营，行人只能走到机动车道上"),
		chromedp.SendKeys(`#f-address`, "嘉定北路 12 号门口"),
		chromedp.SetUploadFiles(`#f-photos-album`, []string{photoFile(t, "street.jpg", 90)}),
		chromedp.SendKeys(`#f-name`, "王女士"),
		chromedp.SendKeys(`#f-phone`, "13800138000"),
	)
	if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.getElementById('f-category').dispatchEvent(new Event('change', {bubbles: true}))`)); err != nil {
		t.Fatalf("change event: %v", err)
	}
	// Zoomed in twice around a first tap, the second tap picks the street.
	tapMap(t, phone, 29.5648, 103.7627)
	do(t, phone, chromedp.Click(`#map-zoom-in`), chromedp.Click(`#map-zoom-in`))
	if vb := must(t, phone, chromedp.Evaluate[string](`document.getElementById('city-map').getAttribute('viewBox')`)); strings.HasPrefix(vb, "0 0 ") {
		t.Fatalf("zooming did not narrow the map: viewBox %q", vb)
	}
	tapMap(t, phone, 29.5648, 103.7627)
	must(t, phone, chromedp.Poll[bool](`document.getElementById('place-region').textContent.includes('市中区')`, chromedp.WithPollingTimeout(10*time.Second)))
	if got := must(t, phone, chromedp.Text(`#place-region`)); !strings.Contains(got, "市中区 › ") {
		t.Fatalf("the tapped place is named %q, want 市中区 and its street", got)
	}
	shotForm := must(t, phone, chromedp.FullScreenshot(90))
	do(t, phone, chromedp.Click(`#report-send`), chromedp.WaitVisible(`#tracking-code`))
	code := strings.TrimSpace(must(t, phone, chromedp.Text(`#tracking-code`)))
	if !codeRe.MatchString(code) {
		t.Fatalf("tracking code %q", code)
	}
	shotCode := must(t, phone, chromedp.FullScreenshot(90))
	id := e.ID(t, "workorders", "code", code)
	state(id, "submitted")
	if e.Count(t, "SELECT COUNT(*) FROM workorder_attachments WHERE order_id = ?", id) != 1 {
		t.Fatal("the photo did not come with the report")
	}
	if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND channel = 'snap' AND reporter_phone = '13800138000' AND lat BETWEEN 29.55 AND 29.58 AND lng BETWEEN 103.75 AND 103.78", id) != 1 {
		t.Fatal("the report is not a snap report with the tapped place and its phone")
	}
	if e.Count(t, "SELECT COUNT(*) FROM workorders w JOIN regions r ON r.id = w.region_id JOIN regions d ON d.code = '511102' WHERE w.id = ? AND r.level <> 'district' AND r.path LIKE d.path || '%'", id) != 1 {
		t.Fatal("the tapped report is not placed below 市中区 (street precision)")
	}
	order := base + "/orders/" + strconv.FormatInt(id, 10)

	// 2. The dispatcher, at a desk: accept, then dispatch to city management.
	desk := slowBrowser(t, 1280, 900)
	do(t, desk, chromedp.Navigate(base+"/login"))
	do(t, desk, append(login("dispatcher"), chromedp.WaitVisible(`#side`))...)
	do(t, desk, chromedp.Navigate(order), chromedp.WaitVisible(`#d-accept`))
	do(t, desk, step("accept")...)
	state(id, "accepted")
	cg := strconv.FormatInt(e.ID(t, "units", "code", "DEPT-CG"), 10)
	do(t, desk, step("dispatch", chromedp.SetValue(`#f-dispatch-unit_id`, cg))...)
	state(id, "dispatched")

	// 3. City management's handler, at the same desk after the dispatcher
	// logs out, acknowledges and resolves it with a photo.
	unit := desk
	do(t, unit, chromedp.Click(`form[action="/logout"] button[type=submit]`), chromedp.WaitVisible(`#f-username`))
	do(t, unit, append(login("handler_cg"), chromedp.WaitVisible(`#side`))...)
	do(t, unit, chromedp.Navigate(order), chromedp.WaitVisible(`#d-acknowledge`))
	do(t, unit, step("acknowledge")...)
	state(id, "acknowledged")
	if !has(t, unit, `#step-resolve[enctype="multipart/form-data"] input[type=file][name=photos]`) {
		t.Fatal("the resolve form takes no evidence photo")
	}
	do(t, unit, step("resolve", chromedp.SendKeys(`#f-resolve-note`, "摊贩已劝离，已安排每日巡查"),
		chromedp.SetUploadFiles(`#step-resolve input[type=file]`, []string{photoFile(t, "fixed.jpg", 200)}))...)
	state(id, "resolved")
	if e.Count(t, `SELECT COUNT(*) FROM workorder_attachments a JOIN workorder_events ev ON ev.id = a.event_id
		WHERE a.order_id = ? AND ev.action = 'resolve'`, id) != 1 {
		t.Fatal("the resolution's photo is not on the timeline")
	}
	if !has(t, unit, `tr.event[data-action="resolve"] a[href$="/public"] img[src$="/thumb"]`) {
		t.Fatal("the timeline shows no thumbnail of the resolution's photo")
	}

	// 4. The dispatcher checks the resolution (the citizen rates verified orders).
	do(t, desk, chromedp.Click(`form[action="/logout"] button[type=submit]`), chromedp.WaitVisible(`#f-username`))
	do(t, desk, append(login("dispatcher"), chromedp.WaitVisible(`#side`))...)
	do(t, desk, chromedp.Navigate(order), chromedp.WaitVisible(`#d-verify`))
	do(t, desk, step("verify")...)
	state(id, "verified")
	shotOrder := must(t, desk, chromedp.FullScreenshot(90))

	// 5. The citizen, back on the phone, follows the code and rates it.
	do(t, phone, chromedp.Navigate(base+"/track/"+code), chromedp.WaitVisible(`#rate`))
	if got := must(t, phone, chromedp.Text(`#tracking-code`)); got != code {
		t.Fatalf("the tracking page shows %q", got)
	}
	if body := must(t, phone, chromedp.Text(`main`)); strings.Contains(body, "王女士") || strings.Contains(body, "13800138000") {
		t.Fatal("the public tracking page shows the reporter's name or phone")
	}
	do(t, phone,
		chromedp.Click(`#rate input[name=rating][value=satisfied]`),
		chromedp.SendKeys(`#f-phone_tail`, "8000"),
		chromedp.SendKeys(`#f-comment`, "处理很快，谢谢"),
		chromedp.Click(`#rate button[type=submit]`),
		chromedp.WaitNotPresent(`#rate`),
		chromedp.WaitVisible(`.flash`),
	)
	state(id, "callback_done")
	if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND satisfaction = 'satisfied'", id) != 1 {
		t.Fatal("the rating was not recorded")
	}
	shotTrack := must(t, phone, chromedp.FullScreenshot(90))

	dir := artefacts(t)
	for name, b := range map[string][]byte{"citizen-report-form-phone.png": shotForm, "citizen-tracking-code-phone.png": shotCode,
		"citizen-order-detail-dispatcher.png": shotOrder, "citizen-track-rated-phone.png": shotTrack} {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}

// tapMap taps the report page's map where the point (lat, lng) is drawn,
// through the page's own projection (the data-* edges of #city-map).
func tapMap(t *testing.T, ctx context.Context, lat, lng float64) {
	t.Helper()
	do(t, ctx, chromedp.ScrollIntoView(`#city-map`))
	xy := must(t, ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(function () {
		var m = document.getElementById("city-map"), d = m.dataset;
		var p = m.createSVGPoint();
		p.x = (%[2]f - d.west) / (d.east - d.west) * d.w;
		p.y = (d.north - %[1]f) / (d.north - d.south) * d.h;
		var q = p.matrixTransform(m.getScreenCTM());
		return [q.x, q.y];
	})()`, lat, lng)))
	if len(xy) != 2 {
		t.Fatalf("no map point: %v", xy)
	}
	do(t, ctx, chromedp.MouseClickXY(xy[0], xy[1]))
}
