package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// setLang switches the page's language through the select, as a user would.
func setLang(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
		var el = document.getElementById('lang-select');
		el.value = '`+lang+`';
		return el.dispatchEvent(new Event('change'));
	})()`)); err != nil {
		t.Fatalf("change event: %v", err)
	}
	do(t, ctx, chromedp.WaitVisible(`html[lang="`+lang+`"] main`))
}

func save(t *testing.T, shots map[string][]byte) {
	t.Helper()
	dir := artefacts(t)
	for name, b := range shots {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}

// phoneBrowser is a browser whose viewport is a 390 × 844 phone's (a
// headless window is never narrower than 500 px, so the viewport is
// emulated, with touch and the device scale of a phone).
func phoneBrowser(t *testing.T) context.Context {
	ctx := slowBrowser(t, 500, 844)
	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	return ctx
}

// cockpitTarget is the cockpit's base URL: the test's demo city, or a
// running server with history (WENMING_COCKPIT_URL) to look at.
func cockpitTarget(t *testing.T) string {
	if u := os.Getenv("WENMING_COCKPIT_URL"); u != "" {
		return u
	}
	return apptest.Start(t, db.SQLite).Server.URL
}

// wideElements names the elements that reach past the window's right edge.
const wideElements = `(function () {
	var out = [];
	document.querySelectorAll('main *').forEach(function (el) {
		var kid = Array.prototype.some.call(el.children, function (k) { return k.offsetWidth > 380; });
		if (el.offsetWidth > 380 && !kid && out.length < 10) { out.push(el.tagName + '.' + el.className + ' ' + el.offsetWidth); }
	});
	return out.join('; ');
})()`

// TestBrowserCockpitOnDesktopBigScreenAndPhone: the leader's cockpit has
// SVG charts and the headline tiles, its big screen is dark without the
// menu, its printout fits, and on a phone nothing is wider than the
// screen; screenshots in both languages.
func TestBrowserCockpitOnDesktopBigScreenAndPhone(t *testing.T) {
	base := cockpitTarget(t)
	shots := map[string][]byte{}
	ctx := slowBrowser(t, 1366, 900)
	do(t, ctx, chromedp.Navigate(base+"/login"))
	do(t, ctx, login("leader")...)
	do(t, ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(`.dtiles`))
	if n := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('main svg.chart').length`)); n < 4 {
		t.Errorf("%d charts on the cockpit", n)
	}
	if n := must(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.dtiles a.dtile[data-figure]').length`)); n < 6 {
		t.Errorf("%d headline tiles", n)
	}
	shots["cockpit-desktop-zh.png"] = must(t, ctx, chromedp.FullScreenshot(100))
	do(t, ctx, chromedp.Navigate(base+"/dashboard?screen=big"), chromedp.WaitVisible(`body.bigscreen .dtiles`))
	if vis := must(t, ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.side')).display !== 'none'`)); vis {
		t.Error("the big screen shows the side menu")
	}
	shots["cockpit-bigscreen-zh.png"] = must(t, ctx, chromedp.FullScreenshot(100))
	do(t, ctx, chromedp.Navigate(base+"/dashboard/print"), chromedp.WaitVisible(`.dash-print`))
	shots["cockpit-print-zh.png"] = must(t, ctx, chromedp.FullScreenshot(100))
	do(t, ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(`.dtiles`))
	setLang(t, ctx, "en")
	if h := must(t, ctx, chromedp.Text(`main h1`)); !strings.Contains(h, "cockpit") {
		t.Errorf("English heading %q", h)
	}
	shots["cockpit-desktop-en.png"] = must(t, ctx, chromedp.FullScreenshot(100))
	do(t, ctx, chromedp.Navigate(base+"/dashboard?screen=big"), chromedp.WaitVisible(`body.bigscreen .dtiles`))
	shots["cockpit-bigscreen-en.png"] = must(t, ctx, chromedp.FullScreenshot(100))

	phone := phoneBrowser(t)
	do(t, phone, chromedp.Navigate(base+"/login"))
	do(t, phone, login("leader")...)
	do(t, phone, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(`.dtiles`))
	if vw := must(t, phone, chromedp.Evaluate[int](`window.innerWidth`)); vw != 390 {
		t.Fatalf("the phone's viewport is %d px wide", vw)
	}
	if w := must(t, phone, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the cockpit is %d px wide on a 390 px phone: %s", w, must(t, phone, chromedp.Evaluate[string](wideElements)))
	}
	shots["cockpit-phone-zh.png"] = must(t, phone, chromedp.FullScreenshot(100))
	setLang(t, phone, "en")
	shots["cockpit-phone-en.png"] = must(t, phone, chromedp.FullScreenshot(100))
	save(t, shots)
}
