package grassroots

import (
	"context"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// A street of two villages, a grid each: the coverage rows add up to the
// street's total, and a household counts once even when two plans make it
// due in the period and it was visited three times under two grids (it
// moved): under the lowest of its paths, with its first visit's people.
func TestCoverageCountsEachHouseholdOnceAndItsRowsAddUpToTheTotal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := New(d, clock.NewFake(time.Date(2026, 4, 2, 9, 0, 0, 0, clock.CST)), nil)
		coverageFixture(t, d, true)
		c, err := s.CoverageOf(ctx, nil, 2, "2026-01-01", "2026-03-31")
		if err != nil {
			t.Fatal(err)
		}
		// By hand: planned 1–5; reached 1, 2, 5; visited 1 (3 people), 2 (2), 5 (4, first visit) under grid 1's path.
		want := CoverageRow{RegionID: 2, Name: "街道", NameEN: "Street", Level: "street", Planned: 5, Reached: 3, Visited: 3, People: 9}
		if c.Total != want {
			t.Errorf("total %+v, want %+v", c.Total, want)
		}
		if len(c.Rows) != 2 {
			t.Fatalf("rows %+v", c.Rows)
		}
		v1 := CoverageRow{RegionID: 3, Name: "一村", NameEN: "Village 1", Level: "community", Planned: 3, Reached: 2, Visited: 3, People: 9}
		v2 := CoverageRow{RegionID: 4, Name: "二村", NameEN: "Village 2", Level: "community", Planned: 2, Reached: 1, Visited: 0, People: 0}
		if c.Rows[0] != v1 || c.Rows[1] != v2 {
			t.Errorf("rows %+v, want %+v and %+v", c.Rows, v1, v2)
		}
		var sum CoverageRow
		for _, r := range c.Rows {
			sum.add(r)
		}
		if sum.Planned != c.Total.Planned || sum.Reached != c.Total.Reached || sum.Visited != c.Total.Visited || sum.People != c.Total.People {
			t.Errorf("rows add up to %+v, total %+v", sum, c.Total)
		}
		if len(c.NotYet) != 3 { // 3 and 4 this quarter, 4 in January
			t.Errorf("not yet visited: %+v", c.NotYet)
		}
		// The other street's subtree does not leak into this one, and a path
		// range stops at the path's end: /1/2/ does not hold /1/20/.
		if lo, hi := pathRange("/1/2/"); !("/1/2/3/" >= lo && "/1/2/3/" < hi) || ("/1/20/" >= lo && "/1/20/" < hi) {
			t.Errorf("pathRange(/1/2/) = [%q, %q)", lo, hi)
		}
	})
}

// coverageFixture writes a street of two villages, a grid each, and five
// households; with visits, two plans' items and visits as well (written
// beside the service, then their coverage rows rebuilt).
func coverageFixture(t *testing.T, d *db.DB, visits bool) {
	t.Helper()
	ctx := context.Background()
	err := d.Write(ctx, func(tx *db.Tx) error {
		qs := []string{
			`INSERT INTO regions (id, parent_id, level, code, name, name_en, path, created_at, updated_at) VALUES
					(1, NULL, 'city', 'C', '市', 'City', '/1/', 0, 0), (2, 1, 'street', 'S', '街道', 'Street', '/1/2/', 0, 0),
					(3, 2, 'community', 'V1', '一村', 'Village 1', '/1/2/3/', 0, 0), (4, 2, 'community', 'V2', '二村', 'Village 2', '/1/2/4/', 0, 0),
					(5, 3, 'grid', 'G1', '一格', 'Grid 1', '/1/2/3/5/', 0, 0), (6, 4, 'grid', 'G2', '二格', 'Grid 2', '/1/2/4/6/', 0, 0),
					(7, 1, 'street', 'S2', '另一街道', '', '/1/7/', 0, 0)`,
			// Households 1–3 in grid 1, 4–5 in grid 2 (5 moved there from grid 1 during the quarter).
			`INSERT INTO gr_households (id, region_id, region_path, address, head_name, created_at, updated_at) VALUES
					(1, 5, '/1/2/3/5/', 'a', 'a', 0, 0), (2, 5, '/1/2/3/5/', 'b', 'b', 0, 0), (3, 5, '/1/2/3/5/', 'c', 'c', 0, 0),
					(4, 6, '/1/2/4/6/', 'd', 'd', 0, 0), (5, 6, '/1/2/4/6/', 'e', 'e', 0, 0)`,
			`INSERT INTO gr_visit_plans (id, region_id, region_path, name, rule_every, starts_on, ends_on, created_at) VALUES
					(1, 2, '/1/2/', 'q', 'quarter', '2026-01-01', '2026-03-31', 0), (2, 2, '/1/2/', 'm', 'month', '2026-01-01', '2026-03-31', 0)`,
			// Visits: 1 twice (people 3 then 5), 2 once (people 2), 5 once in grid 1 before it moved (people 4)
			// and once in grid 2 after (people 1), 4 in April (outside the quarter).
			`INSERT INTO gr_visits (id, household_id, region_path, visited_at, visited_on, visitors, people_reached, idem_key, created_at) VALUES
					(10, 1, '/1/2/3/5/', 0, '2026-01-10', 'x', 3, 'k10', 0), (11, 1, '/1/2/3/5/', 0, '2026-02-10', 'x', 5, 'k11', 0),
					(12, 2, '/1/2/3/5/', 0, '2026-03-31', 'x', 2, 'k12', 0), (13, 5, '/1/2/3/5/', 0, '2026-01-05', 'x', 4, 'k13', 0),
					(14, 5, '/1/2/4/6/', 0, '2026-03-01', 'x', 1, 'k14', 0), (15, 4, '/1/2/4/6/', 0, '2026-04-01', 'x', 2, 'k15', 0)`,
			// Plan items: every household due this quarter (plan 1); 1 and 4 also due in January (plan 2).
			`INSERT INTO gr_plan_items (plan_id, household_id, region_path, due_from, due_on, visit_id) VALUES
					(1, 1, '/1/2/3/5/', '2026-01-01', '2026-03-31', 10), (1, 2, '/1/2/3/5/', '2026-01-01', '2026-03-31', 12),
					(1, 3, '/1/2/3/5/', '2026-01-01', '2026-03-31', NULL), (1, 4, '/1/2/4/6/', '2026-01-01', '2026-03-31', NULL),
					(1, 5, '/1/2/4/6/', '2026-01-01', '2026-03-31', 14),
					(2, 1, '/1/2/3/5/', '2026-01-01', '2026-01-31', 10), (2, 4, '/1/2/4/6/', '2026-01-01', '2026-01-31', NULL)`,
		}
		if !visits {
			qs = qs[:2]
		}
		for _, q := range qs {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		if tx.Engine() == db.Postgres { // the ids written above are taken
			for _, t := range []string{"regions", "gr_households", "gr_visit_plans", "gr_visits"} {
				if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM "+t+"), false)"); err != nil {
					return err
				}
			}
		}
		return RebuildCoverage(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}
