package ratingweb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
	"github.com/wenming-city/wenming/internal/rating"
	"github.com/wenming-city/wenming/internal/scoring"
)

type result struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Total       int64  `json:"total"`
	Complete    bool   `json:"complete"`
	Rank        int    `json:"rank"`
	Band        string `json:"band"`
	StarsBefore int    `json:"stars_before"`
	StarsAfter  int    `json:"stars_after"`
}

func results(t *testing.T, c *apptest.Client, roundID int64) map[string]result {
	t.Helper()
	res := c.JSON("GET", fmt.Sprintf("/api/v1/ratings/rounds/%d/results", roundID), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("results: %d %s", res.Status, res.Body)
	}
	var page struct{ Items []result }
	res.Decode(&page)
	out := map[string]result{}
	for _, r := range page.Items {
		out[r.Code] = r
	}
	return out
}

func userID(t *testing.T, e *apptest.Env, username string) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), "entity.user", "SELECT id FROM users WHERE username = ?", []any{username}, &id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func wmbUnit(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	var id int64
	if err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), "entity.unit", "SELECT id FROM units WHERE code = 'DEPT-WMB'", nil, &id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func lastID(t *testing.T, res *apptest.Response, prefix string) int64 {
	t.Helper()
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("want a redirect to %s…, got %d %s %s", prefix, res.Status, loc, res.Body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, prefix), 10, 64)
	if err != nil {
		t.Fatalf("location %s", loc)
	}
	return id
}

func TestTheDemoYearOfTheMineTradeHasLiLiFirstWith192AndTheQualifications(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "appraiser")
		list := c.Get("/ratings")
		if list.Status != 200 || !list.Contains("2025Q4 综采工", "2026Q3 综采工", "2026Q4 综采工") {
			t.Fatalf("round list: %d %s", list.Status, list.Body)
		}
		rounds, err := e.App.Rating.Rounds(context.Background(), nil, rating.StateClosed)
		if err != nil || len(rounds) != 4 {
			t.Fatalf("closed rounds %d %v", len(rounds), err)
		}
		q3 := rounds[0]
		if q3.Period != "2026Q3" || q3.Entries != rating.DemoWorkers {
			t.Fatalf("latest %+v", q3)
		}
		rs := results(t, c, q3.ID)
		if li := rs["ZC001"]; li.Total != 19200 || li.Rank != 1 || li.Name != "李立" || li.Band != "top" {
			t.Fatalf("李立: %+v", li)
		}
		pdf := c.Get(fmt.Sprintf("/ratings/rounds/%d/results.pdf", q3.ID))
		if pdf.Status != 200 || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
		}
		if txt := pdftext.Text(t, pdf.Raw); !strings.Contains(txt, "李立") || !strings.Contains(txt, "192") || !strings.Contains(txt, "星级评定结果公示") {
			t.Fatalf("pdf text: %.400s", txt)
		}
		page := c.Get(fmt.Sprintf("/ratings/rounds/%d", q3.ID))
		if !page.Contains("李立", "192", "综采工") {
			t.Fatalf("round page: %s", page.Body)
		}
		grades, err := e.App.Rating.GradeCounts(context.Background(), nil)
		if err != nil || grades["senior"] != 120 || grades["technician"] != 5 {
			t.Fatalf("grades %v %v", grades, err)
		}
		if subj := c.Get("/ratings/subjects?job_type=综采工&q=李立"); !subj.Contains("李立", "★") {
			t.Fatalf("subjects: %s", subj.Body)
		}
		if home := c.Get("/"); !home.Contains("评分中的考评") {
			t.Fatalf("home tiles missing: %s", home.Body)
		}
		mine := e.Login(t, demoWorker).Get("/my/ratings")
		if mine.Status != 200 || !mine.Contains("2026Q3", "192", "技师", "自评") {
			t.Fatalf("my ratings: %d %s", mine.Status, mine.Body)
		}
	})
}

const demoWorker = rating.DemoWorker

// fixture makes a template (a judged criterion of 100, a test of 50;
// leader 50 / peer 30 / office 20, renormalised when a scorer is missing),
// three subjects and a round scored by the demo's leader and a peer, with
// the office (the appraiser) named but not scoring.
type fixture struct {
	tpl    rating.Template
	round  int64
	subs   map[string]int64
	unit   int64
	office int64
}

