package workorder

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// The queue city: 10 districts of 10 streets of 10 communities (region ids
// 100+d, 1000+s, 10000+c), 30 units, the bootstrap categories, and n
// orders generated in SQL by the engine from a counter: spread over the
// communities and the categories, 30 s apart, 2% submitted (no unit),
// 3% dispatched, 4% acknowledged, 1% resolved, the rest closed, about 3%
// overdue, four channels. Three columns exist only here, for the raw
// ceilings: each order's category group, street and district, each with
// an index ending in id, which is the best any engine can do for those
// filters (what a denormalised column would give).
type queueCity struct {
	svc                            *Service
	n                              int
	group, leaf                    int64 // a category group with several categories, one of them
	unit                           int64
	street, district               int64
	community                      int64
	streetPath, distPath, commPath string
}

func loadQueueCity(tb testing.TB, engine db.Engine, n int) *queueCity {
	tb.Helper()
	ctx := context.Background()
	d := dbtest.Open(tb, engine)
	svc := New(d, clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, Zone)))
	if err := svc.Bootstrap(ctx); err != nil {
		tb.Fatal(err)
	}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	exec := func(q string, args ...any) {
		tb.Helper()
		must(d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }))
	}
	counter := func(k int) string {
		return fmt.Sprintf("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) ", k)
	}
	exec(`INSERT INTO regions (id, parent_id, level, code, name, path, created_at, updated_at) VALUES (1, NULL, 'city', 'QC', '乐山市', '/1/', 0, 0)`)
	exec(counter(10) + `INSERT INTO regions (id, parent_id, level, code, name, path, created_at, updated_at)
		SELECT 99 + x, 1, 'district', 'QD' || x, '区' || x, '/1/' || (99 + x) || '/', 0, 0 FROM c`)
	exec(counter(100) + `INSERT INTO regions (id, parent_id, level, code, name, path, created_at, updated_at)
		SELECT 999 + x, 100 + (x - 1) / 10, 'street', 'QS' || x, '街道' || x, '/1/' || (100 + (x - 1) / 10) || '/' || (999 + x) || '/', 0, 0 FROM c`)
	exec(counter(1000) + `INSERT INTO regions (id, parent_id, level, code, name, path, created_at, updated_at)
		SELECT 9999 + x, s.id, 'community', 'QM' || x, '社区' || x, s.path || (9999 + x) || '/', 0, 0
		FROM c JOIN regions s ON s.id = 1000 + (x - 1) / 10`)
	exec(counter(30) + `INSERT INTO units (id, kind, code, name, region_id, path, created_at, updated_at)
		SELECT 1000 + x, 'department', 'QU' || x, '单位' || x, 1, '/' || (1000 + x) || '/', 0, 0 FROM c`)
	exec("CREATE TABLE bench_cats (n INTEGER PRIMARY KEY, id BIGINT NOT NULL, grp BIGINT NOT NULL)")
	var cats [][2]int64
	must(d.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, parent_id FROM workorder_categories WHERE parent_id IS NOT NULL ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c [2]int64
			if err := rows.Scan(&c[0], &c[1]); err != nil {
				return err
			}
			cats = append(cats, c)
		}
		return rows.Err()
	}))
	for i, c := range cats {
		exec("INSERT INTO bench_cats (n, id, grp) VALUES (?, ?, ?)", i, c[0], c[1])
	}
	exec("ALTER TABLE workorders ADD COLUMN bench_group BIGINT")
	exec("ALTER TABLE workorders ADD COLUMN bench_street BIGINT")
	exec("ALTER TABLE workorders ADD COLUMN bench_district BIGINT")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, Zone).UnixMilli()
	const chunk = 200_000
	for lo := 0; lo < n; lo += chunk {
		k := min(chunk, n-lo)
		// o = order number; m = community index (spread); s = state class.
		exec(counter(k) + fmt.Sprintf(`INSERT INTO workorders (id, code, channel, category_id, title, description,
			region_id, region_path, unit_id, unit_path, state, urgency, ack_overdue, resolve_overdue, created_at, updated_at,
			bench_group, bench_street, bench_district)
			SELECT o, 'Q' || o,
				CASE (o / 7) %% 10 WHEN 0 THEN 'web' WHEN 1 THEN 'api' WHEN 2 THEN 'hotline' WHEN 3 THEN 'hotline' WHEN 4 THEN 'hotline' ELSE 'snap' END,
				bc.id, '标题' || o, '描述' || o,
				r.id, r.path,
				CASE WHEN o %% 100 < 2 THEN NULL ELSE 1001 + o %% 30 END,
				CASE WHEN o %% 100 < 2 THEN '' ELSE '/' || (1001 + o %% 30) || '/' END,
				CASE WHEN o %% 100 < 2 THEN 'submitted' WHEN o %% 100 < 5 THEN 'dispatched' WHEN o %% 100 < 9 THEN 'acknowledged'
					WHEN o %% 100 < 10 THEN 'resolved' ELSE 'closed' END,
				'normal',
				o %% 100 >= 2 AND o %% 100 < 5 AND o %% 3 = 0,
				(o %% 100 >= 5 AND o %% 100 < 9 AND o %% 2 = 0) OR o %% 97 = 0,
				%[2]d + o * 30000, %[2]d + o * 30000,
				bc.grp, r.parent_id, 100 + ((o * 13 + (o / 100) * 7) %% 1000) / 100
			FROM (SELECT CAST(x + %[1]d AS BIGINT) AS o FROM c) q
			JOIN regions r ON r.id = 10000 + (o * 13 + (o / 100) * 7) %% 1000
			JOIN bench_cats bc ON bc.n = o %% %[3]d`, lo, base, len(cats)))
	}
	exec("CREATE INDEX bench_wo_group ON workorders(bench_group, id)")
	exec("CREATE INDEX bench_wo_street ON workorders(bench_street, id)")
	exec("CREATE INDEX bench_wo_district ON workorders(bench_district, id)")
	exec("ANALYZE")
	c := &queueCity{svc: svc, n: n, unit: 1007, street: 1010, district: 101, community: 10105,
		streetPath: "/1/101/1010/", distPath: "/1/101/", commPath: "/1/101/1010/10105/"}
	// The group with the most categories, and its first.
	byGroup := map[int64][]int64{}
	for _, cat := range cats {
		byGroup[cat[1]] = append(byGroup[cat[1]], cat[0])
	}
	for g, ids := range byGroup {
		if len(ids) > len(byGroup[c.group]) || (len(ids) == len(byGroup[c.group]) && g < c.group) {
			c.group, c.leaf = g, ids[0]
		}
	}
	return c
}

