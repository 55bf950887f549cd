package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// dispatchedTo files a hotline order in 张公桥街道 and dispatches it to the
// street office (ST-ZGQ), as the operator and dispatcher would.
func dispatchedTo(t *testing.T, e *apptest.Env, text string) int64 {
	t.Helper()
	ctx := context.Background()
	p := func(user string) *auth.Principal {
		pr, err := e.App.Accounts.Principal(ctx, e.ID(t, "users", "username", user))
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	cat, err := e.App.Orders.CategoryByCode(ctx, "RUBBISH")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.App.Orders.Submit(ctx, p("operator"), workorder.SubmitInput{Channel: workorder.ChannelHotline, CategoryID: cat.ID,
		Description: text, Address: "张公桥菜市场东门", RegionID: e.ID(t, "regions", "code", "511102-ZGQ"),
		ReporterName: "李先生", ReporterPhone: "13900139000"})
	if err != nil {
		t.Fatal(err)
	}
	disp := p("dispatcher")
	for _, in := range []workorder.ActionInput{{Action: workorder.ActionAccept},
		{Action: workorder.ActionDispatch, UnitID: e.ID(t, "units", "code", "ST-ZGQ")}} {
		if _, err := e.App.Orders.Act(ctx, disp, s.ID, in); err != nil {
			t.Fatalf("%s: %v", in.Action, err)
		}
	}
	return s.ID
}

// TestBrowserAHandlerAcknowledgesAndResolvesWithAPhotoOnAPhone: the street
// office's handler, on a 390 px phone, lands on their work, opens the
// queue (cards, nothing wider than the screen), acknowledges the order and
// resolves it with a photo from the phone; screenshots of the home, the
// queue and the order page on the phone in both languages.
func TestBrowserAHandlerAcknowledgesAndResolvesWithAPhotoOnAPhone(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	base := e.Server.URL
	id := dispatchedTo(t, e, "菜市场东门垃圾堆积三天无人清运，气味很大")
	order := base + "/orders/" + strconv.FormatInt(id, 10)
	shots := map[string][]byte{}

	phone := phoneBrowser(t)
	do(t, phone, chromedp.Navigate(base+"/login"))
	do(t, phone, login("handler_zgq")...)
	do(t, phone, chromedp.WaitVisible(`a.tile[href*="state=dispatched"]`))
	shots["handler-home-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))

	do(t, phone, chromedp.Navigate(base+"/orders?tab=todo"), chromedp.WaitVisible(`main .queue`))
	if wide := must(t, phone, chromedp.Evaluate[string](wideElements)); wide != "" {
		t.Errorf("the queue on a phone has elements wider than the screen: %s", wide)
	}
	// The filters besides the keyword are folded away, so the first screen
	// shows the orders; opening them shows the unit filter.
	if open := must(t, phone, chromedp.Evaluate[bool](`document.querySelector('details.more-filters').open`)); open {
		t.Errorf("on a phone the queue's filters are open with none set")
	}
	if top := must(t, phone, chromedp.Evaluate[float64](`document.querySelector('main .queue').getBoundingClientRect().top`)); top > 844 {
		t.Errorf("on a phone the queue starts %.0f px down, below the first screen", top)
	}
	do(t, phone, chromedp.Click(`details.more-filters > summary`), chromedp.WaitVisible(`#of-unit`))
	shots["handler-queue-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))

	do(t, phone, chromedp.Click(`a[href="/orders/`+strconv.FormatInt(id, 10)+`"]`), chromedp.WaitVisible(`#d-acknowledge`))
	do(t, phone, step("acknowledge")...)
	if got := e.OrderState(t, id); got != "acknowledged" {
		t.Fatalf("after acknowledging on the phone the order is %s", got)
	}
	do(t, phone, step("resolve", chromedp.SendKeys(`#f-resolve-note`, "已联系市场管理方清运，垃圾桶增至 4 个"),
		chromedp.SetUploadFiles(`#step-resolve input[type=file]`, []string{photoFile(t, "cleared.jpg", 160)}))...)
	if got := e.OrderState(t, id); got != "resolved" {
		t.Fatalf("after resolving on the phone the order is %s", got)
	}
	if e.Count(t, `SELECT COUNT(*) FROM workorder_attachments a JOIN workorder_events ev ON ev.id = a.event_id
		WHERE a.order_id = ? AND ev.action = 'resolve'`, id) != 1 {
		t.Fatal("the phone's photo is not on the resolution")
	}
	if wide := must(t, phone, chromedp.Evaluate[string](wideElements)); wide != "" {
		t.Errorf("the order page on a phone has elements wider than the screen: %s", wide)
	}
	// The photo opens large in the viewer, and closes.
	do(t, phone, chromedp.Click(`tr.event[data-action="resolve"] a[data-viewer]`), chromedp.WaitVisible(`dialog.viewer[open] img`))
	if src := must(t, phone, chromedp.Evaluate[string](`document.querySelector('dialog.viewer img').getAttribute('src')`)); !strings.HasSuffix(src, "/public") {
		t.Errorf("the viewer shows %q, not the photo's public copy", src)
	}
	shots["handler-photo-viewer-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))
	do(t, phone, chromedp.Click(`dialog.viewer .viewer-close`), chromedp.WaitNotPresent(`dialog.viewer[open]`))
	shots["handler-order-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))

	setLang(t, phone, "en")
	do(t, phone, chromedp.Navigate(order), chromedp.WaitVisible(`main h1`))
	shots["handler-order-phone-en.png"] = must(t, phone, chromedp.FullScreenshot(100))
	do(t, phone, chromedp.Navigate(base+"/orders?tab=done"), chromedp.WaitVisible(`main h1`))
	shots["handler-queue-phone-en.png"] = must(t, phone, chromedp.FullScreenshot(100))
	do(t, phone, chromedp.Navigate(base+"/"), chromedp.WaitVisible(`main h1`))
	shots["handler-home-phone-en.png"] = must(t, phone, chromedp.FullScreenshot(100))
	save(t, shots)
}

// TestBrowserEveryRolesHomeTheQueueAndTheOrderPageInBothLanguages keeps a
// desktop screenshot of each demo role's home in both languages, and the
// dispatcher's queue and order page, as artefacts; each home has its
// work (tiles or the honest note of what will be there).
func TestBrowserEveryRolesHomeTheQueueAndTheOrderPageInBothLanguages(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	base := e.Server.URL
	id := dispatchedTo(t, e, "菜市场东门垃圾堆积三天无人清运，气味很大")
	shots := map[string][]byte{}
	desk := slowBrowser(t, 1366, 900)
	for _, l := range demo.Logins() {
		do(t, desk, chromedp.Navigate(base+"/login"))
		do(t, desk, append(login(l.Username), chromedp.WaitVisible(`#side`))...)
		if _, err := chromedp.Run(desk, chromedp.Poll[bool](`document.querySelector('main a.tile, main .dtile, main .pending') !== null`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("%s's home shows neither work nor what will be there: %s", l.Username, must(t, desk, chromedp.Text(`main`)))
		}
		shots["home-"+l.Username+"-zh.png"] = must(t, desk, chromedp.FullScreenshot(100))
		setLang(t, desk, "en")
		shots["home-"+l.Username+"-en.png"] = must(t, desk, chromedp.FullScreenshot(100))
		if l.Username == "dispatcher" {
			for _, lang := range []string{"en", "zh-CN"} {
				if lang == "zh-CN" {
					setLang(t, desk, lang)
				}
				do(t, desk, chromedp.Navigate(base+"/orders"), chromedp.WaitVisible(`main table`))
				shots["queue-desktop-"+lang+".png"] = must(t, desk, chromedp.FullScreenshot(100))
				do(t, desk, chromedp.Navigate(base+"/orders/"+strconv.FormatInt(id, 10)), chromedp.WaitVisible(`main h1`))
				shots["order-desktop-"+lang+".png"] = must(t, desk, chromedp.FullScreenshot(100))
			}
		}
		setLang(t, desk, "zh-CN")
		do(t, desk, chromedp.Click(`form[action="/logout"] button[type=submit]`), chromedp.WaitVisible(`#f-username`))
	}
	save(t, shots)
}
