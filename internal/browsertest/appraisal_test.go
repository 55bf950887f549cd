package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/honour"
	"github.com/wenming-city/wenming/internal/rating"
)

// An appraiser scores the demo's current round of the mine's 综采工 trade on
// a desktop: opens the round from the list, scores 李立's row in the grid,
// saves, and sees the check of who has scored; 李立 reads his own ratings
// on a phone.
func TestBrowserAnAppraiserScoresARoundOnADesktop(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	ctx := browser(t, 1440, 900)
	base := e.Server.URL
	rounds, err := e.App.Rating.Rounds(context.Background(), nil, rating.StateScoring)
	if err != nil || len(rounds) == 0 {
		t.Fatalf("no round being scored: %v", err)
	}
	round := rounds[0]
	entries, err := e.App.Rating.Entries(context.Background(), nil, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	var li int64
	for _, en := range entries {
		if en.Code == "ZC001" {
			li = en.ID
		}
	}

	do(t, ctx, chromedp.Navigate(base+"/login"))
	do(t, ctx, append(login("appraiser"), chromedp.WaitNotPresent(`#f-username`))...)
	do(t, ctx, chromedp.Navigate(base+"/ratings"), chromedp.WaitVisible(`table`))
	if body := must(t, ctx, chromedp.Text(`main`)); !strings.Contains(body, round.Name) {
		t.Errorf("the round list lacks %s", round.Name)
	}
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/ratings/rounds/%d", base, round.ID)), chromedp.WaitVisible(`#results`))
	shotRound := must(t, ctx, chromedp.FullScreenshot(90))
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/ratings/rounds/%d/score", base, round.ID)), chromedp.WaitVisible(`#score-form`))
	for crit, v := range map[string]string{"safety": "58", "quality": "48", "discipline": "29"} {
		sel := fmt.Sprintf(`input[name="m.%d.%s"]`, li, crit)
		do(t, ctx, chromedp.SendKeys(sel, v))
		_ = sel
	}
	typed := must(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`Array.from(document.querySelectorAll('input[name^="m.%d."]')).map(function (el) { return el.name + "=" + el.value; }).join(";")`, li)))
	if !strings.Contains(typed, "safety=58") || !strings.Contains(typed, "quality=48") || !strings.Contains(typed, "discipline=29") {
		t.Errorf("the grid holds %s", typed)
	}
	shotGrid := must(t, ctx, chromedp.CaptureScreenshot())
	do(t, ctx, chromedp.Submit(`#score-form button[type=submit]`), chromedp.WaitNotPresent(`#score-form`))
	if body := must(t, ctx, chromedp.Text(`main`)); !strings.Contains(body, "评分已保存") || !strings.Contains(body, "结果与排名") {
		t.Errorf("no confirmation after saving: %.300s", body)
	}
	marks, err := e.App.Rating.Marks(context.Background(), nil, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	office := appraisalUserID(t, e, "appraiser")
	for _, m := range marks {
		if m.EntryID == li && m.ScorerID == office {
			found++
		}
	}
	if found != 3 {
		t.Errorf("the appraiser's marks for 李立: %d, want 3", found)
	}
	shotAfter := must(t, ctx, chromedp.FullScreenshot(90))

	phone := browser(t, 390, 844)
	do(t, phone, chromedp.Navigate(base+"/login"))
	do(t, phone, append(login(rating.DemoWorker), chromedp.WaitNotPresent(`#f-username`))...)
	do(t, phone, chromedp.Navigate(base+"/my/ratings"), chromedp.WaitVisible(`.history`))
	if body := must(t, phone, chromedp.Text(`main`)); !strings.Contains(body, "192") {
		t.Errorf("李立's page lacks his 192 points: %.300s", body)
	}
	shotMine := must(t, phone, chromedp.FullScreenshot(90))

	dir := artefacts(t)
	for name, b := range map[string][]byte{"rating-round-desktop.png": shotRound, "rating-score-grid-desktop.png": shotGrid,
		"rating-round-after-scoring.png": shotAfter, "rating-mine-phone.png": shotMine} {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func appraisalUserID(t *testing.T, e *apptest.Env, username string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), "entity.user", "SELECT id FROM users WHERE username = ?", []any{username}, &id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// A citizen nominates a good person with a photo from a phone-sized window.
func TestBrowserACitizenNominatesAGoodPersonWithAPhoto(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	phone := browser(t, 390, 844)
	base := e.Server.URL
	do(t, phone, chromedp.Navigate(base+"/public/honours/nominate"), chromedp.WaitVisible(`#nominate-form`))
	do(t, phone,
		chromedp.SetValue(`#f-kind`, "good_people"),
		chromedp.SetValue(`#f-category`, "helping"),
		chromedp.SendKeys(`#f-nominee`, "周阿姨"),
		chromedp.SetValue(`#f-region_id`, fmt.Sprint(e.Count(t, "SELECT MIN(id) FROM regions WHERE level = 'street'"))),
		chromedp.SendKeys(`#f-story`, "周阿姨退休后每天在社区门口为过往老人免费量血压，坚持六年，从不间断。"),
		chromedp.SetUploadFiles(`#f-photos`, []string{photoFile(t, "honour.jpg", 90)}),
		chromedp.SendKeys(`#f-nominator`, "李先生"),
		chromedp.SendKeys(`#f-phone`, "13800138000"),
		chromedp.Click(`#f-consent`),
	)
	shotForm := must(t, phone, chromedp.FullScreenshot(90))
	do(t, phone, chromedp.Click(`#nominate-send`), chromedp.WaitVisible(`#sent`))
	shotSent := must(t, phone, chromedp.FullScreenshot(90))
	var id int64
	if err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), "entity.nomination", "SELECT id FROM honour_nominations WHERE nominee = '周阿姨'", nil, &id)
	}); err != nil {
		t.Fatal(err)
	}
	got, err := e.App.Honours.Get(context.Background(), nil, id)
	if err != nil || got.State != honour.StateNominated || len(got.Photos) != 1 || got.Source != "public" || !got.Consent || got.Category != "helping" ||
		got.RegionID == 0 || !got.PublishPhotos || got.PublishName != "full" {
		t.Fatalf("the nomination as stored: %+v", got)
	}
	do(t, phone, chromedp.Navigate(base+"/public/honours"), chromedp.WaitVisible(`main h1`))
	if body := must(t, phone, chromedp.Text(`main`)); !strings.Contains(body, "宣讲活动") || !strings.Contains(body, "道德模范宣讲") {
		t.Errorf("the wall shows no story tour: %.300s", body)
	}
	shotWall := must(t, phone, chromedp.FullScreenshot(90))
	// The wall of one district, chosen in the region filter.
	regions, err := e.App.Honours.WallRegions(context.Background())
	if err != nil || len(regions) == 0 {
		t.Fatalf("wall regions: %v", err)
	}
	do(t, phone, chromedp.SetValue(`#hf-region`, fmt.Sprint(regions[0].ID)), chromedp.Submit(`#hf-region`))
	// The wall's own h1 is there before and after: wait for the new
	// address (reading it while the page is replaced may fail; retry).
	want := fmt.Sprintf("region_id=%d", regions[0].ID)
	loc := ""
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(loc, want); {
		if l, err := chromedp.Run(phone, chromedp.Location()); err == nil {
			loc = l
		}
		time.Sleep(100 * time.Millisecond)
	}
	do(t, phone, chromedp.WaitVisible(`main h1`))
	if !strings.Contains(loc, want) {
		t.Errorf("the region filter went to %s", loc)
	}
	shotRegion := must(t, phone, chromedp.FullScreenshot(90))
	dir := artefacts(t)
	for name, b := range map[string][]byte{"honour-nominate-phone.png": shotForm, "honour-sent-phone.png": shotSent, "honour-wall-phone.png": shotWall,
		"honour-wall-region-phone.png": shotRegion} {
		if len(b) < 5000 {
			t.Errorf("%s: screenshot of %d bytes is too small to show a page", name, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