// queueCase is one queue filter and its raw ceiling: the same rows'
// columns from the index that answers exactly that filter, newest first.
type queueCase struct {
	name string
	f    Filter
	raw  string // predicate on workorders w
	args []any
	// walk: the page is read by walking the primary key newest first (a
	// region with more than maxArms places below it).
	walk bool
}

func queueCases(c *queueCity) []queueCase {
	yes := true
	return []queueCase{
		{"state", Filter{State: StateDispatched}, "w.state = ?", []any{"dispatched"}, false},
		{"states_two", Filter{States: []State{StateDispatched, StateAcknowledged}}, "w.state IN (?, ?)", []any{"dispatched", "acknowledged"}, false},
		{"category", Filter{CategoryID: c.leaf}, "w.category_id = ?", []any{c.leaf}, false},
		{"category_group", Filter{CategoryID: c.group}, "w.bench_group = ?", []any{c.group}, false},
		{"unit", Filter{UnitID: c.unit}, "w.unit_id = ?", []any{c.unit}, false},
		{"region_community", Filter{RegionID: c.community}, "w.region_path = ?", []any{c.commPath}, false},
		{"region_street", Filter{RegionID: c.street}, "w.bench_street = ?", []any{c.street}, false},
		{"region_district", Filter{RegionID: c.district}, "w.bench_district = ?", []any{c.district}, true},
		{"channel", Filter{Channel: ChannelWeb}, "w.channel = ?", []any{"web"}, false},
		{"overdue", Filter{Overdue: &yes}, "(w.ack_overdue = TRUE OR w.resolve_overdue = TRUE)", nil, false},
		{"group_state", Filter{CategoryID: c.group, State: StateAcknowledged}, "w.bench_group = ? AND w.state = ?", []any{c.group, "acknowledged"}, false},
		{"category_state", Filter{CategoryID: c.leaf, State: StateClosed}, "w.category_id = ? AND w.state = ?", []any{c.leaf, "closed"}, false},
		{"unit_state", Filter{UnitID: c.unit, State: StateAcknowledged}, "w.unit_id = ? AND w.state = ?", []any{c.unit, "acknowledged"}, false},
		{"unit_overdue", Filter{UnitID: c.unit, Overdue: &yes}, "w.unit_id = ? AND (w.ack_overdue = TRUE OR w.resolve_overdue = TRUE)", []any{c.unit}, false},
		{"street_group", Filter{RegionID: c.street, CategoryID: c.group}, "w.bench_street = ? AND w.bench_group = ?", []any{c.street, c.group}, false},
		{"channel_state", Filter{Channel: ChannelHotline, State: StateDispatched}, "w.channel = ? AND w.state = ?", []any{"hotline", "dispatched"}, false},
		{"region_overdue", Filter{RegionID: c.street, Overdue: &yes}, "w.bench_street = ? AND (w.ack_overdue = TRUE OR w.resolve_overdue = TRUE)", []any{c.street}, false},
	}
}

