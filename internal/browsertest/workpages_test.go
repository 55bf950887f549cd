package browsertest

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// fits fails when anything on the page reaches past the 390 px screen.
func fits(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if w := must(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("%s is %d px wide on a 390 px phone: %s", page, w, must(t, ctx, chromedp.Evaluate[string](wideElements)))
	}
}

// TestBrowserHandlerOnAPhoneAcknowledgesAndResolvesWithAPhoto: at 390 px
// the handler's home shows their work, the queue is a list of cards
// (code, title, state, time left) that fits the screen, the order page
// reads top to bottom with its steps at the top as buttons; the handler
// acknowledges and resolves with a photo, and the flash says so.
// Screenshots of every role's home, the queue and the order page, on the
// phone and the desktop, in both languages.
func TestBrowserHandlerOnAPhoneAcknowledgesAndResolvesWithAPhoto(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	base := e.Server.URL
	shots := map[string][]byte{}
	// An order for 张公桥街道, through the API as the operator and dispatcher.
	op, disp := e.Login(t, "operator"), e.Login(t, "dispatcher")
	cat := strconv.FormatInt(e.ID(t, "workorder_categories", "code", "STREET_VENDING"), 10)
	region := strconv.FormatInt(e.ID(t, "regions", "code", "511102-ZGQ"), 10)
	res := op.PostForm("/orders", url.Values{"phone": {"13912345678"}, "name": {"张女士"}, "category_id": {cat}, "region_id": {region},
		"description": {"好吃街门口流动摊贩占道经营，早高峰行人只能走机动车道，请尽快处理"}, "address": {"张公桥好吃街 12 号门口"}})
	loc := res.Header.Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/orders/"), "?new=1")
	if res.Status != 303 || id == "" {
		t.Fatalf("intake: %d %s", res.Status, loc)
	}
	disp.PostForm("/orders/"+id+"/actions/accept", url.Values{})
	disp.PostForm("/orders/"+id+"/actions/dispatch", url.Values{"unit_id": {strconv.FormatInt(e.ID(t, "units", "code", "ST-ZGQ"), 10)},
		"note": {"请今天内到场劝离"}})
	if st := e.OrderState(t, id64(t, id)); st != "dispatched" {
		t.Fatalf("order %s is %s", id, st)
	}

	phone := phoneBrowser(t)
	do(t, phone, chromedp.Navigate(base+"/login"))
	do(t, phone, login("handler_zgq")...)
	do(t, phone, chromedp.WaitVisible(`.tiles`))
	if h := must(t, phone, chromedp.Text(`main`)); !strings.Contains(h, "待签收") || !strings.Contains(h, "即将超期") {
		t.Errorf("the handler's home lacks their work: %.300s", h)
	}
	fits(t, phone, "the handler's home")
	shots["home-handler-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))

	// The queue: my to-do as cards.
	do(t, phone, chromedp.Navigate(base+"/orders?tab=todo"), chromedp.WaitVisible(`.queue tr`))
	fits(t, phone, "the queue")
	if d := must(t, phone, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.queue tbody tr')).display`)); d != "grid" {
		t.Errorf("queue rows on a phone are %q, not cards", d)
	}
	if h := must(t, phone, chromedp.Evaluate[int](`document.querySelector('.queue tbody tr').getBoundingClientRect().height`)); h > 260 {
		t.Errorf("a queue card is %d px tall", h)
	}
	if txt := must(t, phone, chromedp.Text(`.queue tbody tr`)); !strings.Contains(txt, "剩 ") || !strings.Contains(txt, "好吃街") {
		t.Errorf("the card lacks the time left or the title: %q", txt)
	}
	shots["queue-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))

	// The order page: the steps at the top, acknowledge, then resolve with a photo.
	do(t, phone, chromedp.Navigate(base+"/orders/"+id), chromedp.WaitVisible(`.stepbar`))
	fits(t, phone, "the order page")
	if top := must(t, phone, chromedp.Evaluate[int](`document.querySelector('.stepbar').getBoundingClientRect().top`)); top > 700 {
		t.Errorf("the steps start %d px down the page", top)
	}
	if !has(t, phone, `#d-return.step-danger > summary.btn-danger`) {
		t.Error("return is not styled as a step back")
	}
	shots["order-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))
	do(t, phone, step("acknowledge")...)
	if f := must(t, phone, chromedp.Text(`.flash`)); !strings.Contains(f, "已签收") {
		t.Errorf("flash after acknowledge: %q", f)
	}
	do(t, phone, step("resolve", chromedp.SendKeys(`#f-resolve-note`, "摊贩已劝离，已安排每日巡查"),
		chromedp.SetUploadFiles(`#step-resolve input[type=file]`, []string{photoFile(t, "fixed.jpg", 200)}))...)
	if f := must(t, phone, chromedp.Text(`.flash`)); !strings.Contains(f, "已办结") {
		t.Errorf("flash after resolve: %q", f)
	}
	if st := e.OrderState(t, id64(t, id)); st != "resolved" {
		t.Fatalf("order is %s after resolving", st)
	}
	if !has(t, phone, `tr.event[data-action="resolve"] img`) {
		t.Error("the resolution's photo is not on the timeline")
	}
	fits(t, phone, "the resolved order")
	shots["order-resolved-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))
	setLang(t, phone, "en")
	do(t, phone, chromedp.Navigate(base+"/orders"), chromedp.WaitVisible(`.queue`))
	fits(t, phone, "the English queue")
	shots["queue-phone-en.png"] = must(t, phone, chromedp.FullScreenshot(100))
	do(t, phone, chromedp.Navigate(base+"/orders/"+id), chromedp.WaitVisible(`main h1`))
	shots["order-phone-en.png"] = must(t, phone, chromedp.FullScreenshot(100))

	// Every role's home on the desktop, in both languages; the queue and
	// the order page there too.
	desk := browser(t, 1366, 900)
	for _, user := range []string{"dispatcher", "operator", "handler_zgq", "leader", "inspector", "grid", "organiser", "appraiser"} {
		do(t, desk, chromedp.Navigate(base+"/login"))
		do(t, desk, login(user)...)
		shots["home-"+user+"-zh.png"] = must(t, desk, chromedp.FullScreenshot(100))
		if user == "dispatcher" {
			do(t, desk, chromedp.Navigate(base+"/orders?tab=todo"), chromedp.WaitVisible(`.queue`))
			shots["queue-desktop-zh.png"] = must(t, desk, chromedp.FullScreenshot(100))
			do(t, desk, chromedp.Navigate(base+"/orders/"+id), chromedp.WaitVisible(`.stepbar`))
			shots["order-desktop-zh.png"] = must(t, desk, chromedp.FullScreenshot(100))
		}
		setLang(t, desk, "en")
		do(t, desk, chromedp.Navigate(base+"/"), chromedp.WaitVisible(`main h1`))
		shots["home-"+user+"-en.png"] = must(t, desk, chromedp.FullScreenshot(100))
		if user == "dispatcher" {
			do(t, desk, chromedp.Navigate(base+"/orders/"+id), chromedp.WaitVisible(`.stepbar`))
			shots["order-desktop-en.png"] = must(t, desk, chromedp.FullScreenshot(100))
		}
		setLang(t, desk, "zh-CN")
		do(t, desk, chromedp.Click(`form[action="/logout"] button`),
			chromedp.WaitVisible(`#f-username`))
	}
	save(t, shots)
}

func id64(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
