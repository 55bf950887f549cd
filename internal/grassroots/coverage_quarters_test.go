package grassroots

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// sameCoverage fails unless the quarter's rows of every region of the
// fixture, in both quarters, are what the plan items and visits count for
// the whole city, under the path each household counts under (the lowest
// of its paths in the quarter): the same count on every level, so a
// village's own page agrees with its row on the street's page.
func sameCoverage(t *testing.T, d *db.DB, step string) {
	t.Helper()
	ctx := context.Background()
	for _, path := range []string{"/1/", "/1/2/", "/1/2/3/", "/1/2/4/", "/1/2/3/5/", "/1/2/4/6/", "/1/7/"} {
		for _, q := range [][2]string{{"2026-01-01", "2026-03-31"}, {"2026-04-01", "2026-06-30"}} {
			var fast, city map[string]*CoverageRow
			err := d.Read(ctx, func(tx *db.Tx) error {
				var err error
				if fast, err = coverageByQuarter(ctx, tx, nil, path, q[0]); err != nil {
					return err
				}
				city, err = coverageByPath(ctx, tx, nil, "/1/", q[0], q[1])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			slow := map[string]*CoverageRow{}
			for k, v := range city {
				if strings.HasPrefix(k, path) {
					slow[k] = v
				}
			}
			if !maps.EqualFunc(fast, slow, func(a, b *CoverageRow) bool { return *a == *b }) {
				t.Errorf("%s: %s %s: quarter rows %s, counted %s", step, path, q[0], show(fast), show(slow))
			}
			if path != "/1/" && path != "/1/2/" {
				continue
			}
			// The items not yet fulfilled: the same, chosen either way.
			var fastItems, slowItems []PlanItem
			err = d.Read(ctx, func(tx *db.Tx) error {
				var err error
				if fastItems, _, err = notYet(ctx, tx, nil, path, q[0], q[1], q[0]); err != nil {
					return err
				}
				slowItems, _, err = notYet(ctx, tx, nil, path, q[0], q[1], "")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			ids := func(xs []PlanItem) []int64 {
				var out []int64
				for _, x := range xs {
					out = append(out, x.ID)
				}
				slices.Sort(out)
				return out
			}
			if !slices.Equal(ids(fastItems), ids(slowItems)) {
				t.Errorf("%s: %s %s: not yet %v from the quarter rows, %v from the items", step, path, q[0], ids(fastItems), ids(slowItems))
			}
		}
	}
}

func show(m map[string]*CoverageRow) string {
	var b strings.Builder
	for k, v := range m {
		fmt.Fprintf(&b, "%s=%+v ", k, *v)
	}
	return b.String()
}

func coverageTotal(t *testing.T, s *Service, from, to string) CoverageRow {
	t.Helper()
	c, err := s.CoverageOf(context.Background(), nil, 2, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return c.Total
}

// The quarter rows (rebuilt, and as migration 0055's backfill writes them)
// count what the plan items and visits count, a household once under the
// lowest of its paths, in every region and quarter; and a period that is
// not a whole quarter (counted the slow way) agrees with the hand count.
func TestQuarterRowsCountWhatTheVisitsAndPlanItemsCountAndTheBackfillWritesTheSameRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		coverageFixture(t, d, true)
		sameCoverage(t, d, "rebuilt")
		rows := func() string {
			var out []string
			err := d.Read(ctx, func(tx *db.Tx) error {
				r, err := tx.Query(ctx, `SELECT household_id, quarter_from, COALESCE(plan_path, '-'), reached, COALESCE(visit_path, '-'), people
					FROM gr_coverage_quarters ORDER BY household_id, quarter_from`)
				if err != nil {
					return err
				}
				defer r.Close()
				for r.Next() {
					var h, reached, people int64
					var q, pp, vp string
					if err := r.Scan(&h, &q, &pp, &reached, &vp, &people); err != nil {
						return err
					}
					out = append(out, fmt.Sprintf("%d %s %s %d %s %d", h, q, pp, reached, vp, people))
				}
				return r.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(out, "\n")
		}
		rebuilt := rows()
		// By hand: household 4 is due in Q1 and visited in Q2 (2 people), so it has a row in each.
		if !strings.Contains(rebuilt, "4 2026-01-01 /1/2/4/6/ 0 - 0") || !strings.Contains(rebuilt, "4 2026-04-01 - 0 /1/2/4/6/ 2") {
			t.Errorf("rebuilt rows:\n%s", rebuilt)
		}
		ms, err := db.Migrations(d.Engine)
		if err != nil {
			t.Fatal(err)
		}
		var backfill string
		for _, m := range ms {
			if m.Version == 55 {
				backfill = m.SQL[strings.Index(m.SQL, "INSERT INTO gr_coverage_quarters"):]
			}
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "DELETE FROM gr_coverage_quarters"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, backfill)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := rows(); got != rebuilt {
			t.Errorf("backfill wrote\n%s\nrebuild wrote\n%s", got, rebuilt)
		}
		s := New(d, clock.NewFake(time.Date(2026, 7, 2, 9, 0, 0, 0, clock.CST)), nil)
		// Household 5 moved from village 1 to village 2 in Q1 and counts under
		// village 1 (the lower path) on village 2's own page too, as on the street's.
		c, err := s.CoverageOf(ctx, nil, 4, "2026-01-01", "2026-03-31")
		if err != nil {
			t.Fatal(err)
		}
		if c.Total.Planned != 2 || c.Total.Reached != 1 || c.Total.Visited != 0 || c.Total.People != 0 {
			t.Errorf("village 2, Q1: %+v", c.Total)
		}
		// January alone, counted from the items and visits: due 1, 4 (plan 2) and every household (plan 1, its window overlaps);
		// visited 1 (3 people), 5 (4).
		want := CoverageRow{RegionID: 2, Name: "街道", NameEN: "Street", Level: "street", Planned: 5, Reached: 3, Visited: 2, People: 7}
		if got := coverageTotal(t, s, "2026-01-01", "2026-01-31"); got != want {
			t.Errorf("January: %+v, want %+v", got, want)
		}
	})
}

// Every write of visits and plan items through the service (a plan
// generated, visits logged, an item taken off, a household deleted)
// leaves the quarter rows equal to the count, and the coverage page's
// figures move as a hand count says.
func TestEveryVisitAndPlanWriteKeepsTheQuarterRowsEqualToTheCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		coverageFixture(t, d, false)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO users (id, username, display_name, region_id, created_at, updated_at) VALUES (1, 'g', 'g', 2, 0, 0)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(time.Date(2026, 6, 30, 18, 0, 0, 0, clock.CST))
		s := New(d, clk, nil)
		p := &auth.Principal{UserID: 1, RegionID: 2, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermGridVisit: true}}
		row := func(planned, reached, visited, people int64) CoverageRow {
			return CoverageRow{RegionID: 2, Name: "街道", NameEN: "Street", Level: "street", Planned: planned, Reached: reached, Visited: visited, People: people}
		}
		plan, err := s.CreatePlan(ctx, p, PlanInput{RegionID: 2, Name: "每季度", Rule: Rule{Every: "quarter"}, StartsOn: "2026-01-01", EndsOn: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		sameCoverage(t, d, "plan")
		if got := coverageTotal(t, s, "2026-01-01", "2026-03-31"); got != row(5, 0, 0, 0) {
			t.Errorf("after the plan: %+v", got)
		}
		visit := func(h int64, day string, people int, key string) {
			t.Helper()
			at, _ := time.ParseInLocation(time.DateOnly, day, clock.CST)
			if _, _, err := s.LogVisit(ctx, p, VisitInput{HouseholdID: h, VisitedAt: at.Add(10 * time.Hour), Visitors: "杨", PeopleReached: people, Key: key}); err != nil {
				t.Fatal(err)
			}
			sameCoverage(t, d, "visit "+key)
		}
		visit(1, "2026-01-10", 3, "a")
		visit(1, "2026-02-10", 5, "b")
		visit(5, "2026-03-31", 2, "c")
		visit(4, "2026-04-01", 4, "d")
		if got := coverageTotal(t, s, "2026-01-01", "2026-03-31"); got != row(5, 2, 2, 5) {
			t.Errorf("Q1 after the visits: %+v", got)
		}
		if got := coverageTotal(t, s, "2026-04-01", "2026-06-30"); got != row(5, 1, 1, 4) {
			t.Errorf("Q2 after the visits: %+v", got)
		}
		items, err := s.PlanItems(ctx, p, plan.ID)
		if err != nil {
			t.Fatal(err)
		}
		var gone int64
		for _, it := range items {
			if it.HouseholdID == 1 && it.DueFrom == "2026-01-01" {
				gone = it.ID
			}
		}
		if err := s.RemovePlanItem(ctx, p, plan.ID, gone); err != nil {
			t.Fatal(err)
		}
		sameCoverage(t, d, "item removed")
		// Household 1 is no longer due in Q1 but still visited.
		if got := coverageTotal(t, s, "2026-01-01", "2026-03-31"); got != row(4, 1, 2, 5) {
			t.Errorf("Q1 after the item went: %+v", got)
		}
		if err := s.DeleteHousehold(ctx, p, 5); err != nil {
			t.Fatal(err)
		}
		sameCoverage(t, d, "household deleted")
		if got := coverageTotal(t, s, "2026-01-01", "2026-03-31"); got != row(3, 0, 1, 3) {
			t.Errorf("Q1 after household 5 went: %+v", got)
		}
	})
}

// Visits of one household sent at once (two instances on one
// PostgreSQL, or a phone and a laptop) all count: the quarter rows end
// equal to the count, with every visit's write waiting for the other's.
func TestVisitsOfOneHouseholdSentAtOnceLeaveTheQuarterRowsEqualToTheCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		coverageFixture(t, d, false)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO users (id, username, display_name, region_id, created_at, updated_at) VALUES (1, 'g', 'g', 2, 0, 0)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s := New(d, clock.NewFake(time.Date(2026, 6, 30, 18, 0, 0, 0, clock.CST)), nil)
		p := &auth.Principal{UserID: 1, RegionID: 2, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermGridVisit: true}}
		if _, err := s.CreatePlan(ctx, p, PlanInput{RegionID: 2, Name: "每季度", Rule: Rule{Every: "quarter"}, StartsOn: "2026-01-01", EndsOn: "2026-06-30"}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		errc := make(chan error, n)
		for i := range n {
			go func() {
				day := time.Date(2026, time.Month(1+i%6), 10, 10, 0, 0, 0, clock.CST)
				_, _, err := s.LogVisit(ctx, p, VisitInput{HouseholdID: 1 + int64(i%2), VisitedAt: day, Visitors: "杨", PeopleReached: 1 + i, Key: fmt.Sprint("k", i)})
				errc <- err
			}()
		}
		for range n {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		sameCoverage(t, d, "visits at once")
		// Households 1 and 2 were each visited in both quarters.
		if got := coverageTotal(t, s, "2026-04-01", "2026-06-30"); got.Visited != 2 || got.Reached != 2 {
			t.Errorf("Q2: %+v", got)
		}
	})
}
