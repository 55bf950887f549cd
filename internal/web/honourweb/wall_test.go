package honourweb_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/honour"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/web/honourweb"
)

func awardedNamed(t *testing.T, e *apptest.Env, name string) int64 {
	t.Helper()
	return e.ID(t, "honour_nominations", "nominee", name)
}

// mobileRe finds a mainland mobile number (not a run of digits inside an
// asset's hash, such as /static/bf913800/).
var mobileRe = regexp.MustCompile(`(^|[^0-9A-Za-z])1[3-9][0-9]{9}([^0-9A-Za-z]|$)`)

// The wall shows what the honoree agreed to publish, and nothing else: the
// surname only when that is what they agreed to, the photos only when they
// agreed to them, never the nominator or their phone; and it is filtered by
// region (the region's subtree) and by kind.
func TestTheWallShowsOnlyWhatTheHonoreeAgreedToPublishByRegionAndKind(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Anonymous(t)
		wall := pub.Get("/public/honours")
		if !wall.Contains("王秀英", "乐山供电公司") || mobileRe.MatchString(wall.Body) {
			t.Fatalf("the demo wall: %s", wall.Body)
		}
		id := awardedNamed(t, e, "王秀英")
		office := e.Login(t, "appraiser")
		if res := office.PostForm(fmt.Sprintf("/honours/%d/publishing", id), url.Values{"consent": {"1"}, "publish_name": {"nickname"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("a bad choice: %d", res.Status)
		}
		if res := office.PostForm(fmt.Sprintf("/honours/%d/publishing", id), url.Values{"consent": {"1"}, "publish_name": {"surname"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("publishing: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'honour_nomination' AND action = 'publishing' AND entity_id = ?", fmt.Sprint(id)) != 1 {
			t.Fatal("the change of what is published is not audited")
		}
		wall = pub.Get("/public/honours")
		if wall.Contains("王秀英") || !wall.Contains("王**", "连续十年义务照顾社区孤寡老人") {
			t.Fatalf("surname only: %s", wall.Body)
		}
		// Without consent the story leaves the wall.
		office.PostForm(fmt.Sprintf("/honours/%d/publishing", id), url.Values{"publish_name": {"full"}})
		if wall = pub.Get("/public/honours"); wall.Contains("王秀英") || wall.Contains("连续十年义务照顾社区孤寡老人") {
			t.Fatal("a story without consent is on the wall")
		}

		// By region: a district's wall holds exactly the public rows in its subtree.
		regions, err := e.App.Honours.WallRegions(context.Background())
		if err != nil || len(regions) < 2 {
			t.Fatalf("wall regions %d %v", len(regions), err)
		}
		region, regionName := regions[0].ID, regions[0].Name
		in, err := e.App.Honours.Public(context.Background(), honour.PublicFilter{State: honour.StateAwarded, RegionID: region})
		if err != nil {
			t.Fatal(err)
		}
		want := e.Count(t, `SELECT COUNT(*) FROM honour_nominations n JOIN regions r ON r.id = n.region_id
			WHERE n.state = 'awarded' AND n.consent = TRUE AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'`, region)
		if int64(len(in)) != want || want == 0 {
			t.Fatalf("%s: %d on the wall, %d in the table", regionName, len(in), want)
		}
		page := pub.Get(fmt.Sprintf("/public/honours?region_id=%d", region))
		if got := strings.Count(page.Body, `class="card honour"`); got != int(want) {
			t.Fatalf("the wall of %s shows %d stories, want %d", regionName, got, want)
		}
		for _, n := range in {
			if !page.Contains(n.Nominee) {
				t.Errorf("%s missing from the wall of %s", n.Nominee, regionName)
			}
		}
		// The office's list is filtered by region the same way.
		all := e.Count(t, `SELECT COUNT(*) FROM honour_nominations n JOIN regions r ON r.id = n.region_id
			WHERE r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'`, region)
		if got := strings.Count(office.Get(fmt.Sprintf("/honours?region_id=%d", region)).Body, `<tr><td><a href="/honours/`); int64(got) != all {
			t.Fatalf("the office's list of %s: %d rows, want %d", regionName, got, all)
		}
		// The wall is shown a page of WallPageSize at a time.
		for i := range 20 {
			e.Exec(t, `INSERT INTO honour_nominations (kind, category, period, unit_id, region_id, nominee, story, source, nominator, consent, state,
				awarded_on, created_at, updated_at) SELECT 'good_people', 'helping', '2025Q4', unit_id, region_id, ?, story, source, nominator, TRUE, 'awarded',
				'2025-12-31', 0, 0 FROM honour_nominations WHERE id = ?`, fmt.Sprintf("往期好人%02d", i), id)
		}
		total := e.Count(t, "SELECT COUNT(*) FROM honour_nominations WHERE state = 'awarded' AND consent = TRUE")
		first, second := pub.Get("/public/honours"), pub.Get("/public/honours?page=2")
		if got := strings.Count(first.Body, `class="card honour"`) - len(mustPublic(t, e, honour.StateVoting)) - len(mustPublic(t, e, honour.StateNotice)); got != honourweb.WallPageSize {
			t.Fatalf("the first page shows %d stories", got)
		}
		if got := strings.Count(second.Body, `class="card honour"`) - len(mustPublic(t, e, honour.StateVoting)) - len(mustPublic(t, e, honour.StateNotice)); int64(got) != total-honourweb.WallPageSize {
			t.Fatalf("the second page shows %d stories, want %d", got, total-honourweb.WallPageSize)
		}
		if !first.Contains(`rel="next"`) || !second.Contains(`rel="prev"`, "往期好人") {
			t.Fatal("the wall's pager")
		}
		units := pub.Get("/public/honours?kind=civilised_unit")
		if !units.Contains("乐山供电公司") || units.Contains("张桂兰") {
			t.Fatal("the kind filter")
		}
		// English pages name a unit and a region in English.
		pub.Lang = "en"
		if en := pub.Get("/public/honours?kind=civilised_unit"); !en.Contains("Leshan Power Supply Company") {
			t.Fatalf("English wall: %s", en.Body)
		}
	})
}

// An expiring title asks for its review in time: the job posts one inbox
// notice to the office that holds the title when its term ends within 90
// days (or a yearly review is within 30), once per title and due day, with
// two app instances running the job on one database, and again only for
// the next year's review. Time is the injected clock; nothing sleeps.
func TestAnExpiringTitleAsksForItsReviewOnceAcrossTwoInstances(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		today := e.Clock.Now().In(clock.CST)
		day := func(t time.Time) string { return t.Format(time.DateOnly) }
		term := awardedNamed(t, e, "嘉定小学")    // term ends in 60 days
		yearly := awardedNamed(t, e, "王建国家庭") // its second anniversary in 20 days
		e.Exec(t, "UPDATE honour_nominations SET awarded_on = ?, expires_on = ? WHERE id = ?", day(today.AddDate(-3, 0, 60)), day(today.AddDate(0, 0, 60)), term)
		e.Exec(t, "UPDATE honour_nominations SET awarded_on = ?, expires_on = ? WHERE id = ?", day(today.AddDate(-2, 0, 20)), day(today.AddDate(1, 0, 20)), yearly)
		notices := func(id int64) int64 {
			return e.Count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'honour' AND ref = ? AND unit_id = (SELECT id FROM units WHERE code = 'DEPT-WMB')", id)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, b := jobs.New(e.App.DB, e.Clock, log), jobs.New(e.App.DB, e.Clock, log)
		for _, r := range []*jobs.Runner{a, b} {
			if err := r.Add(ctx, e.App.Honours.ReviewJob()); err != nil {
				t.Fatal(err)
			}
		}
		e.Exec(t, "UPDATE scheduled_jobs SET next_at = 0, lease_until = 0 WHERE name = 'honour_reviews'")
		if ran := a.RunDue(ctx) + b.RunDue(ctx); ran != 1 {
			t.Fatalf("the job ran %d times on two instances", ran)
		}
		if notices(term) != 1 || notices(yearly) != 1 {
			t.Fatalf("notices: term %d, yearly %d", notices(term), notices(yearly))
		}
		// Both instances asking again (a later period, or a lease run out)
		// post nothing new.
		if err := e.App.Honours.AskReviews(ctx); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(7 * time.Hour)
		a.RunDue(ctx)
		b.RunDue(ctx)
		if notices(term) != 1 || notices(yearly) != 1 {
			t.Fatalf("asked twice: term %d, yearly %d", notices(term), notices(yearly))
		}
		office := e.Login(t, "appraiser")
		if inbox := office.Get("/notifications"); !inbox.Contains("嘉定小学", day(today.AddDate(0, 0, 60)), "王建国家庭") {
			t.Fatalf("the office's inbox: %s", inbox.Body)
		}
		// The yearly review is recorded (a reason is required); the title
		// leaves the list of reviews due, and next year asks again.
		if res := office.PostForm(fmt.Sprintf("/honours/%d/review", yearly), url.Values{"review_note": {""}}); res.Status != http.StatusBadRequest {
			t.Fatalf("a review without its outcome: %d", res.Status)
		}
		if res := office.PostForm(fmt.Sprintf("/honours/%d/review", yearly), url.Values{"review_note": {"经复核，仍符合文明家庭标准"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("review: %d %s", res.Status, res.Body)
		}
		if page := office.Get(fmt.Sprintf("/honours/%d", yearly)); !page.Contains("经复核，仍符合文明家庭标准") {
			t.Fatalf("the review is not shown: %s", page.Body)
		}
		list := office.Get("/honours").Body
		due := list[strings.Index(list, "到期复核提醒"):]
		due = due[:strings.Index(due, "</section>")]
		if strings.Contains(due, "王建国家庭") || !strings.Contains(due, "嘉定小学") {
			t.Fatalf("reviews due after one was recorded: %s", due)
		}
		e.Clock.Advance(365 * 24 * time.Hour)
		if err := e.App.Honours.AskReviews(ctx); err != nil {
			t.Fatal(err)
		}
		if notices(yearly) != 2 {
			t.Fatalf("next year's review: %d notices", notices(yearly))
		}
	})
}

// The story tours (宣讲, the seed's Xiuning on the 15th) are volunteer
// activities linked to an honoree's story: the demo's show on the wall
// beside the story; the office links another and unlinks it, only for an
// awarded honoree and only an open activity.
func TestStoryToursAreVolunteerActivitiesLinkedToTheWall(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Anonymous(t)
		if wall := pub.Get("/public/honours"); !wall.Contains("宣讲活动", "道德模范宣讲") {
			t.Fatalf("no story tour on the wall: %s", wall.Body)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM honour_tours ht JOIN activities a ON a.id = ht.activity_id WHERE a.day LIKE '%-15'`); n < 4 {
			t.Fatalf("demo tours on the 15th: %d", n)
		}
		id := awardedNamed(t, e, "刘芳")
		office := e.Login(t, "appraiser")
		n, _ := e.App.Honours.Get(context.Background(), nil, id)
		aid := e.Count(t, "SELECT MIN(id) FROM activities WHERE status = 'open' AND title <> '道德模范宣讲' AND day >= ?", e.Clock.Now().In(clock.CST).Format(time.DateOnly))
		page := office.Get(fmt.Sprintf("/honours/%d", id))
		if !page.Contains(`name="activity_id"`, fmt.Sprintf(`value="%d"`, aid)) {
			t.Fatalf("the activity is not offered: %s", page.Body)
		}
		if res := office.PostForm(fmt.Sprintf("/honours/%d/tours", id), url.Values{"activity_id": {"999999"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("an unknown activity: %d", res.Status)
		}
		if res := office.PostForm(fmt.Sprintf("/honours/%d/tours", id), url.Values{"activity_id": {fmt.Sprint(aid)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("link: %d %s", res.Status, res.Body)
		}
		title := titleOf(t, e, aid)
		if wall := pub.Get("/public/honours"); !wall.Contains(title) {
			t.Fatalf("the linked tour %q is not on %s's story", title, n.Nominee)
		}
		voting, _ := e.App.Honours.Public(context.Background(), honour.PublicFilter{State: honour.StateVoting})
		if res := office.PostForm(fmt.Sprintf("/honours/%d/tours", voting[0].ID), url.Values{"activity_id": {fmt.Sprint(aid)}}); res.Status != http.StatusConflict {
			t.Fatalf("a tour for a nomination in the vote: %d", res.Status)
		}
		if res := office.PostForm(fmt.Sprintf("/honours/%d/tours/%d/unlink", id, aid), nil); res.Status != http.StatusSeeOther {
			t.Fatalf("unlink: %d", res.Status)
		}
		if e.Count(t, "SELECT COUNT(*) FROM honour_tours WHERE nomination_id = ? AND activity_id = ?", id, aid) != 0 ||
			e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'honour_nomination' AND action IN ('link_tour','unlink_tour') AND entity_id = ?", fmt.Sprint(id)) != 2 {
			t.Fatal("the link and unlink are not both recorded")
		}
	})
}

func mustPublic(t *testing.T, e *apptest.Env, st honour.State) []honour.Nomination {
	t.Helper()
	list, err := e.App.Honours.Public(context.Background(), honour.PublicFilter{State: st})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func titleOf(t *testing.T, e *apptest.Env, aid int64) string {
	t.Helper()
	acts, err := e.App.Volunteers.PublicActivities(context.Background(), []int64{aid}, "", "")
	if err != nil || len(acts) != 1 {
		t.Fatalf("activity %d: %v", aid, err)
	}
	return acts[0].Title
}
