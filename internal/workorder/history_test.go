package workorder_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/search"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

func TestGenerateHistoryIsConsistentWithTheRollupAndTheIndex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const n = 3000
		res, err := f.svc.GenerateHistory(f.ctx, wo.HistoryConfig{Orders: n, Seed: 11})
		must(t, err)
		if res.Orders != n || res.Open == 0 || res.Overdue == 0 {
			t.Fatalf("result %+v: want %d orders, some open and some overdue", res, n)
		}
		eq := func(what string, a, b int64) {
			t.Helper()
			if a != b {
				t.Fatalf("%s: %d vs %d", what, a, b)
			}
		}
		eq("orders", f.count(t, "SELECT COUNT(*) FROM workorders"), n)
		eq("events", f.count(t, "SELECT COUNT(*) FROM workorder_events"), int64(res.Events))
		sum := func(col string) int64 {
			return f.count(t, "SELECT COALESCE(SUM("+col+"), 0) FROM workorder_stats_daily")
		}
		orders := func(where string) int64 { return f.count(t, "SELECT COUNT(*) FROM workorders WHERE "+where) }
		// Each order once, by where it stands (the definitions of stats.go's
		// cohort.counts, written again here).
		held := "unit_id IS NOT NULL AND dispatched_at IS NOT NULL AND parent_id IS NULL AND state <> 'returned'"
		resolved := held + " AND resolved_at IS NOT NULL AND state IN ('resolved', 'verified', 'callback_done', 'closed')"
		eq("received", sum("received"), n)
		eq("dispatched", sum("dispatched"), orders(held))
		eq("acknowledged on time", sum("acknowledged_on_time"), orders(held+" AND acknowledged_at <= ack_due_at"))
		eq("resolved", sum("resolved"), orders(resolved))
		eq("resolved on time", sum("resolved_on_time"), orders(resolved+" AND resolved_at <= resolve_due_at"))
		eq("returned", sum("returned"), orders("state = 'returned'"))
		eq("reopened", sum("reopened"), orders("reopen_count > 0"))
		eq("callbacks reached", sum("callbacks_reached"), orders("first_rating IN ('satisfied', 'basically_satisfied', 'dissatisfied')"))
		eq("dissatisfied", sum("dissatisfied"), orders("first_rating = 'dissatisfied'"))
		eq("handling count", sum("handling_count"), sum("resolved"))
		eq("handling time", sum("handling_ms_sum"), f.count(t, "SELECT COALESCE(SUM(resolved_at - dispatched_at), 0) FROM workorders WHERE "+resolved))
		if sum("reopened") == 0 || sum("resolved") == 0 || sum("resolved") >= sum("dispatched") {
			t.Fatalf("the history lacks variety: reopened %d, resolved %d of %d dispatched",
				sum("reopened"), sum("resolved"), sum("dispatched"))
		}
		eq("rows above 100%", f.count(t, `SELECT COUNT(*) FROM workorder_stats_daily WHERE resolved > dispatched
			OR acknowledged_on_time > dispatched OR resolved_on_time > resolved OR satisfied + basically_satisfied > callbacks_reached`), 0)
		reached, satisfied := sum("callbacks_reached"), sum("satisfied")+sum("basically_satisfied")
		// The first reached callback counts: a dissatisfied citizen's order
		// is done again and asked again, and stays dissatisfied in the
		// figures however the second callback goes, so the rate is the
		// generator's share of satisfied citizens (about 99.4 %), not the
		// near 100 % of the answers after the redo.
		if rate := float64(satisfied) / float64(reached); rate < 0.985 || rate > 0.999 {
			t.Fatalf("satisfaction %.4f, want between 0.985 and 0.999", rate)
		}
		dis := f.count(t, `SELECT COUNT(DISTINCT order_id) FROM workorder_events
			WHERE action = 'callback' AND to_state = 'reopened'`)
		if dis == 0 || dis > sum("reopened") {
			t.Fatalf("%d orders reopened after a callback, %d reopened counted", dis, sum("reopened"))
		}
		// The generator has a citizen dissatisfied only at the first callback
		// of an order, so every order a callback reopened counts as
		// dissatisfied, though its later callback was satisfied.
		eq("dissatisfied = orders reopened by a callback", sum("dissatisfied"), dis)
		if f.count(t, `SELECT COUNT(*) FROM workorders
			WHERE first_rating = 'dissatisfied' AND satisfaction IN ('satisfied', 'basically_satisfied')`) == 0 {
			t.Fatal("no order dissatisfied first and satisfied after the redo: the history lacks the case")
		}
		// Each order is in the state its timeline ends in, and its counters agree.
		eq("state = last event", f.count(t, `SELECT COUNT(*) FROM workorders w WHERE w.state <> (SELECT e.to_state
			FROM workorder_events e WHERE e.order_id = w.id ORDER BY e.id DESC LIMIT 1)`), 0)
		eq("closed orders without closed_at", f.count(t, `SELECT COUNT(*) FROM workorders
			WHERE state IN ('closed', 'rejected', 'answered_at_intake') AND closed_at IS NULL`), 0)
		eq("orders with a unit but no dispatch", f.count(t, `SELECT COUNT(*) FROM workorders
			WHERE state IN ('dispatched', 'acknowledged', 'resolved', 'verified', 'callback_done') AND unit_id IS NULL`), 0)
		eq("overdue open orders", f.count(t, `SELECT COUNT(*) FROM workorders WHERE state IN
			('dispatched', 'acknowledged', 'extension_requested', 'reopened') AND (ack_overdue OR resolve_overdue)`), int64(res.Overdue))
		// Seasons: noise in summer, heating in winter.
		month := "CAST(strftime('%m', w.created_at / 1000, 'unixepoch') AS INTEGER)"
		if d.Engine == db.Postgres {
			month = "EXTRACT(MONTH FROM to_timestamp(w.created_at / 1000))"
		}
		byMonths := func(cat, months string) int64 {
			return f.count(t, `SELECT COUNT(*) FROM workorders w JOIN workorder_categories c ON c.id = w.category_id
				WHERE c.code = ? AND `+month+` IN `+months, cat)
		}
		if s, w := byMonths("NOISE", "(6, 7, 8)"), byMonths("NOISE", "(12, 1, 2)"); s < 2*w {
			t.Fatalf("noise: %d in summer, %d in winter", s, w)
		}
		if s, w := byMonths("HEATING", "(6, 7, 8)"), byMonths("HEATING", "(12, 1, 2)"); w < 5*max(s, 1) {
			t.Fatalf("heating: %d in summer, %d in winter", s, w)
		}
		// The KPI table reads the rollup: the whole year adds up.
		rows, err := f.svc.Stats(f.ctx, f.disp, "2025-01-01", "2026-12-31", wo.ByCategory)
		must(t, err)
		var received int64
		for _, r := range rows {
			received += r.Received
		}
		eq("Stats received", received, n)
		// Searchable, with the same engine-neutral tokens as search.Put.
		must(t, d.Read(f.ctx, func(tx *db.Tx) error {
			refs, err := search.Refs(f.ctx, tx, wo.SearchKind, "路灯")
			if err != nil {
				return err
			}
			want, err := tx.Count(f.ctx, "SELECT COUNT(*) FROM workorders WHERE description LIKE '%路灯%' OR title LIKE '%路灯%'")
			if err != nil {
				return err
			}
			eq("search 路灯", int64(len(refs)), want)
			return nil
		}))
		// Again on the same database: only orders are added.
		res2, err := f.svc.GenerateHistory(f.ctx, wo.HistoryConfig{Orders: 500, Seed: 12})
		must(t, err)
		eq("second run", int64(res2.Orders), 500)
		eq("orders after two runs", f.count(t, "SELECT COUNT(*) FROM workorders"), n+500)
		eq("received after two runs", sum("received"), n+500)
		eq("codes", f.count(t, "SELECT COUNT(DISTINCT code) FROM workorders"), n+500)
		// The generator's rollup is what a recount of its orders gives
		// (the same cohort.counts as live steps and the KPI trace).
		for _, g := range []wo.StatsGroup{wo.ByUnit, wo.ByRegion, wo.ByCategory} {
			f.svc.SetStatsFromDaily(true)
			written, err := f.svc.Stats(f.ctx, f.leader, "2025-01-01", "2026-12-31", g)
			must(t, err)
			must(t, d.Write(f.ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(f.ctx, "INSERT INTO stats_rebuild (name) VALUES ('workorder')")
				return err
			}))
			if k, err := f.svc.RebuildStats(f.ctx); err != nil || k != n+500 {
				t.Fatalf("RebuildStats: %d, %v", k, err)
			}
			recounted, err := f.svc.Stats(f.ctx, f.leader, "2025-01-01", "2026-12-31", g)
			must(t, err)
			if !slices.Equal(written, recounted) {
				t.Fatalf("by %s: generated rollup differs from the recount:\n%+v\n%+v", g, written, recounted)
			}
			f.svc.SetStatsFromDaily(false)
		}
		// Ordinary intake goes on after it (PostgreSQL's identity sequences follow the ids).
		s := f.submit(t, "RUBBISH")
		if s.ID != n+501 {
			t.Fatalf("next order id %d, want %d", s.ID, n+501)
		}
	})
}

