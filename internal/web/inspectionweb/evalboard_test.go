package inspectionweb_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/scoring"
)

func TestTheDemoHasTwoPublishedQuartersAndTheHistoryShowsEachUnitsTotalRankAndMove(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		office := principal(t, e, "dispatcher")
		now := inspection.QuarterOf(e.Clock.Now())
		prev, before := now.Prev(), now.Prev().Prev()
		evs := map[string]inspection.Evaluation{}
		for _, q := range []inspection.Quarter{before, prev, now} {
			ev, err := e.App.Inspection.Evaluation(ctx, office, q.String())
			if err != nil {
				t.Fatal(err)
			}
			evs[q.String()] = ev
		}
		if !evs[before.String()].Published || !evs[prev.String()].Published || evs[now.String()].Published {
			t.Fatalf("published: %v %v %v", evs[before.String()].Published, evs[prev.String()].Published, evs[now.String()].Published)
		}
		ranked := 0
		for _, r := range evs[prev.String()].Rows {
			if r.Rank > 0 {
				ranked++
				// A frozen row keeps the counts it was computed from.
				if r.Type != inspection.EvalDepartment && r.Inputs.Inspections == 0 {
					t.Fatalf("a ranked %s without its inspections' counts: %+v", r.Type, r)
				}
			}
		}
		if ranked < 10 {
			t.Fatalf("only %d units ranked in the demo's published quarter", ranked)
		}
		h, err := e.App.Inspection.EvaluationHistory(ctx, office, now.String(), 3)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(h.Quarters, ",") != before.String()+","+prev.String()+","+now.String() || !h.Published[0] || !h.Published[1] || h.Published[2] {
			t.Fatalf("history quarters %v published %v", h.Quarters, h.Published)
		}
		moved := 0
		for _, hr := range h.Rows {
			for i, q := range h.Quarters {
				var want inspection.EvalRow
				for _, r := range evs[q].Rows {
					if r.UnitID == hr.UnitID {
						want = r
					}
				}
				pt := hr.Points[i]
				if pt.Total != want.Total || pt.Rank != want.Rank {
					t.Fatalf("%s in %s: history %+v, evaluation %+v", hr.UnitName, q, pt, want)
				}
				if i > 0 && pt.Rank > 0 && hr.Points[i-1].Rank > 0 {
					if pt.Change != hr.Points[i-1].Rank-pt.Rank {
						t.Fatalf("%s in %s: change %d, ranks %d → %d", hr.UnitName, q, pt.Change, hr.Points[i-1].Rank, pt.Rank)
					}
					if pt.Change != 0 {
						moved++
					}
				}
			}
		}
		if moved == 0 {
			t.Fatal("no unit moved between the demo's quarters: the trend is flat")
		}
		if _, err := e.App.Inspection.EvaluationHistory(ctx, office, now.String(), 9); !errs.Is(err, errs.Invalid) {
			t.Fatalf("nine quarters: %v", err)
		}
		c := e.Login(t, "dispatcher")
		apptest.Want(t, "history page", c.Get("/inspection/evaluations/history?quarter="+now.String()+"&n=3"), http.StatusOK,
			`id="history-street"`, `id="eval-trend"`, "<svg", prev.String())
		apptest.Want(t, "history n out of range", c.Get("/inspection/evaluations/history?n=x"), http.StatusBadRequest, "须在 2 到 8 之间")
		apptest.Want(t, "history for the inspector (no evaluation permission needed beyond view)", e.Login(t, "inspector").Get("/inspection/evaluations/history"), http.StatusOK)
		res := e.API(t, "dispatcher").Get("/api/v1/inspection/evaluations/history?quarter=" + prev.String() + "&n=2")
		apptest.Want(t, "history API", res, http.StatusOK)
		var api inspection.History
		res.Decode(&api)
		if len(api.Quarters) != 2 || api.Quarters[1] != prev.String() || len(api.Rows) == 0 {
			t.Fatalf("history API: %+v", api.Quarters)
		}
	})
}

