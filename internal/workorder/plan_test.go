package workorder_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/search"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// TestHotQueriesUseTheirIndexesOnSQLite pins the plans that keep the queue,
// the timers, the overdue counts and the text search independent of the
// number of orders: each reads an index (partial ones included) and none
// sorts a temporary B-tree for the newest-first order.
func TestHotQueriesUseTheirIndexesOnSQLite(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	plan, _ := search.Newest(db.SQLite, wo.SearchKind, "路灯", "w.id")
	cases := []struct {
		name, q   string
		args      []any
		want      []string
		forbidden string
	}{
		{"queue by unit", `SELECT w.id FROM workorders w WHERE w.unit_id = ? ORDER BY w.id DESC LIMIT 51`, []any{3},
			[]string{"workorders_unit"}, "TEMP B-TREE"},
		{"queue by state", `SELECT w.id FROM workorders w WHERE w.state IN (?) ORDER BY w.id DESC LIMIT 51`, []any{"dispatched"},
			[]string{"workorders_state"}, "TEMP B-TREE"},
		{"merged children", `SELECT w.id FROM workorders w WHERE w.parent_id = ?`, []any{3}, []string{"workorders_parent"}, ""},
		{"acknowledge timer", `SELECT id FROM workorders WHERE state IN (?, ?) AND ack_overdue = FALSE AND ack_due_at < ? ORDER BY id LIMIT 100`,
			[]any{"dispatched", "reopened", 5}, []string{"workorders_state_ack_due"}, ""},
		{"overdue now", `SELECT COALESCE(w.unit_id, 0), COUNT(*) FROM workorders w
			WHERE ((w.state = ? AND w.ack_due_at < ?) OR (w.state IN (?, ?) AND w.resolve_due_at < ?)) GROUP BY 1`,
			[]any{"dispatched", 5, "acknowledged", "reopened", 5}, []string{"workorders_state_ack_due", "workorders_state_resolve_due"}, ""},
		{"text search, newest first", `SELECT w.id FROM ` + plan.From + `workorders w WHERE w.state = ? AND ` + plan.Where +
			` ORDER BY ` + plan.Order + ` LIMIT 51`, append([]any{"dispatched"}, plan.Args...),
			[]string{"search_fts VIRTUAL TABLE", "w USING INTEGER PRIMARY KEY"}, "TEMP B-TREE"},
	}
	for _, c := range cases {
		var lines []string
		must(t, d.Read(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, "EXPLAIN QUERY PLAN "+c.q, c.args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				lines = append(lines, detail)
			}
			return rows.Err()
		}))
		got := strings.Join(lines, " | ")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: plan %q does not use %s", c.name, got, w)
			}
		}
		if c.forbidden != "" && strings.Contains(got, c.forbidden) {
			t.Errorf("%s: plan %q sorts (%s)", c.name, got, c.forbidden)
		}
	}
}