func newFixture(t *testing.T, e *apptest.Env, c *apptest.Client, job string, subjects ...string) fixture {
	t.Helper()
	f := fixture{unit: wmbUnit(t, e), subs: map[string]int64{}, office: userID(t, e, "appraiser")}
	form := url.Values{"unit_id": {strconv.FormatInt(f.unit, 10)}, "kind": {"staff"}, "job_type": {job}, "name": {job + "评定"},
		"c.0.code": {"work"}, "c.0.name": {"工作实绩"}, "c.0.points": {"100"}, "c.0.method": {"judgement"},
		"c.1.code": {"exam"}, "c.1.name": {"考试"}, "c.1.points": {"50"}, "c.1.method": {"test"},
		"w.leader": {"50"}, "w.peer": {"30"}, "w.office": {"20"}, "missing": {"renormalise"}, "tie_criteria": {"work"}, "tie_then": {"code"},
		"min": {"1"}, "max": {"5"}, "top_percent": {"33"}, "top_stars": {"4"}, "middle_min": {"100"}, "middle_stars": {"3"}, "bottom_stars": {"2"},
		"up_rounds": {"2"}, "down_rounds": {"1"}}
	if res := c.PostForm("/ratings/templates", form); res.Status != http.StatusSeeOther {
		t.Fatalf("template: %d %s", res.Status, res.Body)
	}
	ts, err := e.App.Rating.Templates(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if x.JobType == job {
			f.tpl = x
		}
	}
	for _, code := range subjects {
		res := c.PostForm("/ratings/subjects", url.Values{"unit_id": {strconv.FormatInt(f.unit, 10)}, "kind": {"staff"}, "code": {code},
			"name": {"工人" + code}, "job_type": {job}, "post": {"一队"}})
		f.subs[code] = lastID(t, res, "/ratings/subjects/")
	}
	return f
}

func (f *fixture) open(t *testing.T, c *apptest.Client, e *apptest.Env, period string) int64 {
	t.Helper()
	day := e.Clock.Now().Format("2006-01-02")
	res := c.PostForm("/ratings/rounds", url.Values{"template_id": {strconv.FormatInt(f.tpl.ID, 10)}, "period": {period},
		"self_from": {day}, "self_to": {day}, "appeal_days": {"3"},
		"scorer." + strconv.FormatInt(userID(t, e, rating.DemoLeader), 10): {"leader"},
		"scorer." + strconv.FormatInt(userID(t, e, rating.DemoPeer1), 10):  {"peer"},
		"scorer." + strconv.FormatInt(f.office, 10):                        {"office"}})
	f.round = lastID(t, res, "/ratings/rounds/")
	return f.round
}

func entryIDs(t *testing.T, c *apptest.Client, round int64) map[string]int64 {
	out := map[string]int64{}
	for code, r := range results(t, c, round) {
		out[code] = r.ID
	}
	return out
}

// score posts one scorer's work marks and the office's tests.
func score(t *testing.T, c *apptest.Client, round int64, path string, crit string, marks map[string]string) {
	t.Helper()
	ids := entryIDs(t, c, round)
	form := url.Values{}
	for code, v := range marks {
		form.Set(fmt.Sprintf("m.%d.%s", ids[code], crit), v)
	}
	if res := c.PostForm(fmt.Sprintf("/ratings/rounds/%d/%s", round, path), form); res.Status != http.StatusSeeOther {
		t.Fatalf("%s: %d %s", path, res.Status, res.Body)
	}
}

