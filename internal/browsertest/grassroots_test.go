package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// A grid worker on a phone logs a visit with a photo and a need; the need
// becomes a work order the visit shows. Then, with the network gone, a
// second visit is kept on the phone as 待上传 and sent once when the
// network is back.
func TestBrowserGridWorkerLogsAVisitWithAPhotoAndANeedOnAPhone(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	phone := slowBrowser(t, 390, 844)
	base := e.Server.URL
	hid := e.Count(t, "SELECT MIN(id) FROM gr_households WHERE region_id = ?", e.ID(t, "regions", "code", "511102-ZGQ-01-G1"))
	cat := e.CategoryID(t, "WATER")

	visits0 := e.Count(t, "SELECT COUNT(*) FROM gr_visits WHERE household_id = ?", hid)
	orders0 := e.Count(t, "SELECT COUNT(*) FROM gr_visits v JOIN workorders w ON w.id = v.workorder_id WHERE v.photo_id IS NOT NULL")
	do(t, phone, chromedp.Navigate(base+"/login"))
	do(t, phone, login("grid")...)
	do(t, phone, chromedp.WaitVisible(`.tiles`))
	shotHome := must(t, phone, chromedp.FullScreenshot(100))

	do(t, phone, chromedp.Navigate(base+"/grassroots/visits/new?household="+apptest.Itoa(hid)), chromedp.WaitVisible(`#visit-form`),
		chromedp.Click(`input[name=checks][value=income_change]`), chromedp.Click(`input[name=checks][value=drinking_water]`),
		chromedp.Click(`input[name=checks][value=housing_safety]`),
		chromedp.SendKeys(`#f-findings`, "家中收入稳定，自来水时有时无"),
		chromedp.SendKeys(`#f-needs`, "自来水管老化，经常停水，请尽快维修"),
		chromedp.SetValue(`#f-category_id`, cat),
		chromedp.SetValue(`#f-lat`, "29.5801"), chromedp.SetValue(`#f-lng`, "103.7480"),
		chromedp.SetUploadFiles(`#f-photos`, []string{photoFile(t, "visit.jpg", 120)}))
	shotForm := must(t, phone, chromedp.FullScreenshot(100))
	do(t, phone, chromedp.Click(`#visit-form button[type=submit]`), chromedp.WaitVisible(`#visit-order`), chromedp.WaitVisible(`#visit-photo`))
	order := must(t, phone, chromedp.Text(`#visit-order`))
	if !strings.Contains(order, "待受理") {
		t.Errorf("the visit's work order: %q", order)
	}
	shotVisit := must(t, phone, chromedp.FullScreenshot(100))
	if n := e.Count(t, "SELECT COUNT(*) FROM gr_visits v JOIN workorders w ON w.id = v.workorder_id WHERE v.photo_id IS NOT NULL"); n != orders0+1 {
		t.Fatalf("visits with a photo and a work order: %d", n)
	}

	// No network: the visit is kept on the phone, then sent once.
	do(t, phone, chromedp.Navigate(base+"/grassroots/visits/new?household="+apptest.Itoa(hid)), chromedp.WaitVisible(`#visit-form`),
		chromedp.SendKeys(`#f-findings`, "再次走访，情况平稳"))
	offline(t, phone, true)
	do(t, phone, chromedp.Click(`#visit-form button[type=submit]`), chromedp.WaitVisible(`#visit-saved`), chromedp.WaitVisible(`#visit-queue`))
	queued := must(t, phone, chromedp.Text(`#visit-queue`))
	if !strings.Contains(queued, "待上传") {
		t.Errorf("queue: %q", queued)
	}
	shotQueued := must(t, phone, chromedp.FullScreenshot(100))
	if n := e.Count(t, "SELECT COUNT(*) FROM gr_visits WHERE household_id = ?", hid); n != visits0+1 {
		t.Fatalf("visits while offline: %d", n)
	}
	offline(t, phone, false)
	// Opening the page again (or the online event) sends the queue.
	do(t, phone, chromedp.Navigate(base+"/grassroots/visits/new"), chromedp.WaitVisible(`#visit-form`))
	deadline := time.Now().Add(20 * time.Second)
	for e.Count(t, "SELECT COUNT(*) FROM gr_visits WHERE household_id = ?", hid) < visits0+2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	do(t, phone, chromedp.Navigate(base+"/grassroots/visits/new"), chromedp.WaitVisible(`#visit-form`), chromedp.Sleep(500*time.Millisecond))
	if n := e.Count(t, "SELECT COUNT(*) FROM gr_visits WHERE household_id = ?", hid); n != visits0+2 {
		t.Fatalf("visits after the network came back (sent once): %d", n)
	}
	if hidden := must(t, phone, chromedp.Evaluate[bool](`document.getElementById('visit-queue').hidden`)); !hidden {
		t.Error("the queue is still shown after it was sent")
	}

	dir := artefacts(t)
	for name, b := range map[string][]byte{"grassroots-phone-home.png": shotHome, "grassroots-phone-visit-form.png": shotForm,
		"grassroots-phone-visit.png": shotVisit, "grassroots-phone-visit-queued.png": shotQueued} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// offline cuts (or restores) the page's network: requests fail and
// navigator.onLine follows.
func offline(t *testing.T, ctx context.Context, off bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatal(err)
	}
}