func queuePrincipal() *auth.Principal {
	return &auth.Principal{UserID: 1, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermOrderView: true}}
}

// explain is the engine's plan for q, one line per step.
func explain(tb testing.TB, d *db.DB, q string, args []any) []string {
	tb.Helper()
	ctx := context.Background()
	var lines []string
	err := d.Read(ctx, func(tx *db.Tx) error {
		prefix := "EXPLAIN QUERY PLAN "
		if tx.Engine() == db.Postgres {
			prefix = "EXPLAIN "
			if os.Getenv("WENMING_BENCH_PLANS") == "analyze" {
				prefix = "EXPLAIN ANALYZE "
			}
		}
		rows, err := tx.Query(ctx, prefix+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if tx.Engine() == db.Postgres {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				lines = append(lines, line)
				continue
			}
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			lines = append(lines, detail)
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatal(err)
	}
	return lines
}

// planFault is what is wrong with a SQLite plan of a newest-first page: a
// temporary B-tree for the order, or a scan of the orders table without
// an index ("SCAN w"; a search of it by index or key is fine).
func planFault(lines []string, walk bool) string {
	walked := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.Contains(l, "TEMP B-TREE FOR ORDER BY") {
			return "sorts in a temporary B-tree"
		}
		if l == "SCAN w" {
			if !walk {
				return "scans the orders table"
			}
			walked = true
		}
	}
	if walk && !walked {
		return "does not walk the primary key"
	}
	return ""
}

// TestQueueFiltersReadAnIndexNewestFirstOnSQLite pins each queue filter's
// plan (alone and in its common pairs): no temporary B-tree for the
// newest-first order and no scan of the table, so the first page costs
// the same at a million orders as at a thousand. The one walk of the
// table is a region with more than maxArms places (a district), read
// newest first by primary key until a page of its orders is found.
func TestQueueFiltersReadAnIndexNewestFirstOnSQLite(t *testing.T) {
	c := loadQueueCity(t, db.SQLite, 3000)
	ctx := context.Background()
	for _, qc := range queueCases(c) {
		for _, page := range []int{1, 3} {
			f := qc.f
			f.Page = page
			var q string
			var args []any
			must := c.svc.DB.Read(ctx, func(tx *db.Tx) error {
				var err error
				q, args, err = c.svc.listQuery(ctx, tx, queuePrincipal(), f, DefaultPageSize, (page-1)*DefaultPageSize)
				return err
			})
			if must != nil {
				t.Fatal(must)
			}
			plan := explain(t, c.svc.DB, q, args)
			if fault := planFault(plan, qc.walk); fault != "" {
				t.Errorf("%s page %d: plan %s:\n%s", qc.name, page, fault, strings.Join(plan, "\n"))
			}
		}
	}
}

// TestQueueFiltersReturnTheNewestMatches checks on each engine that every
// filter's page (first and second) is exactly the newest matching orders
// a plain query finds, so reading one arm per value loses and repeats
// nothing.
func TestQueueFiltersReturnTheNewestMatches(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			c := loadQueueCity(t, engine, 6000)
			ctx := context.Background()
			for _, qc := range queueCases(c) {
				for _, page := range []int{1, 2} {
					f := qc.f
					f.Page, f.Size = page, 20
					got, _, err := c.svc.List(ctx, queuePrincipal(), f)
					if err != nil {
						t.Fatalf("%s: %v", qc.name, err)
					}
					var want []int64
					err = c.svc.DB.Read(ctx, func(tx *db.Tx) error {
						rows, err := tx.Query(ctx, "SELECT w.id FROM workorders w WHERE "+qc.raw+" ORDER BY w.id DESC LIMIT 20 OFFSET ?",
							append(slices.Clone(qc.args), (page-1)*20)...)
						if err != nil {
							return err
						}
						defer rows.Close()
						for rows.Next() {
							var id int64
							if err := rows.Scan(&id); err != nil {
								return err
							}
							want = append(want, id)
						}
						return rows.Err()
					})
					if err != nil {
						t.Fatal(err)
					}
					ids := make([]int64, len(got))
					for i, o := range got {
						ids[i] = o.ID
					}
					if (page == 1 && len(want) == 0) || !slices.Equal(ids, want) {
						t.Errorf("%s page %d: got %v, want %v", qc.name, page, ids, want)
					}
				}
			}
		})
	}
}