func TestARoundsScoresAndRanksEqualAHandComputationWithWeightsAndAMissingScorer(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		office := e.Login(t, "appraiser")
		f := newFixture(t, e, office, "测试工", "A", "B", "C")
		round := f.open(t, office, e, "2026Q4")
		leader, peer := e.Login(t, rating.DemoLeader), e.Login(t, rating.DemoPeer1)
		score(t, leader, round, "score", "work", map[string]string{"A": "90", "B": "80", "C": "80"})
		score(t, peer, round, "score", "work", map[string]string{"A": "70", "B": "90", "C": "80"})
		score(t, office, round, "tests", "exam", map[string]string{"A": "40", "B": "45", "C": "40"})
		// Office (weight 20) missing, renormalised over 80:
		// A (90×50 + 70×30)/80 = 82.50 + 40 = 122.50; B (80×50 + 90×30)/80 = 83.75 + 45 = 128.75; C 80 + 40 = 120.
		rs := results(t, office, round)
		want := map[string][2]int64{"A": {12250, 2}, "B": {12875, 1}, "C": {12000, 3}}
		for code, w := range want {
			if r := rs[code]; r.Total != w[0] || r.Rank != int(w[1]) {
				t.Errorf("%s: total %d rank %d, want %d %d", code, r.Total, r.Rank, w[0], w[1])
			}
		}
		// A mark above the criterion's points is refused naming the cell, and changes nothing.
		ids := entryIDs(t, leader, round)
		bad := leader.PostForm(fmt.Sprintf("/ratings/rounds/%d/score", round), url.Values{fmt.Sprintf("m.%d.work", ids["A"]): {"101"}})
		if bad.Status != http.StatusBadRequest || !bad.Contains("分数应在 0 至 100 之间") {
			t.Fatalf("over the points: %d %s", bad.Status, bad.Body)
		}
		if rs2 := results(t, office, round); rs2["A"].Total != 12250 {
			t.Fatalf("a refused mark changed the total: %d", rs2["A"].Total)
		}
		// Someone who is not a scorer of the round cannot score it.
		if res := e.Login(t, rating.DemoPeer2).Get(fmt.Sprintf("/ratings/rounds/%d/score", round)); res.Status != http.StatusForbidden {
			t.Fatalf("non-scorer: %d", res.Status)
		}
		// The office has not scored: publishing needs a stated reason.
		pub := office.PostForm(fmt.Sprintf("/ratings/rounds/%d/publish", round), url.Values{})
		if pub.Status != http.StatusBadRequest || !pub.Contains("尚未评完") {
			t.Fatalf("publish without reason: %d %s", pub.Status, pub.Body)
		}
		pub = office.PostForm(fmt.Sprintf("/ratings/rounds/%d/publish", round), url.Values{"missing_note": {"考评办本季度不参与评分"}})
		if pub.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d %s", pub.Status, pub.Body)
		}
		// Scoring after publication is refused.
		late := leader.PostForm(fmt.Sprintf("/ratings/rounds/%d/score", round), url.Values{fmt.Sprintf("m.%d.work", ids["A"]): {"100"}})
		if late.Status != http.StatusConflict {
			t.Fatalf("late mark: %d", late.Status)
		}
	})
}

func TestStarsMoveUpAndDownAcrossThreeRoundsByTheRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		office := e.Login(t, "appraiser")
		f := newFixture(t, e, office, "升降工", "A", "B", "C")
		leader := e.Login(t, rating.DemoLeader)
		// Top 33 % of three = 1 (A), middle ≥ 100, bottom below (C).
		wantStars := [][3]int{{4, 3, 2}, {5, 3, 1}, {5, 3, 1}}
		for i, period := range []string{"2026Q4", "2027Q1", "2027Q2"} {
			round := f.open(t, office, e, period)
			score(t, leader, round, "score", "work", map[string]string{"A": "95", "B": "70", "C": "40"})
			score(t, office, round, "tests", "exam", map[string]string{"A": "45", "B": "40", "C": "30"})
			if res := office.PostForm(fmt.Sprintf("/ratings/rounds/%d/publish", round), url.Values{"missing_note": {"互评与考评办不参与"}}); res.Status != http.StatusSeeOther {
				t.Fatalf("publish: %d %s", res.Status, res.Body)
			}
			// The appeal window (3 days, to midnight) holds the close back.
			if res := office.PostForm(fmt.Sprintf("/ratings/rounds/%d/close", round), nil); res.Status != http.StatusConflict {
				t.Fatalf("closed inside the appeal window: %d", res.Status)
			}
			e.Clock.Advance(4 * 24 * time.Hour)
			office, leader = e.Login(t, "appraiser"), e.Login(t, rating.DemoLeader) // the sessions have timed out
			if res := office.PostForm(fmt.Sprintf("/ratings/rounds/%d/close", round), nil); res.Status != http.StatusSeeOther {
				t.Fatalf("close: %d %s", res.Status, res.Body)
			}
			rs := results(t, office, round)
			got := [3]int{rs["A"].StarsAfter, rs["B"].StarsAfter, rs["C"].StarsAfter}
			if got != wantStars[i] {
				t.Fatalf("round %d stars %v, want %v", i+1, got, wantStars[i])
			}
		}
		hist := office.Get(fmt.Sprintf("/ratings/subjects/%d", f.subs["A"]))
		if !hist.Contains("2026Q4", "2027Q1", "2027Q2", "★★★★★", "↑1") {
			t.Fatalf("history: %s", hist.Body)
		}
	})
}

