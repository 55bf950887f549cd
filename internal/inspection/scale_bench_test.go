package inspection_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/inspection"
)

// The scale of a year in a city the size of Leshan: 2,000 sites, 17 groups
// inspecting weekly (about 100,000 check results a month: some 17,000
// inspections of six items), 30,000 rectifications a year. scaleCity loads
// a year of that (2026) into the demo city straight through SQL,
// multi-row statements of 500, on the engine WENMING_BENCH_ENGINE names
// (sqlite by default, postgres with WENMING_TEST_PG set).
func scaleCity(b *testing.B) *apptest.Env {
	b.Helper()
	engine := db.SQLite
	if os.Getenv("WENMING_BENCH_ENGINE") == "postgres" {
		engine = db.Postgres
	}
	e := apptest.Start(b, engine)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2000, 17))
	err := e.App.DB.Write(ctx, func(tx *db.Tx) error {
		// 2,000 sites: the demo's, copied over its streets.
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_sites")
		if err != nil {
			return err
		}
		for k := 1; n < 2000; k++ {
			res, err := tx.Exec(ctx, `INSERT INTO inspection_sites (code, name, site_type_id, shape, lat, lng, address, region_id, unit_id, active, created_at, updated_at)
				SELECT code || '-X`+fmt.Sprint(k)+`', name || '（`+fmt.Sprint(k)+`）', site_type_id, shape, lat, lng, address, region_id, unit_id, active, created_at, updated_at
				FROM inspection_sites WHERE code NOT LIKE '%-X%'`)
			if err != nil {
				return err
			}
			m, _ := res.RowsAffected()
			n += m
		}
		type site struct{ id, unit int64 }
		var sites []site
		rows, err := tx.Query(ctx, "SELECT id, unit_id FROM inspection_sites ORDER BY id LIMIT 2000")
		if err != nil {
			return err
		}
		for rows.Next() {
			var s site
			if err := rows.Scan(&s.id, &s.unit); err != nil {
				rows.Close()
				return err
			}
			sites = append(sites, s)
		}
		rows.Close()
		var inspector, category, item int64
		if err := tx.Get(ctx, "", "SELECT MIN(id) FROM inspection_check_items", nil, &item); err != nil {
			return err
		}
		if err := tx.Get(ctx, "", "SELECT MIN(id) FROM users WHERE username = 'inspector'", nil, &inspector); err != nil {
			return err
		}
		if err := tx.Get(ctx, "", "SELECT id FROM workorder_categories WHERE code = 'RECTIFICATION'", nil, &category); err != nil {
			return err
		}
		// 17,000 inspections a month over 2026 (about 8½ visits a site a month).
		start := time.Date(2026, 1, 1, 9, 0, 0, 0, clock.CST)
		const perYear = 17000 * 12
		var vals []string
		var args []any
		flush := func(q string) error {
			if len(vals) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, q+strings.Join(vals, ","), args...)
			vals, args = vals[:0], args[:0]
			return err
		}
		const insQ = `INSERT INTO inspections (site_id, unit_id, inspector_id, week, client_key, inspected_at, submitted_at, earned, possible, rate, rated, findings, passed, far, note) VALUES `
		for i := range perYear {
			s := sites[i%len(sites)]
			at := start.Add(time.Duration(rng.IntN(365*24)) * time.Hour)
			possible := int64(5000 + 100*rng.IntN(20))
			findings := rng.IntN(4)
			earned := possible - int64(findings*150)
			vals = append(vals, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, FALSE, '')")
			args = append(args, s.id, s.unit, inspector, inspection.Monday(at).Format(time.DateOnly), fmt.Sprintf("bench-%d", i), at.UnixMilli(), at.UnixMilli(),
				earned, possible, float64(earned)/float64(possible), findings, findings == 0)
			if len(vals) == 500 {
				if err := flush(insQ); err != nil {
					return err
				}
			}
		}
		if err := flush(insQ); err != nil {
			return err
		}
		// 30,000 rectifications: one failed result each, its order closed
		// (on time for four in five) or still open.
		rows, err = tx.Query(ctx, "SELECT id, site_id, unit_id, inspected_at FROM inspections WHERE client_key LIKE 'bench-%' AND findings > 0 ORDER BY id LIMIT 30000")
		if err != nil {
			return err
		}
		type insp struct{ id, site, unit, at int64 }
		var found []insp
		for rows.Next() {
			var x insp
			if err := rows.Scan(&x.id, &x.site, &x.unit, &x.at); err != nil {
				rows.Close()
				return err
			}
			found = append(found, x)
		}
		rows.Close()
		for _, x := range found {
			vals = append(vals, "(?, ?, 'B050101', '环境卫生', '规则', 1000, 100, 1000, 'normal', 'fail', 1, 100, '', 1)")
			args = append(args, x.id, item)
			if len(vals) == 500 {
				if err := flush(`INSERT INTO inspection_results (inspection_id, item_id, indicator_code, title, rule, points, deduct, cap, severity, outcome, count, deduction, note, sort) VALUES `); err != nil {
					return err
				}
			}
		}
		if err := flush(`INSERT INTO inspection_results (inspection_id, item_id, indicator_code, title, rule, points, deduct, cap, severity, outcome, count, deduction, note, sort) VALUES `); err != nil {
			return err
		}
		for k, x := range found {
			due := x.at + 3*24*3600*1000
			resolved := due - 3600*1000
			state := "closed"
			switch k % 10 {
			case 0:
				resolved = due + 3600*1000
			case 1:
				state = "dispatched"
			}
			vals = append(vals, "(?, 'api', ?, '督查整改', '督查整改', ?, 'general', ?, ?, 'rectification', ?, ?, ?)")
			args = append(args, fmt.Sprintf("BENCH%07d", k), category, state, x.at, x.at, x.unit, resolved, due)
			if len(vals) == 500 {
				if err := flush(`INSERT INTO workorders (code, channel, category_id, title, description, state, urgency, created_at, updated_at, kind, unit_id, resolved_at, resolve_due_at) VALUES `); err != nil {
					return err
				}
			}
		}
		if err := flush(`INSERT INTO workorders (code, channel, category_id, title, description, state, urgency, created_at, updated_at, kind, unit_id, resolved_at, resolve_due_at) VALUES `); err != nil {
			return err
		}
		col := func(q string) ([]int64, error) {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var v int64
				if err := rows.Scan(&v); err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, rows.Err()
		}
		orders, err := col("SELECT id FROM workorders WHERE code LIKE 'BENCH%' ORDER BY code")
		if err != nil {
			return err
		}
		results, err := col("SELECT id FROM inspection_results WHERE rule = '规则' ORDER BY inspection_id")
		if err != nil {
			return err
		}
		if len(orders) != len(found) || len(results) != len(found) {
			return fmt.Errorf("%d orders, %d results for %d findings", len(orders), len(results), len(found))
		}
		const rectQ = `INSERT INTO inspection_rectifications (inspection_id, result_id, site_id, unit_id, order_id, severity, due_at, created_at) VALUES `
		for k, x := range found {
			vals = append(vals, "(?, ?, ?, ?, ?, 'normal', ?, ?)")
			args = append(args, x.id, results[k], x.site, x.unit, orders[k], x.at+3*24*3600*1000, x.at)
			if len(vals) == 500 {
				if err := flush(rectQ); err != nil {
					return err
				}
			}
		}
		return flush(rectQ)
	})
	if err != nil {
		b.Fatal(err)
	}
	q3 := inspection.Quarter{Year: 2026, Q: 4}
	if n := e.Count(b, "SELECT COUNT(*) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", q3.Start().UnixMilli(), q3.End().UnixMilli()); n < 45000 {
		b.Fatalf("only %d inspections in 2026-Q4", n)
	}
	if n := e.Count(b, "SELECT COUNT(*) FROM inspection_rectifications"); n < 29000 {
		b.Fatalf("only %d rectifications", n)
	}
	return e
}

