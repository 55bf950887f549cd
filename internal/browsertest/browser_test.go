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
		chromedp.Flag("lang", "zh-CN"), chromedp.WindowSize(width, height),
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

func TestBrowserLogsInSwitchesLanguageAndShowsTheHomePage(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	ctx := browser(t, 1280, 900)
	base := e.Server.URL
	var title, heading, htmlLang string
	var shotZH, shotEN, shotPhone []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.Title(&title),
		chromedp.SendKeys(`#f-username`, "admin", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, demo.Password, chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.tiles`, chromedp.ByQuery),
		chromedp.Text(`main h1`, &heading, chromedp.ByQuery),
		chromedp.FullScreenshot(&shotZH, 100),
		// The language select submits itself (app.js).
		chromedp.SetValue(`#lang-select`, "en", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('lang-select').dispatchEvent(new Event('change'))`, nil),
		chromedp.WaitVisible(`html[lang="en"] .tiles`, chromedp.ByQuery),
		chromedp.AttributeValue(`html`, "lang", &htmlLang, nil, chromedp.ByQuery),
		chromedp.FullScreenshot(&shotEN, 100),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(title, "登录") {
		t.Errorf("login page title %q", title)
	}
	if !strings.Contains(heading, "您好") {
		t.Errorf("Chinese home heading %q", heading)
	}
	if htmlLang != "en" {
		t.Errorf("after switching, html lang = %q", htmlLang)
	}
	// The same home page on a phone-sized window.
	phone := browser(t, 390, 844)
	err = chromedp.Run(phone,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, "grid", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, demo.Password, chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
		chromedp.FullScreenshot(&shotPhone, 100),
	)
	if err != nil {
		t.Fatalf("phone browser: %v", err)
	}
	dir := artefacts(t)
	for name, b := range map[string][]byte{"home-admin-zh.png": shotZH, "home-admin-en.png": shotEN, "home-grid-phone.png": shotPhone} {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
}