func TestAnAppealChangesTheScoreWithTheReasonShownAndAnotherIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		office := e.Login(t, "appraiser")
		f := newFixture(t, e, office, "申诉工", "A", "B")
		// 李立's login is linked to a subject of this job type too.
		li, err := e.App.Rating.CreateSubject(ctx, nil, rating.SubjectInput{UnitID: f.unit, Kind: rating.KindStaff, Code: "L", Name: "李立",
			JobType: "申诉工", UserID: userID(t, e, demoWorker)})
		if err != nil {
			t.Fatal(err)
		}
		_ = li
		round := f.open(t, office, e, "2026Q4")
		leader := e.Login(t, rating.DemoLeader)
		score(t, leader, round, "score", "work", map[string]string{"A": "80", "B": "85", "L": "82"})
		score(t, office, round, "tests", "exam", map[string]string{"A": "40", "B": "40", "L": "40"})
		worker := e.Login(t, demoWorker)
		ids := entryIDs(t, office, round)
		// No appeal before publication.
		if res := worker.PostForm(fmt.Sprintf("/my/ratings/entries/%d/appeal", ids["L"]), url.Values{"reason": {"x"}}); res.Status != http.StatusConflict {
			t.Fatalf("appeal before publication: %d", res.Status)
		}
		// Nor on someone else's entry.
		if res := worker.PostForm(fmt.Sprintf("/my/ratings/entries/%d/appeal", ids["A"]), url.Values{"reason": {"x"}}); res.Status != http.StatusNotFound {
			t.Fatalf("appeal on another's entry: %d", res.Status)
		}
		office.PostForm(fmt.Sprintf("/ratings/rounds/%d/publish", round), url.Values{"missing_note": {"仅班组长评分"}})
		if rs := results(t, office, round); rs["L"].Rank != 2 {
			t.Fatalf("before: %+v", rs["L"])
		}
		if res := worker.PostForm(fmt.Sprintf("/my/ratings/entries/%d/appeal", ids["L"]), url.Values{"reason": {""}}); res.Status != http.StatusBadRequest {
			t.Fatalf("empty reason: %d", res.Status)
		}
		if res := worker.PostForm(fmt.Sprintf("/my/ratings/entries/%d/appeal", ids["L"]), url.Values{"reason": {"第三季度安全培训的考试成绩漏记 5 分"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("appeal: %d %s", res.Status, res.Body)
		}
		appeals, err := e.App.Rating.Appeals(ctx, nil, round)
		if err != nil || len(appeals) != 1 {
			t.Fatalf("appeals %v %v", appeals, err)
		}
		answer := fmt.Sprintf("/ratings/appeals/%d/answer?round=%d", appeals[0].ID, round)
		if res := office.PostForm(answer, url.Values{"decision": {"upheld"}, "answer": {"核实漏记，补记 5 分"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("upheld without a change: %d", res.Status)
		}
		if res := office.PostForm(answer, url.Values{"decision": {"upheld"}, "change": {"5"}, "answer": {"核实漏记，补记 5 分"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("answer: %d %s", res.Status, res.Body)
		}
		rs := results(t, office, round)
		if rs["L"].Total != 12700 || rs["L"].Rank != 1 || rs["B"].Rank != 2 {
			t.Fatalf("after the appeal: L %+v B %+v", rs["L"], rs["B"])
		}
		if mine := worker.Get("/my/ratings"); !mine.Contains("核实漏记，补记 5 分", "&#43;5") {
			t.Fatalf("the answer is not shown: %s", mine.Body)
		}
		// A second appeal is refused with its reason.
		worker.PostForm(fmt.Sprintf("/my/ratings/entries/%d/appeal", ids["L"]), url.Values{"reason": {"名次仍有异议"}})
		appeals, _ = e.App.Rating.Appeals(ctx, nil, round)
		if res := office.PostForm(fmt.Sprintf("/ratings/appeals/%d/answer?round=%d", appeals[1].ID, round),
			url.Values{"decision": {"refused"}, "answer": {"经复核，名次无误"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("refuse: %d %s", res.Status, res.Body)
		}
		if rs := results(t, office, round); rs["L"].Total != 12700 {
			t.Fatalf("a refused appeal changed the score: %d", rs["L"].Total)
		}
		// After the window, no more appeals.
		e.Clock.Advance(5 * 24 * time.Hour)
		worker = e.Login(t, demoWorker)
		if res := worker.PostForm(fmt.Sprintf("/my/ratings/entries/%d/appeal", ids["L"]), url.Values{"reason": {"再申诉"}}); res.Status != http.StatusConflict {
			t.Fatalf("appeal after the window: %d", res.Status)
		}
	})
}

func TestAManualStarChangeNeedsAReasonASecondPersonAndTheAuditLog(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		office := e.Login(t, "appraiser")
		subs, err := e.App.Rating.Subjects(ctx, nil, rating.SubjectFilter{Q: "李立"})
		if err != nil || len(subs) != 1 {
			t.Fatalf("subjects %v %v", subs, err)
		}
		li := subs[0]
		path := fmt.Sprintf("/ratings/subjects/%d/stars", li.ID)
		if res := office.PostForm(path, url.Values{"stars": {"3"}}); res.Status != http.StatusBadRequest || !res.Contains("必填") {
			t.Fatalf("no reason: %d", res.Status)
		}
		if res := office.PostForm(path, url.Values{"stars": {"3"}, "reason": {"井下违章作业被通报"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("propose: %d %s", res.Status, res.Body)
		}
		changes, _ := e.App.Rating.StarChanges(ctx, nil, li.ID)
		decide := fmt.Sprintf("/ratings/star-changes/%d/decide", changes[0].ID)
		form := url.Values{"subject_id": {strconv.FormatInt(li.ID, 10)}, "decision": {"approve"}}
		if res := office.PostForm(decide, form); res.Status != http.StatusConflict || !res.Contains("须由另一人审批") {
			t.Fatalf("self-approval: %d %s", res.Status, res.Body)
		}
		if x, _ := e.App.Rating.GetSubject(ctx, nil, li.ID); x.Stars != li.Stars {
			t.Fatalf("stars changed without a second person: %d", x.Stars)
		}
		if res := e.Login(t, "admin").PostForm(decide, form); res.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", res.Status, res.Body)
		}
		if x, _ := e.App.Rating.GetSubject(ctx, nil, li.ID); x.Stars != 3 {
			t.Fatalf("stars after approval: %d", x.Stars)
		}
		n, err := countRows(e, "SELECT COUNT(*) FROM audit_log WHERE entity = 'rating_star_change'")
		if err != nil || n != 2 {
			t.Fatalf("audit rows %d %v", n, err)
		}
	})
}

func countRows(e *apptest.Env, q string) (int64, error) {
	var n int64
	err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(context.Background(), q)
		return err
	})
	return n, err
}

func TestAnotherUnitsAppraiserFindsNoneOfTheRoundsRows(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		var other int64
		if err := e.App.DB.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "entity.unit", "SELECT id FROM units WHERE code <> 'DEPT-WMB' AND kind = 'department' ORDER BY id", nil, &other)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Accounts.CreateUser(ctx, nil, account.UserInput{Username: "appraiser2", DisplayName: "另一考评员", UnitID: other,
			ScopeKind: auth.ScopeUnit, Roles: []string{account.RoleAppraiser}, Active: true, Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		rounds, _ := e.App.Rating.Rounds(ctx, nil, "")
		subs, _ := e.App.Rating.Subjects(ctx, nil, rating.SubjectFilter{Q: "李立"})
		c := e.Login(t, "appraiser2")
		for _, path := range []string{fmt.Sprintf("/ratings/rounds/%d", rounds[0].ID), fmt.Sprintf("/ratings/rounds/%d/score", rounds[0].ID),
			fmt.Sprintf("/ratings/subjects/%d", subs[0].ID), fmt.Sprintf("/api/v1/ratings/rounds/%d/results", rounds[0].ID)} {
			if res := c.Get(path); res.Status != http.StatusNotFound {
				t.Errorf("%s: %d", path, res.Status)
			}
		}
		if res := c.PostForm(fmt.Sprintf("/ratings/rounds/%d/publish", rounds[0].ID), url.Values{"missing_note": {"x"}}); res.Status != http.StatusNotFound {
			t.Errorf("publish: %d", res.Status)
		}
		if list := c.Get("/ratings"); list.Contains("综采工") {
			t.Error("another unit's rounds are listed")
		}
	})
}

var _ = scoring.Points

func TestTheRatingFiguresCountTheDemoYear(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := e.App.Rating.FiguresContext(context.Background())
		year := figures.Scope{From: "2026-01-01", To: "2026-12-31"}
		all := figures.Scope{From: "2000-01-01", To: "2026-12-31"}
		want := map[string][2]any{
			"rating.rounds_held":    {year, int64(3)}, // 2026Q1–Q3 (Q4 is being scored)
			"rating.people_rated":   {year, int64(rating.DemoWorkers)},
			"rating.senior_workers": {all, int64(120)},
			"rating.technicians":    {all, int64(5)},
			"rating.qualifications": {all, int64(125)},
		}
		for id, w := range want {
			f, ok := figures.Get(id)
			if !ok {
				t.Fatalf("%s not registered", id)
			}
			v, err := f.Compute(ctx, nil, w[0].(figures.Scope))
			if err != nil || v.Count != w[1].(int64) {
				t.Errorf("%s = %d (%v), want %d", id, v.Count, err, w[1])
			}
		}
		var stars int64
		for n := 1; n <= rating.StarLevels; n++ {
			f, _ := figures.Get(fmt.Sprintf("rating.stars_%d", n))
			v, err := f.Compute(ctx, nil, year)
			if err != nil {
				t.Fatal(err)
			}
			stars += v.Count
		}
		if stars != rating.DemoWorkers {
			t.Errorf("subjects by star level sum to %d, want %d", stars, rating.DemoWorkers)
		}
		up, _ := figures.Get("rating.stars_up")
		down, _ := figures.Get("rating.stars_down")
		u, _ := up.Compute(ctx, nil, all)
		d, _ := down.Compute(ctx, nil, all)
		if u.Count == 0 || d.Count == 0 {
			t.Errorf("no movement in the demo year: up %d down %d", u.Count, d.Count)
		}
	})
}

