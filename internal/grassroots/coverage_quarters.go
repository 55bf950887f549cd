package grassroots

import (
	"context"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
)

// A quarter's coverage is read from gr_coverage_quarters (migration 0055):
// one row a household a quarter it was due or visited in, with the path it
// counts under for each and what it adds. refreshCoverage rewrites the rows
// of a set of households over a span of quarters from their plan items and
// visits; every write of either calls it in the same transaction, so the
// table always equals what coverageByPath counts from the big tables.

// quarterOf is the first day of the calendar quarter that holds day.
func quarterOf(day string) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, day, clock.CST)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(d.Year(), time.Month((int(d.Month())-1)/3*3+1), 1, 0, 0, 0, 0, clock.CST), true
}

// wholeQuarter tells whether [from, to] is exactly one calendar quarter,
// and that quarter's first day.
func wholeQuarter(from, to string) (string, bool) {
	q, ok := quarterOf(from)
	if !ok || q.Format(time.DateOnly) != from || q.AddDate(0, 3, -1).Format(time.DateOnly) != to {
		return "", false
	}
	return from, true
}

// quarters lists the quarters overlapping [from, to] as (first day, last
// day) pairs.
func quarters(from, to string) [][2]string {
	q, ok := quarterOf(from)
	if !ok || to < from {
		return nil
	}
	var out [][2]string
	for q.Format(time.DateOnly) <= to {
		next := q.AddDate(0, 3, 0)
		out = append(out, [2]string{q.Format(time.DateOnly), next.AddDate(0, 0, -1).Format(time.DateOnly)})
		q = next
	}
	return out
}

// refreshCoverage rewrites the coverage rows of the households that the
// subquery sub selects (their ids, with its arguments) over the quarters
// overlapping [from, to]; from == "" takes the span of all their plan
// windows and visits. On PostgreSQL it first locks those households'
// rows (FOR NO KEY UPDATE, which a visit's foreign key does not wait
// for), so two instances writing visits of one household at once
// rewrite its rows one after the other, the second from what the first
// committed (each statement of READ COMMITTED sees it); SQLite writes
// one transaction at a time.
func refreshCoverage(ctx context.Context, tx *db.Tx, sub string, subArgs []any, from, to string) error {
	hh := "household_id IN (" + sub + ")"
	hhArgs := subArgs
	if tx.Engine() == db.Postgres {
		r, err := tx.Query(ctx, "SELECT id FROM gr_households WHERE id IN ("+sub+") ORDER BY id FOR NO KEY UPDATE", subArgs...)
		if err != nil {
			return err
		}
		for r.Next() {
		}
		r.Close()
		if err := r.Err(); err != nil {
			return err
		}
	}
	if from == "" {
		var lo, hi *string
		args := append(append(append(append([]any{}, hhArgs...), hhArgs...), hhArgs...), hhArgs...)
		if err := tx.Get(ctx, "", `SELECT MIN(d), MAX(d) FROM (
			SELECT MIN(due_from) AS d FROM gr_plan_items WHERE `+hh+` UNION ALL SELECT MAX(due_on) FROM gr_plan_items WHERE `+hh+`
			UNION ALL SELECT MIN(visited_on) FROM gr_visits WHERE `+hh+` UNION ALL SELECT MAX(visited_on) FROM gr_visits WHERE `+hh+`) x`,
			args, &lo, &hi); err != nil {
			return err
		}
		if lo == nil {
			_, err := tx.Exec(ctx, "DELETE FROM gr_coverage_quarters WHERE "+hh, hhArgs...)
			return err
		}
		from, to = *lo, *hi
	}
	qs := quarters(from, to)
	if len(qs) == 0 {
		return nil
	}
	first, last := qs[0][0], qs[len(qs)-1][0]
	if _, err := tx.Exec(ctx, "DELETE FROM gr_coverage_quarters WHERE "+hh+" AND quarter_from >= ? AND quarter_from <= ?",
		append(append([]any{}, hhArgs...), first, last)...); err != nil {
		return err
	}
	// A long span is refreshed a few years at a time so the statement
	// stays small.
	for len(qs) > 0 {
		n := min(len(qs), 16)
		chunk := qs[:n]
		qs = qs[n:]
		var vals strings.Builder
		var args []any
		for i, q := range chunk {
			if i > 0 {
				vals.WriteString(", ")
			}
			vals.WriteString("(CAST(? AS TEXT), CAST(? AS TEXT))")
			args = append(args, q[0], q[1])
		}
		args = append(append(args, hhArgs...), hhArgs...)
		if _, err := tx.Exec(ctx, `WITH q(f, t) AS (VALUES `+vals.String()+`)
			INSERT INTO gr_coverage_quarters (household_id, quarter_from, plan_path, reached, visit_path, people, open)
			SELECT x.h, x.f, MAX(x.pp), MAX(x.r), MAX(x.vp), MAX(x.ppl), MAX(x.o) FROM (
				SELECT i.household_id AS h, q.f AS f, MIN(i.region_path) AS pp, MAX(CASE WHEN i.visit_id IS NOT NULL THEN 1 ELSE 0 END) AS r,
					NULL AS vp, 0 AS ppl, MAX(CASE WHEN i.visit_id IS NULL THEN 1 ELSE 0 END) AS o
				FROM gr_plan_items i JOIN q ON i.due_on >= q.f AND i.due_from <= q.t WHERE i.`+hh+` GROUP BY i.household_id, q.f
				UNION ALL
				SELECT v.household_id, q.f, NULL, 0, MIN(v.region_path), MIN(v.id * 64 + v.people_reached) % 64, 0
				FROM gr_visits v JOIN q ON v.visited_on >= q.f AND v.visited_on <= q.t WHERE v.`+hh+` GROUP BY v.household_id, q.f
			) x GROUP BY x.h, x.f`, args...); err != nil {
			return err
		}
	}
	return nil
}

