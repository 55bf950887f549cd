// Package browsertest drives Debian's real Chromium (headless) against the
// real wenming with the demo city. Screenshots are kept under artefacts/
// (or $WENMING_ARTEFACTS) for people to look at.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
)

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("WENMING_BROWSER_REQUIRED") == "1" {
		t.Fatal("Chromium is required (WENMING_BROWSER_REQUIRED=1) but not installed")
	}
	t.Skip("Chromium not installed; scripts/test installs it")
	return ""
}

func artefacts(t *testing.T) string {
	dir := os.Getenv("WENMING_ARTEFACTS")
	if dir == "" {
		wd, _ := os.Getwd()
		dir = filepath.Join(wd, "..", "..", "artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless Chromium with the flags this offline machine needs.
func browser(t *testing.T, width, height int) context.Context {
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
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// login fills the login form and waits for the home page.
func login(user string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(`#f-username`),
		chromedp.SendKeys(`#f-username`, user),
		chromedp.SendKeys(`#f-password`, demo.Password),
		chromedp.Click(`form[action="/login"] button[type=submit]`),
		// The login page's own h1 would match at once: wait for it to go.
		chromedp.WaitNotPresent(`#f-username`),
		chromedp.WaitVisible(`main h1`),
	}
}

func must[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func TestBrowserLogsInSwitchesLanguageAndShowsTheHomePage(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	ctx := browser(t, 1280, 900)
	base := e.Server.URL

	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#f-username`))
	if title := must(t, ctx, chromedp.Title()); !strings.Contains(title, "登录") {
		t.Errorf("login page title %q", title)
	}
	do(t, ctx, login("admin")...)
	do(t, ctx, chromedp.WaitVisible(`.tiles`))
	if h := must(t, ctx, chromedp.Text(`main h1`)); !strings.Contains(h, "您好") {
		t.Errorf("Chinese home heading %q", h)
	}
	shotZH := must(t, ctx, chromedp.FullScreenshot(100))

	// The language select submits itself (app.js).
	// As a user picking "English": set the value and fire the change event.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
		var el = document.getElementById('lang-select');
		el.value = 'en';
		return el.dispatchEvent(new Event('change'));
	})()`)); err != nil {
		t.Fatalf("change event: %v", err)
	}
	do(t, ctx, chromedp.WaitVisible(`html[lang="en"] .tiles`))
	if h := must(t, ctx, chromedp.Text(`main h1`)); !strings.Contains(h, "Hello") {
		t.Errorf("English home heading %q", h)
	}
	shotEN := must(t, ctx, chromedp.FullScreenshot(100))

	// Two admin lists, back in Chinese: the units list and a user's edit form.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
		var el = document.getElementById('lang-select');
		el.value = 'zh-CN';
		return el.dispatchEvent(new Event('change'));
	})()`)); err != nil {
		t.Fatalf("change event: %v", err)
	}
	do(t, ctx, chromedp.WaitVisible(`html[lang="zh-CN"] .tiles`))
	do(t, ctx, chromedp.Navigate(base+"/units?size=20"), chromedp.WaitVisible(`table`))
	shotUnits := must(t, ctx, chromedp.FullScreenshot(100))
	do(t, ctx, chromedp.Navigate(base+"/users"), chromedp.WaitVisible(`table`))
	shotUsers := must(t, ctx, chromedp.FullScreenshot(100))

	// The same product on a phone-sized window, as a grid worker.
	phone := browser(t, 390, 844)
	do(t, phone, chromedp.Navigate(base+"/login"))
	do(t, phone, login("grid")...)
	shotPhone := must(t, phone, chromedp.FullScreenshot(100))

	dir := artefacts(t)
	for name, b := range map[string][]byte{"home-admin-zh.png": shotZH, "home-admin-en.png": shotEN, "home-grid-phone.png": shotPhone,
		"units-list-zh.png": shotUnits, "users-list-zh.png": shotUsers} {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}