func TestTheRatedPersonAssessesThemselvesOnlyWhileTheWindowIsOpen(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		worker := e.Login(t, demoWorker)
		mine, err := e.App.Rating.MyRatings(context.Background(), &auth.Principal{UserID: userID(t, e, demoWorker)})
		if err != nil || len(mine.Open) != 1 || !mine.Open[0].Open {
			t.Fatalf("open entries %+v %v", mine.Open, err)
		}
		path := fmt.Sprintf("/my/ratings/entries/%d/self", mine.Open[0].EntryID)
		if res := worker.PostForm(path, url.Values{"self_note": {""}}); res.Status != http.StatusBadRequest {
			t.Fatalf("empty: %d", res.Status)
		}
		if res := worker.PostForm(path, url.Values{"self_note": {"本季度完成综采任务 105%，无违章。"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("self-assessment: %d %s", res.Status, res.Body)
		}
		if page := e.Login(t, "appraiser").Get(fmt.Sprintf("/ratings/rounds/%d", mustRound(t, e))); !page.Contains("本季度完成综采任务 105%，无违章。") {
			t.Fatal("the appraiser does not see the self-assessment")
		}
		// Another worker's entry is not found; after the window, nothing is accepted.
		if res := e.Login(t, rating.DemoPeer1).PostForm(path, url.Values{"self_note": {"x"}}); res.Status != http.StatusNotFound {
			t.Fatalf("someone else's entry: %d", res.Status)
		}
		e.Clock.Advance(20 * 24 * time.Hour)
		worker = e.Login(t, demoWorker)
		if res := worker.PostForm(path, url.Values{"self_note": {"补充"}}); res.Status != http.StatusConflict {
			t.Fatalf("after the window: %d", res.Status)
		}
	})
}

