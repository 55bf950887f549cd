package browsertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// TestBrowserRegionPickerSearchesAsYouTypeAndShowsTheFullPath proves the
// long tree selects become search boxes: an admin creating a unit types
// part of a community's name, sees it with its district and street, picks
// it with the keyboard, and the unit is saved in that community.
func TestBrowserRegionPickerSearchesAsYouTypeAndShowsTheFullPath(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	ctx := browser(t, 1280, 900)
	do(t, ctx, chromedp.Navigate(e.Server.URL+"/login"))
	do(t, ctx, login("admin")...)
	do(t, ctx, chromedp.Navigate(e.Server.URL+"/units/new"), chromedp.WaitVisible(`#f-region_id-search`))
	if !must(t, ctx, chromedp.Evaluate[bool](`document.getElementById('f-region_id').hidden`)) {
		t.Fatal("the region select is still shown beside its picker")
	}
	do(t, ctx, chromedp.SendKeys(`#f-region_id-search`, "白燕路"), chromedp.WaitVisible(`.picker-list li[role=option]`))
	got := must(t, ctx, chromedp.Text(`.picker-list li[role=option]`))
	if !strings.Contains(got, "市中区") || !strings.Contains(got, "张公桥街道") || !strings.Contains(got, "白燕路社区") || !strings.Contains(got, " › ") {
		t.Fatalf("the first match reads %q, want the full path 市中区 › 张公桥街道 › 白燕路社区", got)
	}
	shot := must(t, ctx, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(artefacts(t), "picker-region-search-desktop.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.SendKeys(`#f-region_id-search`, "\ue015\r")) // ArrowDown, Enter
	do(t, ctx,
		chromedp.SetValue(`#f-kind`, "other"),
		chromedp.SendKeys(`#f-code`, "BYL-TEST"),
		chromedp.SendKeys(`#f-name`, "白燕路社区测试站"),
		chromedp.Click(`form[action="/units"] button[type=submit]`),
		chromedp.WaitNotPresent(`#f-code`), // the page after saving, not the form's own h1
		chromedp.WaitVisible(`main h1`),
	)
	if e.Count(t, `SELECT COUNT(*) FROM units u JOIN regions r ON r.id = u.region_id WHERE u.code = 'BYL-TEST' AND r.name = '白燕路社区'`) != 1 {
		t.Fatal("the unit was not saved in the picked community")
	}
}
