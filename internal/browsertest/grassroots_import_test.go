package browsertest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// A grid worker imports 3,000 households on the import screen: the
// progress bar shows the upload, then the rows checked and saved by the
// thousand, and the screen ends with the count saved; a file with a bad
// row ends with the table of its problems and saves nothing.
func TestBrowserImportShowsProgressThenTheResult(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	ctx := slowBrowser(t, 1280, 900)
	base := e.Server.URL
	const grid, n = "511102-ZGQ-01-G1", 3000

	dir := t.TempDir()
	write := func(name string, rows [][]any) string {
		f := excelize.NewFile()
		defer f.Close()
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(dir, name)
		if err := f.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rows := [][]any{{"网格编码", "地址", "户主"}}
	for i := range n {
		rows = append(rows, []any{grid, "导入路" + strconv.Itoa(i) + "号", "户主" + strconv.Itoa(i)})
	}
	good := write("good.xlsx", rows)
	bad := write("bad.xlsx", [][]any{{"网格编码", "地址", "户主"}, {grid, "", "甲"}})
	before := e.Count(t, "SELECT COUNT(*) FROM gr_households")

	// Every text the progress line shows is recorded as it changes.
	record := `window.__seen = []; new MutationObserver(function () {
		var t = document.getElementById('import-progress-text').textContent;
		if (window.__seen[window.__seen.length - 1] !== t) { window.__seen.push(t); }
	}).observe(document.getElementById('import-progress-text'), {childList: true, characterData: true, subtree: true}); true`
	do(t, ctx, chromedp.Navigate(base+"/login"))
	do(t, ctx, login("grid")...)
	do(t, ctx, chromedp.Navigate(base+"/grassroots/import"), chromedp.WaitVisible(`#import-form`))
	must(t, ctx, chromedp.Evaluate[bool](record))
	do(t, ctx, chromedp.SetUploadFiles(`#f-file`, []string{good}), chromedp.Click(`#import-form button[type=submit]`),
		chromedp.WaitVisible(`#import-done`))
	done := must(t, ctx, chromedp.Text(`#import-done`))
	if !strings.Contains(done, "已导入 3000 户") {
		t.Fatalf("result: %q", done)
	}
	seen := must(t, ctx, chromedp.Evaluate[[]string](`window.__seen`))
	all := strings.Join(seen, " | ")
	for _, want := range []string{"正在上传文件", "正在检查并保存：第 1000 行，共 3000 行", "正在检查并保存：第 2000 行，共 3000 行", "3000 / 3000 行已检查"} {
		if !strings.Contains(all, want) {
			t.Errorf("progress never showed %q; it showed: %s", want, all)
		}
	}
	if v := must(t, ctx, chromedp.Evaluate[bool](`(function(){var p=document.querySelector('#import-progress progress');return !document.getElementById('import-progress').hidden && p.value === p.max})()`)); !v {
		t.Error("the bar is not full at the end")
	}
	shot := must(t, ctx, chromedp.FullScreenshot(100))
	if got := e.Count(t, "SELECT COUNT(*) FROM gr_households"); got != before+n {
		t.Fatalf("households %d → %d", before, got)
	}

	do(t, ctx, chromedp.Navigate(base+"/grassroots/import"), chromedp.WaitVisible(`#import-form`),
		chromedp.SetUploadFiles(`#f-file`, []string{bad}), chromedp.Click(`#import-form button[type=submit]`),
		chromedp.WaitVisible(`#import-errors`))
	table := must(t, ctx, chromedp.Text(`#import-errors`))
	if !strings.Contains(table, "地址") || !strings.Contains(table, "必填") {
		t.Errorf("problems: %q", table)
	}
	time.Sleep(100 * time.Millisecond)
	if got := e.Count(t, "SELECT COUNT(*) FROM gr_households"); got != before+n {
		t.Fatalf("a refused file saved rows: %d", got-before-n)
	}
	if err := os.WriteFile(filepath.Join(artefacts(t), "grassroots-import-progress.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