func TestTheDistrictRollupIsTheMeanOfItsRankedStreetsTotals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		office := principal(t, e, "dispatcher")
		q := inspection.QuarterOf(e.Clock.Now()).Prev()
		ev, err := e.App.Inspection.Evaluation(ctx, office, q.String())
		if err != nil {
			t.Fatal(err)
		}
		total := map[int64]inspection.EvalRow{}
		for _, r := range ev.Rows {
			total[r.UnitID] = r
		}
		districts := inspection.DistrictRollup(ev.Rows)
		checked := 0
		for _, d := range districts {
			// The district's streets by the unit tree, as the database has it.
			var sum, n int64
			for _, r := range ev.Rows {
				if r.Type != inspection.EvalStreet || r.Rank == 0 {
					continue
				}
				if e.Count(t, "SELECT COUNT(*) FROM units WHERE id = ? AND parent_id = ? AND kind = 'street_office'", r.UnitID, d.UnitID) == 1 {
					sum += int64(r.Total)
					n++
				}
			}
			if int64(d.Streets) != n || int64(d.Sum) != sum {
				t.Fatalf("%s: %d streets summing %d, want %d summing %d", d.UnitName, d.Streets, d.Sum, n, sum)
			}
			if n > 0 {
				if want := (2*sum + n) / (2 * n); int64(d.Average) != want {
					t.Fatalf("%s: mean %d, want %d", d.UnitName, d.Average, want)
				}
				checked++
			}
			if d.Own != total[d.UnitID].Total {
				t.Fatalf("%s: own %s, evaluation %s", d.UnitName, d.Own, total[d.UnitID].Total)
			}
		}
		if checked < 2 {
			t.Fatalf("only %d districts with ranked streets", checked)
		}
		for i := 1; i < len(districts); i++ {
			for j := range districts {
				a, b := districts[i], districts[j]
				if a.Rank > 0 && b.Rank > 0 && a.Average > b.Average && a.Rank >= b.Rank {
					t.Fatalf("%s (%s) ranked %d, %s (%s) ranked %d", a.UnitName, a.Average, a.Rank, b.UnitName, b.Average, b.Rank)
				}
			}
		}
		apptest.Want(t, "page", e.Login(t, "dispatcher").Get("/inspection/evaluations?quarter="+q.String()), http.StatusOK,
			`id="eval-districts"`, districts[0].UnitName)
	})
}

