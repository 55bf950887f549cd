package app_test

import (
	"context"
	"github.com/wenming-city/wenming/internal/workorder"
	"testing"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// TestANewDemoCityStartsWithOrdersAndAnOldOneIsNeverTouched proves the
// lived-in demo: the first start with --demo on an empty database loads
// the city with its orders over the last months (open ones, closed ones
// with callbacks), and a later start on the same database adds nothing.
func TestANewDemoCityStartsWithOrdersAndAnOldOneIsNeverTouched(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			cfg := app.Config{DataDir: t.TempDir(), DB: dbtest.DSN(t, engine), Demo: true, DemoOrders: 400}
			count := func(a *app.App, q string) int64 {
				t.Helper()
				var n int64
				if err := a.DB.Read(context.Background(), func(tx *db.Tx) error {
					var err error
					n, err = tx.Count(context.Background(), q)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return n
			}
			a, err := app.New(context.Background(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			// 400 generated, and what other capabilities' demos file (the
			// inspections' rectifications, the visits' needs).
			orders := count(a, "SELECT COUNT(*) FROM workorders")
			if orders < 400 {
				t.Fatalf("the demo city starts with %d orders, want at least 400", orders)
			}
			if count(a, "SELECT COUNT(*) FROM workorders WHERE state = 'closed' AND satisfaction <> ''") == 0 ||
				count(a, "SELECT COUNT(*) FROM workorders WHERE state NOT IN ('closed', 'rejected', 'answered_at_intake', 'merged')") == 0 {
				t.Fatal("the demo orders should be both closed with callbacks and still open")
			}
			// The inspection season's failures are rectifications with lives of
			// their own, and a few notices and letters are out.
			if count(a, "SELECT COUNT(*) FROM inspection_rectifications") == 0 ||
				count(a, "SELECT COUNT(*) FROM workorders WHERE kind = 'rectification' AND state = 'closed'") == 0 ||
				count(a, "SELECT COUNT(*) FROM inspection_rechecks WHERE passed = FALSE") == 0 {
				t.Fatal("the demo's rectifications should include closed ones and failed rechecks")
			}
			if count(a, "SELECT COUNT(*) FROM inspection_notices WHERE state = 'closed'") == 0 ||
				count(a, "SELECT COUNT(*) FROM inspection_notices WHERE kind = 'reminder'") == 0 {
				t.Fatal("the demo should have closed notices and reminder letters")
			}
			// The evaluation, the monthly dispatch, patrols and surveys have life too.
			if count(a, "SELECT COUNT(*) FROM inspection_eval_quarters") != 2 || count(a, "SELECT COUNT(*) FROM inspection_eval_boards") != 1 ||
				count(a, "SELECT COUNT(*) FROM inspection_dispatches") != 1 || count(a, "SELECT COUNT(*) FROM inspection_dispatch_tasks") != 2 ||
				count(a, "SELECT COUNT(*) FROM inspection_patrol_findings WHERE order_id IS NOT NULL") == 0 ||
				count(a, "SELECT COUNT(*) FROM inspection_patrol_findings WHERE fixed = TRUE AND after_photo_id IS NOT NULL") == 0 ||
				count(a, "SELECT COUNT(*) FROM inspection_survey_responses") == 0 {
				t.Fatal("the demo should have published quarters with a board, last month's dispatch with its decisions, patrols and surveys")
			}
			if n := count(a, "SELECT COUNT(*) FROM board_posts WHERE unpublished_at IS NULL"); n < 5 {
				t.Fatalf("the demo board has %d published cases", n)
			}
			if n := count(a, "SELECT COUNT(*) FROM board_post_photos"); n < 10 {
				t.Fatalf("the demo board cases have %d photos", n)
			}
			if n := count(a, "SELECT COUNT(*) FROM workorder_categories WHERE evidence_required"); n != int64(len(workorder.DemoEvidence)) {
				t.Fatalf("%d demo categories require a photo on resolve, want %d", n, len(workorder.DemoEvidence))
			}
			a.Close()
			b, err := app.New(context.Background(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if n := count(b, "SELECT COUNT(*) FROM workorders"); n != orders {
				t.Fatalf("a second start changed the orders: %d, was %d", n, orders)
			}
		})
	}
}