func mustRound(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	rs, err := e.App.Rating.Rounds(context.Background(), nil, rating.StateScoring)
	if err != nil || len(rs) == 0 {
		t.Fatalf("no round being scored: %v", err)
	}
	return rs[0].ID
}

func TestAFigureCriterionIsPulledFromTheFiguresAndEvidenceIsRequired(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		unit := wmbUnit(t, e)
		in := rating.TemplateInput{UnitID: unit, Kind: rating.KindUnit, JobType: "责任单位", Name: "责任单位星级",
			Scheme: scoring.Scheme{
				Criteria: []scoring.Criterion{
					{Code: "orders", Name: "受理工单", Points: scoring.Points(20), Method: scoring.MethodFigure, Figure: "workorder.received", PerCount: scoring.Points(1)},
					{Code: "work", Name: "工作实绩", Points: scoring.Points(80), Method: scoring.MethodJudgement, Evidence: true},
				},
				Weights: []scoring.ScorerWeight{{Kind: "office", Weight: 1}}, Missing: scoring.MissingRenormalise, TieBreak: scoring.TieBreak{Then: scoring.TieShared},
			},
			Ladder: scoring.Ladder{Min: 1, Max: 5, Bands: []scoring.Band{{Code: "top", TopPercent: 50, Stars: 4}, {Code: "rest", Stars: 3}}},
		}
		tpl, err := e.App.Rating.SaveTemplate(ctx, nil, in)
		if err != nil {
			t.Fatal(err)
		}
		var cg int64
		e.App.DB.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "entity.unit", "SELECT id FROM units WHERE code = 'DEPT-CG'", nil, &cg)
		})
		if _, err := e.App.Rating.CreateSubject(ctx, nil, rating.SubjectInput{UnitID: unit, Kind: rating.KindUnit, Code: "CG", Name: "市城市管理局",
			JobType: "责任单位", RefUnitID: cg}); err != nil {
			t.Fatal(err)
		}
		admin := e.Login(t, "admin")
		day := e.Clock.Now().Format("2006-01-02")
		res := admin.PostForm("/ratings/rounds", url.Values{"template_id": {strconv.FormatInt(tpl.ID, 10)}, "period": {"2026Q4"}, "self_from": {day},
			"self_to": {day}, "appeal_days": {"3"}, "scorer." + strconv.FormatInt(userID(t, e, "admin"), 10): {"office"}})
		round := lastID(t, res, "/ratings/rounds/")
		// The appraiser may not read work-order figures; the admin may.
		if res := e.Login(t, "appraiser").PostForm(fmt.Sprintf("/ratings/rounds/%d/figures", round), nil); res.Status != http.StatusForbidden {
			t.Fatalf("appraiser pulling work-order figures: %d", res.Status)
		}
		if res := admin.PostForm(fmt.Sprintf("/ratings/rounds/%d/figures", round), nil); res.Status != http.StatusSeeOther {
			t.Fatalf("pull: %d %s", res.Status, res.Body)
		}
		f, _ := figures.Get("workorder.received")
		v, err := f.Compute(e.App.Orders.FiguresContext(ctx), &auth.Principal{UserID: 1, Perms: map[auth.Perm]bool{auth.PermDashboardView: true}, Scope: auth.Scope{All: true}},
			figures.Scope{From: "2026-10-01", To: "2026-12-31", UnitID: cg})
		if err != nil {
			t.Fatal(err)
		}
		want := min(scoring.Cents(v.Count)*scoring.Points(1), scoring.Points(20))
		es, _ := e.App.Rating.Entries(ctx, nil, round)
		if got, ok := es[0].ByCrit["orders"]; !ok || got != want {
			t.Fatalf("pulled %v (%v), want %v", got, ok, want)
		}
		// A judged criterion that needs evidence refuses a mark without it.
		key := fmt.Sprintf("m.%d.work", es[0].ID)
		if res := admin.PostForm(fmt.Sprintf("/ratings/rounds/%d/score", round), url.Values{key: {"70"}}); res.Status != http.StatusBadRequest || !res.Contains("该项需要填写依据") {
			t.Fatalf("no evidence: %d", res.Status)
		}
		if res := admin.PostForm(fmt.Sprintf("/ratings/rounds/%d/score", round), url.Values{key: {"70"}, key + ".note": {"督查通报第 12 期"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("with evidence: %d %s", res.Status, res.Body)
		}
		if rs := results(t, admin, round); rs["CG"].Total != int64(want)+7000 || rs["CG"].Rank != 1 {
			t.Fatalf("total %+v, want %d", rs["CG"], int64(want)+7000)
		}
	})
}