func TestABoardIsPublishedOnceAfterItsQuarterAndOnlyThenShownToThePublic(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		office := principal(t, e, "dispatcher")
		now := inspection.QuarterOf(e.Clock.Now())
		prev, before := now.Prev(), now.Prev().Prev()
		anon := e.Anonymous(t)
		// The demo published the last quarter's board: the public page shows it by default.
		res := anon.Get("/public/inspection/board")
		apptest.Want(t, "public board", res, http.StatusOK, `id="public-board"`, prev.String())
		ev, _ := e.App.Inspection.Evaluation(ctx, office, prev.String())
		board := inspection.BoardOf(ev.Rows, inspection.DefaultBoardSize)
		for _, l := range board {
			for _, r := range append(append([]inspection.EvalRow{}, l.Red...), l.Black...) {
				if !strings.Contains(res.Body, r.UnitName) {
					t.Fatalf("the public board lacks %s", r.UnitName)
				}
			}
		}
		if len(board[1].Red) < inspection.DefaultBoardSize || len(board[1].Black) < inspection.DefaultBoardSize {
			t.Fatalf("street board %+v", board[1])
		}
		apptest.Want(t, "public API", anon.Get("/api/v1/public/inspection/board?quarter="+prev.String()), http.StatusOK, board[1].Red[0].UnitName)
		// A quarter not published, and one published without its board, have no public board.
		apptest.Want(t, "unpublished quarter", anon.Get("/public/inspection/board?quarter="+now.String()), http.StatusNotFound)
		apptest.Want(t, "board not published", anon.Get("/public/inspection/board?quarter="+before.String()), http.StatusNotFound)
		apptest.Want(t, "nonsense quarter", anon.Get("/public/inspection/board?quarter=x"), http.StatusNotFound)
		if err := e.App.Inspection.PublishBoard(ctx, office, now.String(), 3); !errs.Is(err, errs.Conflict) {
			t.Fatalf("board of an unpublished quarter: %v", err)
		}
		if err := e.App.Inspection.PublishBoard(ctx, office, prev.String(), 3); !errs.Is(err, errs.Conflict) {
			t.Fatalf("board published twice: %v", err)
		}
		c := e.Login(t, "dispatcher")
		apptest.Want(t, "bad size", c.PostForm("/inspection/evaluations/"+before.String()+"/board", url.Values{"size": {"11"}}), http.StatusBadRequest,
			"每榜单位数", "须在 1 到 10 之间")
		en := e.Login(t, "dispatcher")
		en.Lang = "en"
		apptest.Want(t, "bad size in English", en.PostForm("/inspection/evaluations/"+before.String()+"/board", url.Values{"size": {"x"}}), http.StatusBadRequest,
			"Units on each list", "Must be between 1 and 10.")
		apptest.Want(t, "still not public", anon.Get("/public/inspection/board?quarter="+before.String()), http.StatusNotFound)
		apptest.Want(t, "an inspector cannot publish", e.Login(t, "inspector").PostForm("/inspection/evaluations/"+before.String()+"/board", url.Values{"size": {"2"}}),
			http.StatusForbidden)
		// Two publishers at once (two instances): exactly one wins.
		var wg sync.WaitGroup
		errsOf := make([]error, 2)
		for i := range errsOf {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errsOf[i] = e.App.Inspection.PublishBoard(ctx, office, before.String(), 2)
			}()
		}
		wg.Wait()
		if (errsOf[0] == nil) == (errsOf[1] == nil) || !(errs.Is(errsOf[0], errs.Conflict) || errs.Is(errsOf[1], errs.Conflict)) {
			t.Fatalf("concurrent publishers: %v, %v", errsOf[0], errsOf[1])
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_eval_boards WHERE quarter = ?", before.String()); n != 1 {
			t.Fatalf("%d boards for one quarter", n)
		}
		pb, err := e.App.Inspection.PublicBoardOf(ctx, before.String())
		if err != nil || pb.Size != 2 || len(pb.Quarters) != 2 || pb.Quarters[0] != prev.String() {
			t.Fatalf("published board %+v, %v", pb, err)
		}
	})
}

