package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// setOffline cuts (or restores) the phone's network: requests fail as
// without a connection, and navigator.onLine and the online/offline
// events follow.
func setOffline(offline bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		conds := []*network.Conditions{}
		if offline {
			conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return chromedp.Void{}, err
	}
}

// phoneViewport makes the page 390×844 CSS pixels, as on a phone
// (headless Chromium's window is at least 500 wide).
func phoneViewport() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true})
		return chromedp.Void{}, err
	}
}

func TestBrowserAnInspectorCompletesAChecklistOfflineAndItIsSentOnceWhenTheNetworkReturns(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	// The phone stamps the inspection with its own (real) clock.
	e.Clock.Set(time.Now())
	base := e.Server.URL
	// A back street the demo inspector's group (第一督导组) covers.
	var page struct {
		Items []struct {
			ID           int64
			SiteTypeName string `json:"site_type_name"`
		}
	}
	e.API(t, "inspector").Get("/api/v1/inspection/sites?size=500").Decode(&page)
	var site int64
	for _, s := range page.Items {
		if s.SiteTypeName == "背街小巷" {
			site = s.ID
			break
		}
	}
	if site == 0 {
		t.Fatal("no back street for the inspector")
	}
	mine := func() int64 {
		return e.Count(t, "SELECT COUNT(*) FROM inspections i JOIN users u ON u.id = i.inspector_id WHERE u.username = 'inspector' AND i.client_key NOT LIKE 'demo-%'")
	}

	phone := slowBrowser(t, 390, 844)
	do(t, phone, phoneViewport(), chromedp.Navigate(base+"/login"))
	do(t, phone, login("inspector")...)
	do(t, phone, chromedp.Navigate(base+"/inspection/sites/"+apptest.Itoa(site)+"/inspect"), chromedp.WaitVisible(`#insp-form`))
	// Every item passes but the first: a failure with two findings, a photo and a note.
	if _, err := chromedp.Run(phone, chromedp.Evaluate[int](`(function () {
		var sets = document.querySelectorAll('#insp-form .insp-item');
		sets.forEach(function (fs, i) {
			var r = fs.querySelector('input[value="' + (i === 0 ? 'fail' : 'pass') + '"]');
			r.checked = true;
			r.dispatchEvent(new Event('change', {bubbles: true}));
		});
		return sets.length;
	})()`)); err != nil {
		t.Fatalf("fill in: %v", err)
	}
	first := `#insp-form .insp-item:first-of-type`
	do(t, phone,
		chromedp.WaitVisible(first+` input[type=file]`),
		chromedp.SetValue(first+` input[type=number]`, "2"),
		chromedp.SetUploadFiles(first+` input[type=file]`, []string{photoFile(t, "back-street.jpg", 60)}),
		chromedp.SendKeys(first+` input[type=text]`, "墙面有小广告两处"),
	)
	shotForm := must(t, phone, chromedp.FullScreenshot(90))

	// The network drops; the inspector submits: the inspection waits on the phone.
	do(t, phone, setOffline(true))
	do(t, phone, chromedp.Click(`#insp-form button[type=submit]`), chromedp.WaitVisible(`#insp-outbox li`))
	if txt := must(t, phone, chromedp.Text(`#insp-outbox`)); !strings.Contains(txt, "待上传") {
		t.Fatalf("outbox says %q", txt)
	}
	shotPending := must(t, phone, chromedp.FullScreenshot(90))
	time.Sleep(1500 * time.Millisecond) // the outbox retries on its own; nothing gets through
	if n := mine(); n != 0 {
		t.Fatalf("%d inspections stored while offline", n)
	}

	// The network returns: the outbox sends it once and opens the result.
	do(t, phone, setOffline(false), chromedp.WaitVisible(`.insp-score`))
	if n := mine(); n != 1 {
		t.Fatalf("%d inspections after the network returned, want 1", n)
	}
	shotSent := must(t, phone, chromedp.FullScreenshot(90))
	// Nothing waits any more, and asking the outbox to send again sends nothing.
	do(t, phone, chromedp.Navigate(base+"/inspection/my"), chromedp.WaitVisible(`main h1`))
	if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`(window.wenmingInspectionFlush ? window.wenmingInspectionFlush() : null, true)`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if left := must(t, phone, chromedp.Evaluate[string](`document.documentElement.dataset.outbox || '0'`)); left != "0" {
		t.Fatalf("%s inspections still waiting", left)
	}
	if n := mine(); n != 1 {
		t.Fatalf("%d inspections, want exactly 1", n)
	}
	if e.Count(t, "SELECT COUNT(*) FROM inspection_results r JOIN inspections i ON i.id = r.inspection_id JOIN users u ON u.id = i.inspector_id WHERE u.username = 'inspector' AND i.client_key NOT LIKE 'demo-%' AND r.outcome = 'fail' AND r.count = 2 AND r.photo_id IS NOT NULL AND r.note = '墙面有小广告两处'") != 1 {
		t.Fatal("the failure did not arrive with its count, photo and note")
	}
	shotMy := must(t, phone, chromedp.FullScreenshot(90))

	dir := artefacts(t)
	for name, b := range map[string][]byte{"inspection-phone-form.png": shotForm, "inspection-phone-offline-pending.png": shotPending,
		"inspection-phone-sent.png": shotSent, "inspection-phone-my-round.png": shotMy} {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}