// BenchmarkQuarterRanking ranks every evaluated unit of a quarter of that
// year (about 51,000 inspections and 7,500 rectifications in the quarter,
// 204,000 and 30,000 in the year), live as the page does before
// publication; the same-run ceiling is the same ranking of a quarter with
// no rows (the units, the schemes and the work-order KPIs read from their
// rollups: the fixed cost).
func BenchmarkQuarterRanking(b *testing.B) {
	e := scaleCity(b)
	ctx := context.Background()
	p := &auth.Principal{UserID: 1, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermInspectionView: true}}
	for _, c := range []struct{ name, quarter string }{{"2026-Q4_live", "2026-Q4"}, {"2026-Q3_published", "2026-Q3"}, {"ceiling_empty_quarter", "2025-Q3"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				ev, err := e.App.Inspection.Evaluation(ctx, p, c.quarter)
				if err != nil || len(ev.Rows) == 0 || ev.Published != (c.quarter == "2026-Q3") {
					b.Fatal(err)
				}
				if c.quarter == "2026-Q4" {
					var n int64
					for _, r := range ev.Rows {
						n += r.Inputs.Inspections
					}
					if n < 45000 {
						b.Fatalf("the ranking counts %d inspections", n)
					}
				}
			}
		})
	}
}

// BenchmarkMonthlyReportCompute drafts June's dispatch report figures from
// that year (about 17,000 inspections and 2,500 rectifications in the
// month); the ceiling is the same report of a month with no rows.
func BenchmarkMonthlyReportCompute(b *testing.B) {
	e := scaleCity(b)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, clock.CST)
	for _, c := range []struct {
		name string
		m    inspection.Month
	}{{"2026-06_full", inspection.Month{Year: 2026, Month: 6}}, {"ceiling_empty_month", inspection.Month{Year: 2025, Month: 6}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.App.Inspection.ComputeDispatch(ctx, c.m, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