func TestAUnitsTraceListsExactlyTheRowsItsCriteriaCount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		cg, _ := findingsAt(t, e, "k-trace-0123456789", 2)
		admin := principal(t, e, "admin")
		q := inspection.QuarterOf(e.Clock.Now())
		tr, err := e.App.Inspection.EvaluationTrace(ctx, admin, q.String(), cg)
		if err != nil {
			t.Fatal(err)
		}
		in := tr.Row.Inputs
		var earned, possible, findings, onTime int64
		for _, x := range tr.Inspections {
			earned, possible, findings = earned+int64(x.Earned), possible+int64(x.Possible), findings+int64(x.Findings)
		}
		for _, x := range tr.Rectifications {
			if x.OnTime {
				onTime++
			}
		}
		if int64(len(tr.Inspections)) != in.Inspections || earned != in.InspEarned || possible != in.InspPossible || findings != in.Findings ||
			int64(len(tr.Rectifications)) != in.RectFiled || onTime != in.RectOnTime || in.RectFiled < 2 || tr.Hidden != 0 || tr.Now != in {
			t.Fatalf("trace: %d inspections (%d/%d, %d findings), %d rects (%d on time), hidden %d; inputs %+v, now %+v",
				len(tr.Inspections), earned, possible, findings, len(tr.Rectifications), onTime, tr.Hidden, in, tr.Now)
		}
		if want := inspection.EvalSchemes[tr.Row.Type].Score(inspection.EvalSubject(tr.Row.Type, "x", in, nil)); want.Total != tr.Row.Total-tr.Row.Adjusted {
			t.Fatalf("the trace's counts give %s, the row says %s", want.Total, tr.Row.Total)
		}
		c := e.Login(t, "dispatcher")
		apptest.Want(t, "trace page", c.Get("/inspection/evaluations/"+q.String()+"/units/"+idStr(cg)), http.StatusOK,
			`id="trace-inspections"`, `id="trace-rects"`, tr.Rectifications[0].Code, "kpi=acknowledged_on_time")
		apptest.Want(t, "trace of a unit not evaluated", c.Get("/inspection/evaluations/"+q.String()+"/units/999999"), http.StatusNotFound)
		apptest.Want(t, "trace of a bad quarter", c.Get("/inspection/evaluations/2026-Q7/units/"+idStr(cg)), http.StatusBadRequest)

		// A published quarter's trace keeps its frozen counts and says when the rows moved since.
		prev := q.Prev()
		ev, _ := e.App.Inspection.Evaluation(ctx, admin, prev.String())
		var street inspection.EvalRow
		for _, r := range ev.Rows {
			if r.Type == inspection.EvalStreet && r.Rank > 0 {
				street = r
				break
			}
		}
		e.Exec(t, "DELETE FROM inspection_results WHERE inspection_id IN (SELECT id FROM inspections WHERE unit_id = ? AND inspected_at >= ? AND inspected_at < ?)",
			street.UnitID, prev.Start().UnixMilli(), prev.End().UnixMilli())
		e.Exec(t, "DELETE FROM inspections WHERE unit_id = ? AND inspected_at >= ? AND inspected_at < ?", street.UnitID, prev.Start().UnixMilli(), prev.End().UnixMilli())
		tr, err = e.App.Inspection.EvaluationTrace(ctx, admin, prev.String(), street.UnitID)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Row.Inputs != street.Inputs || tr.Row.Total != street.Total || tr.Now.Inspections != 0 || len(tr.Inspections) != 0 {
			t.Fatalf("published trace moved: %+v now %+v", tr.Row, tr.Now)
		}
		apptest.Want(t, "moved note", c.Get("/inspection/evaluations/"+prev.String()+"/units/"+idStr(street.UnitID)), http.StatusOK, `id="trace-moved"`)
		if len(tr.Adjustments) == 0 && street.Adjusted != 0 {
			t.Fatalf("the adjustment is missing from the trace")
		}
	})
}

func TestTheEvaluationScoreFigureIsTheRankedUnitsPointsOverTheirPossibleInTheScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := e.App.Inspection.FiguresContext(context.Background())
		admin := principal(t, e, "admin")
		q := inspection.QuarterOf(e.Clock.Now()).Prev()
		sc := figures.Scope{From: q.Start().Format("2006-01-02"), To: q.End().AddDate(0, 0, -1).Format("2006-01-02")}
		f, ok := figures.Get("inspection.eval_score")
		if !ok {
			t.Fatal("not registered")
		}
		v, err := f.Compute(ctx, admin, sc)
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := e.App.Inspection.Evaluation(ctx, admin, q.String())
		var num, n int64
		for _, r := range ev.Rows {
			if r.Rank > 0 {
				num += int64(r.Total - r.Adjusted)
				n++
			}
		}
		if v.Count != n || v.Rate == nil || v.Rate.Numerator != num || v.Rate.Denominator != n*int64(scoring.Points(100)) || n == 0 {
			t.Fatalf("figure %+v %+v, want %d of %d units", v, v.Rate, num, n)
		}
		// In a district's region: only the units whose region lies in it.
		district := e.ID(t, "units", "kind", "district_gov")
		var region int64
		for _, r := range ev.Rows {
			if r.UnitID == district {
				region = e.Count(t, "SELECT region_id FROM units WHERE id = ?", district)
			}
		}
		sc.RegionID = region
		vr, err := f.Compute(ctx, admin, sc)
		if err != nil {
			t.Fatal(err)
		}
		var rn int64
		for _, r := range ev.Rows {
			if r.Rank > 0 && e.Count(t, `SELECT COUNT(*) FROM units u JOIN regions r ON r.id = u.region_id WHERE u.id = ?
				AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'`, r.UnitID, region) == 1 {
				rn++
			}
		}
		if vr.Count != rn || rn == 0 || rn >= n {
			t.Fatalf("in the district: %d units, want %d (of %d)", vr.Count, rn, n)
		}
		apptest.Want(t, "cockpit", e.Login(t, "admin").Get("/dashboard"), http.StatusOK, "测评得分率")
	})
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
