package inspectionweb_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/scoring"
)

func TestAQuartersScoresComeFromItsRowsCountOnlyApprovedAdjustmentsAndFreezeWhenPublished(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		cg, _ := findingsAt(t, e, "k-eval-0123456789", 1)
		office, admin := principal(t, e, "dispatcher"), principal(t, e, "admin")
		q := inspection.QuarterOf(e.Clock.Now())
		ev, err := e.App.Inspection.Evaluation(ctx, office, q.String())
		if err != nil {
			t.Fatal(err)
		}
		row := func(ev inspection.Evaluation) inspection.EvalRow {
			for _, r := range ev.Rows {
				if r.UnitID == cg {
					return r
				}
			}
			t.Fatal("the bureau is not evaluated")
			return inspection.EvalRow{}
		}
		r := row(ev)
		// The inputs are the quarter's own rows: the inspections of the
		// bureau's sites and its rectifications, and its work-order KPIs.
		var earned, possible, filed int64
		e.App.DB.Read(ctx, func(tx *db.Tx) error {
			tx.Get(ctx, "", "SELECT COALESCE(SUM(earned), 0), COALESCE(SUM(possible), 0) FROM inspections WHERE unit_id = ? AND inspected_at >= ? AND inspected_at < ?",
				[]any{cg, q.Start().UnixMilli(), q.End().UnixMilli()}, &earned, &possible)
			return tx.Get(ctx, "", "SELECT COUNT(*) FROM inspection_rectifications WHERE unit_id = ? AND created_at >= ?", []any{cg, q.Start().UnixMilli()}, &filed)
		})
		if r.Inputs.InspEarned != earned || r.Inputs.InspPossible != possible || r.Inputs.RectFiled != filed || filed == 0 || !r.Complete {
			t.Fatalf("inputs %+v, want earned %d possible %d filed %d", r.Inputs, earned, possible, filed)
		}
		want := inspection.EvalSchemes[inspection.EvalDepartment].Score(inspection.EvalSubject(inspection.EvalDepartment, "x", r.Inputs, nil))
		if r.Total != want.Total || r.Rank == 0 {
			t.Fatalf("total %s rank %d, want %s", r.Total, r.Rank, want.Total)
		}
		// An adjustment counts once a second person approves it.
		if _, err := e.App.Inspection.ProposeAdjustment(ctx, office, inspection.AdjustmentInput{Quarter: q.String(), UnitID: cg, Value: 200}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("without reason and evidence: %v", err)
		}
		a, err := e.App.Inspection.ProposeAdjustment(ctx, office, inspection.AdjustmentInput{Quarter: q.String(), UnitID: cg, Value: 200,
			Reason: "创建工作成效突出", Evidence: "市委通报表扬文件"})
		if err != nil {
			t.Fatal(err)
		}
		ev, _ = e.App.Inspection.Evaluation(ctx, office, q.String())
		if got := row(ev).Total; got != r.Total {
			t.Fatalf("a pending adjustment changed the total: %s, was %s", got, r.Total)
		}
		if err := e.App.Inspection.DecideAdjustment(ctx, office, a.ID, true); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("approved by its proposer: %v", err)
		}
		ev, _ = e.App.Inspection.Evaluation(ctx, office, q.String())
		if got := row(ev).Total; got != r.Total {
			t.Fatalf("a self-approval changed the total: %s", got)
		}
		if err := e.App.Inspection.DecideAdjustment(ctx, admin, a.ID, true); err != nil {
			t.Fatal(err)
		}
		ev, _ = e.App.Inspection.Evaluation(ctx, office, q.String())
		adjusted := row(ev)
		if adjusted.Total != r.Total+200 || adjusted.Adjusted != 200 || scoring.Points(100) < r.Total {
			t.Fatalf("approved: total %s (adjusted %s), want %s", adjusted.Total, adjusted.Adjusted, r.Total+200)
		}
		c := e.Login(t, "dispatcher")
		apptest.Want(t, "page", c.Get("/inspection/evaluations?quarter="+q.String()), http.StatusOK, `id="eval-department"`, "创建工作成效突出")
		apptest.Want(t, "bad quarter", c.Get("/inspection/evaluations?quarter=2026-Q9"), http.StatusBadRequest)
		apptest.Want(t, "publish too early", c.PostForm("/inspection/evaluations/"+q.String()+"/publish", url.Values{}), http.StatusConflict)

		// Once the quarter is over it is published and frozen: later rows
		// and adjustments change nothing.
		e.Clock.Set(q.End().Add(time.Hour))
		if err := e.App.Inspection.PublishEvaluation(ctx, office, q.String()); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Inspection.ProposeAdjustment(ctx, office, inspection.AdjustmentInput{Quarter: q.String(), UnitID: cg, Value: -100,
			Reason: "迟报", Evidence: "记录"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("an adjustment after publication: %v", err)
		}
		e.Exec(t, "UPDATE inspections SET earned = 0 WHERE unit_id = ?", cg)
		ev, _ = e.App.Inspection.Evaluation(ctx, office, q.String())
		if !ev.Published || row(ev).Total != adjusted.Total || row(ev).Rank != adjusted.Rank {
			t.Fatalf("the published quarter moved: %+v", row(ev))
		}
		if err := e.App.Inspection.PublishEvaluation(ctx, office, q.String()); !errs.Is(err, errs.Conflict) {
			t.Fatalf("published twice: %v", err)
		}
	})
}
