package workorder_test

import (
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
		events := func(where string) int64 { return f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE "+where) }
		eq("received", sum("received"), n)
		eq("dispatched", sum("dispatched"), events("action = 'dispatch'"))
		eq("resolved", sum("resolved"), events("action = 'resolve'"))
		eq("returned", sum("returned"), events("action = 'return'"))
		eq("reopened", sum("reopened"), events("to_state = 'reopened' AND action IN ('refuse', 'callback')"))
		eq("callbacks reached", sum("callbacks_reached"), events("action = 'callback' AND data NOT LIKE '%unreachable%'"))
		eq("handling count", sum("handling_count"), sum("resolved"))
		eq("acknowledged on time", sum("acknowledged_on_time"), f.count(t, `SELECT COUNT(*) FROM workorder_events a
			JOIN workorder_events d ON d.order_id = a.order_id AND d.action = 'dispatch' AND d.id = (SELECT MAX(id)
			FROM workorder_events WHERE order_id = a.order_id AND action = 'dispatch' AND id < a.id)
			WHERE a.action = 'acknowledge' AND a.at <= d.deadline_at`))
		reached, satisfied := sum("callbacks_reached"), sum("satisfied")+sum("basically_satisfied")
		if rate := float64(satisfied) / float64(reached); rate < 0.985 || rate > 0.9995 {
			t.Fatalf("satisfaction %.4f, want about 0.994", rate)
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