// refreshHousehold rewrites one household's coverage rows.
func refreshHousehold(ctx context.Context, tx *db.Tx, householdID int64) error {
	return refreshCoverage(ctx, tx, "SELECT CAST(? AS BIGINT)", []any{householdID}, "", "")
}

// RebuildCoverage rewrites every household's coverage rows (what
// migration 0055 did once): for data loaded beside the service, as the
// benchmarks' generated city is.
func RebuildCoverage(ctx context.Context, tx *db.Tx) error {
	if _, err := tx.Exec(ctx, "DELETE FROM gr_coverage_quarters"); err != nil {
		return err
	}
	return refreshCoverage(ctx, tx, "SELECT id FROM gr_households", nil, "", "")
}

// coverageByQuarter is coverageByPath for a whole quarter, counted from
// the quarter's rows by path range: the counts equal coverageByPath's.
func coverageByQuarter(ctx context.Context, tx *db.Tx, p *auth.Principal, path, quarter string) (map[string]*CoverageRow, error) {
	out := map[string]*CoverageRow{}
	for _, part := range []struct{ col, sum string }{{"plan_path", "reached"}, {"visit_path", "people"}} {
		in, inArgs := under("c."+part.col, path)
		w, args := scopeWhere(p, "c."+part.col)
		rows, err := tx.Query(ctx, `SELECT c.`+part.col+`, COUNT(*), SUM(c.`+part.sum+`) FROM gr_coverage_quarters c
			WHERE c.quarter_from = ? AND `+in+` AND `+w+` GROUP BY c.`+part.col, append(append([]any{quarter}, inArgs...), args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var rp string
			var n, s int64
			if err := rows.Scan(&rp, &n, &s); err != nil {
				rows.Close()
				return nil, err
			}
			c := out[rp]
			if c == nil {
				c = &CoverageRow{}
				out[rp] = c
			}
			if part.col == "plan_path" {
				c.Planned, c.Reached = n, s
			} else {
				c.Visited, c.People = n, s
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