// The history's timelines, order rows and rollup are what the effects
// table gives when each order's timeline is replayed through it: the
// simulator takes its steps as Act does, and records what Act would.
func TestGeneratedHistoryReplaysThroughTheEffectsToItsRowsAndRollup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// A street government, which gets orders first now and then and returns them.
		f.unit(t, 0, "ST-A1", "A1街道办事处", f.street)
		_, err := f.svc.GenerateHistory(f.ctx, wo.HistoryConfig{Orders: 2000, Seed: 21})
		must(t, err)
		r, err := wo.ReplayTimelines(f.ctx, d)
		must(t, err)
		if len(r.Mismatches) > 0 {
			t.Fatalf("%d orders replayed; differences:\n%s", r.Orders, strings.Join(r.Mismatches, "\n"))
		}
		// Every kind of step the simulator takes was replayed.
		for _, a := range []string{"answer", "reject", "accept", "dispatch", "return", "acknowledge", "request_extension",
			"approve_extension", "resolve", "verify", "refuse", "callback", "close", "overdue", "auto_escalate"} {
			if r.Steps[a] == 0 {
				t.Errorf("no %s among the %d orders' steps %v", a, r.Orders, r.Steps)
			}
		}
		if r.Orders != 2000 {
			t.Fatalf("%d orders replayed", r.Orders)
		}
	})
}
