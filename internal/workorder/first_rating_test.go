package workorder_test

import (
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/figures"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// A civilisation office judges the handling by the citizen's first
// verdict: an order rated dissatisfied, done again and then rated
// satisfied counts as reached once and dissatisfied, whether the operator
// made the callbacks or the citizen rated on the tracking page; an
// unreachable callback counts nothing; and the order keeps both ratings
// (first_rating, satisfaction).
func TestDissatisfiedThenSatisfiedAfterTheRedoCountsAsDissatisfied(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		day := wo.Day(f.clk.Now())
		resolve := func(id int64) {
			f.act(t, f.handA, id, wo.ActionInput{Action: wo.ActionResolve, Note: "已清理"})
			f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionVerify})
		}
		start := func(id int64) {
			f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
			f.act(t, f.handA, id, wo.ActionInput{Action: wo.ActionAcknowledge})
			resolve(id)
		}
		callback := func(id int64, r wo.Rating) wo.Order {
			return f.act(t, f.oper, id, wo.ActionInput{Action: wo.ActionCallback, Rating: r, Note: "回访"})
		}
		total := func() wo.StatRow {
			t.Helper()
			rows, err := f.svc.Stats(f.ctx, f.leader, day, day, wo.ByUnit)
			must(t, err)
			return wo.Total(rows)
		}

		// The operator: an order only unreachable; another dissatisfied, redo, satisfied.
		staff := f.submit(t, "RUBBISH").ID
		start(staff)
		if o := callback(staff, wo.RatingUnreachable); o.FirstRating != "" {
			t.Fatalf("an unreachable callback set the first rating %q", o.FirstRating)
		}
		f.act(t, f.oper, staff, wo.ActionInput{Action: wo.ActionClose})
		if tot := total(); tot.CallbacksReached != 0 || tot.SatisfactionRate.Ptr() != nil {
			t.Fatalf("after an unreachable callback only: %+v", tot)
		}
		staff = f.submit(t, "RUBBISH").ID
		start(staff)
		if o := callback(staff, wo.RatingDissatisfied); o.State != wo.StateReopened || o.FirstRating != wo.RatingDissatisfied {
			t.Fatalf("dissatisfied callback: state %s, first rating %q", o.State, o.FirstRating)
		}
		resolve(staff)
		o := callback(staff, wo.RatingSatisfied)
		if o.FirstRating != wo.RatingDissatisfied || o.Satisfaction != wo.RatingSatisfied {
			t.Fatalf("after the redo: first rating %q, satisfaction %q", o.FirstRating, o.Satisfaction)
		}
		if got, err := f.svc.Get(f.ctx, f.leader, staff); err != nil || got.FirstRating != wo.RatingDissatisfied {
			t.Fatalf("read back: first rating %q, %v", got.FirstRating, err)
		}
		if tot := total(); tot.CallbacksReached != 1 || tot.Dissatisfied != 1 || tot.Satisfied != 0 ||
			tot.SatisfactionRate != figures.Of(0, 1) {
			t.Fatalf("staff callbacks: %+v, want reached 1, dissatisfied 1, satisfaction 0/1", tot)
		}

		// The citizen on the tracking page: dissatisfied, redo, satisfied.
		s, err := f.svc.SubmitPublic(f.ctx, f.report(29.56, 103.76, "STREET_VENDING", "192.0.2.5"))
		must(t, err)
		start(s.ID)
		rate := func(r wo.Rating) {
			t.Helper()
			_, err := f.svc.RateByCode(f.ctx, s.Code, wo.CitizenRating{Rating: r, Comment: "评价", PhoneTail: "8000", IP: "192.0.2.5"})
			must(t, err)
		}
		rate(wo.RatingDissatisfied)
		resolve(s.ID)
		rate(wo.RatingSatisfied)
		if n := f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND first_rating = 'dissatisfied' AND satisfaction = 'satisfied'", s.ID); n != 1 {
			t.Fatal("the citizen's first verdict is not kept on the order")
		}
		if tot := total(); tot.CallbacksReached != 2 || tot.Dissatisfied != 2 || tot.Satisfied != 0 ||
			tot.SatisfactionRate != figures.Of(0, 2) {
			t.Fatalf("with the citizen's ratings: %+v, want reached 2, dissatisfied 2, satisfaction 0/2", tot)
		}
	})
}

// Migration 0021 fills first_rating of existing orders from their
// timelines (the earliest callback event whose rating reached the citizen)
// and has the rollups recounted at the next start, so an upgraded database
// counts the first verdict like a new one.
func TestMigration0021BackfillsTheFirstReachedRatingAndRecounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := cohortScenario(t, f)
		sums := func() [3]int64 {
			q := func(c string) int64 { return f.count(t, "SELECT COALESCE(SUM("+c+"), 0) FROM workorder_stats_daily") }
			return [3]int64{q("callbacks_reached"), q("satisfied") + q("basically_satisfied"), q("dissatisfied")}
		}
		want := sums()
		if want != [3]int64{2, 1, 1} {
			t.Fatalf("the scenario counts reached, satisfied, dissatisfied %v, want [2 1 1]", want)
		}
		// As an older version left the database: no first rating, rollups
		// counting the latest callback.
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(f.ctx, "UPDATE workorders SET first_rating = ''"); err != nil {
				return err
			}
			_, err := tx.Exec(f.ctx, "UPDATE workorder_stats_daily SET satisfied = satisfied + dissatisfied, dissatisfied = 0")
			return err
		}))
		ms, err := db.Migrations(d.Engine)
		must(t, err)
		var step string
		for _, m := range ms {
			if m.Name == "0021_first_rating" {
				step = m.SQL
			}
		}
		const add = "ALTER TABLE workorders ADD COLUMN first_rating TEXT NOT NULL DEFAULT '';"
		if !strings.Contains(step, add) {
			t.Fatalf("migration 0021_first_rating does not add the column: %q", step)
		}
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(f.ctx, strings.Replace(step, add, "", 1)) // the column is there already
			return err
		}))
		for id, r := range map[int64]wo.Rating{o.o1: wo.RatingDissatisfied, o.o2: "", o.o3: wo.RatingBasicallySatisfied, o.o4: ""} {
			if n := f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND first_rating = ?", id, string(r)); n != 1 {
				t.Errorf("order %d: first rating not backfilled as %q", id, r)
			}
		}
		if n := f.count(t, "SELECT COUNT(*) FROM workorder_stats_daily") + f.count(t, "SELECT COUNT(*) FROM workorder_stats_dim"); n != 0 {
			t.Errorf("%d rollup rows left for the recount", n)
		}
		n, err := f.svc.RebuildStats(f.ctx)
		must(t, err)
		if n != 7 {
			t.Errorf("RebuildStats counted %d orders, want 7", n)
		}
		if got := sums(); got != want {
			t.Errorf("recounted reached, satisfied, dissatisfied %v, want %v", got, want)
		}
	})
}