// BenchmarkQueueFilters lists the 50 newest orders for every queue filter
// and its common pairs, next to its raw ceiling measured in the same run:
// the same page (List's columns and joins, 51 rows) read from the one
// index made for exactly that filter (for a group, a street or a district
// a column that exists only in the benchmark), and the bare ids from that
// index. It reports median µs of List, of the raw and bare queries, and
// List/raw; the plan is checked too (SQLite: no sort, no
// scan; PostgreSQL: logged). WENMING_BENCH_ORDERS sets the orders
// (default 100,000); docs/PERFORMANCE.md records 1,000,000.
func BenchmarkQueueFilters(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("WENMING_BENCH_ORDERS")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range dbtest.Engines(b) {
		b.Run(string(engine), func(b *testing.B) {
			start := time.Now()
			c := loadQueueCity(b, engine, n)
			b.Logf("%s: loaded %d orders in %s", engine, n, time.Since(start).Round(time.Second))
			ctx := context.Background()
			p := queuePrincipal()
			for _, qc := range queueCases(c) {
				b.Run(qc.name, func(b *testing.B) {
					var q string
					var args []any
					if err := c.svc.DB.Read(ctx, func(tx *db.Tx) error {
						var err error
						q, args, err = c.svc.listQuery(ctx, tx, p, qc.f, DefaultPageSize, 0)
						return err
					}); err != nil {
						b.Fatal(err)
					}
					plan := explain(b, c.svc.DB, q, args)
					if os.Getenv("WENMING_BENCH_PLANS") != "" {
						fmt.Fprintf(os.Stderr, "%s/%s plan:\n%s\n", engine, qc.name, strings.Join(plan, "\n"))
					}
					if engine == db.SQLite {
						if fault := planFault(plan, qc.walk); fault != "" {
							b.Fatalf("plan %s:\n%s", fault, strings.Join(plan, "\n"))
						}
					} else if strings.Contains(strings.Join(plan, "\n"), "Seq Scan on workorders") {
						b.Logf("plan reads the whole table:\n%s", strings.Join(plan, "\n"))
					}
					// The ceiling is the same page (the list's columns and
					// joins) over the index made for the filter; bare is the
					// ids alone from that index, for reference.
					rawQ := "SELECT " + orderCols + orderFrom + " WHERE " + qc.raw + " ORDER BY w.id DESC LIMIT 51"
					bareQ := "SELECT w.id FROM workorders w WHERE " + qc.raw + " ORDER BY w.id DESC LIMIT 51"
					read := func(q string) int {
						rows := 0
						err := c.svc.DB.Read(ctx, func(tx *db.Tx) error {
							r, err := tx.Query(ctx, q, qc.args...)
							if err != nil {
								return err
							}
							defer r.Close()
							cols, _ := r.Columns()
							vals := make([]any, len(cols))
							ptrs := make([]any, len(cols))
							for i := range vals {
								ptrs[i] = &vals[i]
							}
							for r.Next() {
								if err := r.Scan(ptrs...); err != nil {
									return err
								}
								rows++
							}
							return r.Err()
						})
						if err != nil {
							b.Fatal(err)
						}
						return rows
					}
					list := func() int {
						out, _, err := c.svc.List(ctx, p, qc.f)
						if err != nil {
							b.Fatal(err)
						}
						return len(out)
					}
					// Interleaved rounds, medians of each.
					var tl, tr, tb []time.Duration
					rows := 0
					for b.Loop() {
						t0 := time.Now()
						rows = list()
						t1 := time.Now()
						read(rawQ)
						t2 := time.Now()
						read(bareQ)
						tl, tr, tb = append(tl, t1.Sub(t0)), append(tr, t2.Sub(t1)), append(tb, time.Since(t2))
					}
					ml, mr := median(tl), median(tr)
					b.ReportMetric(float64(ml.Microseconds()), "list-µs")
					b.ReportMetric(float64(mr.Microseconds()), "raw-µs")
					b.ReportMetric(float64(median(tb).Microseconds()), "bare-µs")
					b.ReportMetric(float64(ml)/float64(mr), "ratio")
					b.ReportMetric(float64(rows), "rows")
				})
			}
		})
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
