package workorder

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// behindCity is a queue city with no orders whose Service writes
// citizens' reports through a started Batcher with SearchBehind set.
func behindCity(t *testing.T, engine db.Engine) *queueCity {
	t.Helper()
	c := loadQueueCity(t, engine, 0)
	c.svc.SearchBehind = true
	c.svc.Batch = NewBatcher(c.svc, time.Millisecond, 64)
	c.svc.Batch.Start()
	t.Cleanup(c.svc.Batch.Stop)
	return c
}

func (c *queueCity) report(t *testing.T, text string) Submitted {
	t.Helper()
	out, err := c.svc.Batch.Submit(context.Background(), SubmitInput{Channel: ChannelSnap, CategoryID: c.leaf,
		Description: text, Address: "嘉定北路", RegionID: c.community})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (c *queueCity) searchIDs(t *testing.T, q string) []int64 {
	t.Helper()
	out, _, err := c.svc.List(context.Background(), queuePrincipal(), Filter{Q: q})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(out))
	for i, o := range out {
		ids[i] = o.ID
	}
	return ids
}

func (c *queueCity) pending(t *testing.T) int {
	t.Helper()
	var n int64
	if err := c.svc.DB.Read(context.Background(), func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(context.Background(), "SELECT COUNT(*) FROM workorder_search_pending")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestSearchBehindFindsTheReportByCodeAtOnceAndByTextAfterTheIndexerRuns
// proves the lag's contract: the committed report is pending, found by
// its tracking code (lower case, with a dash, as people type it) but not
// yet by its words; one run of the indexer makes it searchable and empties
// the queue.
func TestSearchBehindFindsTheReportByCodeAtOnceAndByTextAfterTheIndexerRuns(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			c := behindCity(t, engine)
			r := c.report(t, "海棠小区门口井盖松动")
			if n := c.pending(t); n != 1 {
				t.Fatalf("pending = %d after one report, want 1", n)
			}
			typed := r.Code[:4] + "-" + r.Code[4:]
			for _, q := range []string{r.Code, typed} {
				if got := c.searchIDs(t, q); len(got) != 1 || got[0] != r.ID {
					t.Errorf("search %q before indexing = %v, want [%d]", q, got, r.ID)
				}
			}
			if got := c.searchIDs(t, "井盖"); len(got) != 0 {
				t.Errorf("search 井盖 before indexing = %v, want none (not indexed yet)", got)
			}
			n, err := c.svc.IndexPending(context.Background(), 0)
			if err != nil || n != 1 {
				t.Fatalf("IndexPending = %d, %v; want 1", n, err)
			}
			if got := c.searchIDs(t, "井盖"); len(got) != 1 || got[0] != r.ID {
				t.Errorf("search 井盖 after indexing = %v, want [%d]", got, r.ID)
			}
			if n := c.pending(t); n != 0 {
				t.Errorf("pending = %d after indexing, want 0", n)
			}
		})
	}
}

// TestSearchBehindCatchesUpAtStartWhatACrashLeftPending: reports committed
// by a process that died before indexing them are indexed by the next
// one's CatchUpSearch (a new Service on the same database).
func TestSearchBehindCatchesUpAtStartWhatACrashLeftPending(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			c := behindCity(t, engine)
			var ids []int64
			for _, text := range []string{"路灯不亮已经三天", "垃圾桶满了没人清", "路灯杆倒在路边"} {
				ids = append(ids, c.report(t, text).ID)
			}
			c.svc.Batch.Stop() // the process dies: nothing indexed them
			next := New(c.svc.DB, c.svc.Clock)
			n, err := next.CatchUpSearch(context.Background())
			if err != nil || n != 3 {
				t.Fatalf("CatchUpSearch = %d, %v; want 3", n, err)
			}
			got := c.searchIDs(t, "路灯")
			if len(got) != 2 || got[0] != ids[2] || got[1] != ids[0] {
				t.Errorf("search 路灯 after catching up = %v, want [%d %d]", got, ids[2], ids[0])
			}
			if n, err := next.CatchUpSearch(context.Background()); err != nil || n != 0 {
				t.Errorf("second CatchUpSearch = %d, %v; want 0", n, err)
			}
		})
	}
}

// TestTwoSearchIndexersNeverIndexAnOrderTwice runs four indexers (four
// instances' Services on one database) at once over 200 pending orders,
// a few at a time: the orders they report indexed add up to exactly 200,
// so no order was claimed by two of them.
func TestTwoSearchIndexersNeverIndexAnOrderTwice(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			c := behindCity(t, engine)
			ctx := context.Background()
			const n = 200
			if err := c.svc.DB.Write(ctx, func(tx *db.Tx) error {
				for i := range n {
					in := SubmitInput{Channel: ChannelSnap, CategoryID: c.leaf, Description: "井盖松动" + string(rune('a'+i%26)),
						RegionID: c.community}
					in.normalise()
					out, err := c.svc.submitTx(ctx, tx, nil, in)
					if err != nil {
						return err
					}
					if _, err := tx.Exec(ctx, "INSERT INTO workorder_search_pending (order_id) VALUES (?)", out.ID); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			counts := make([]int, 4)
			errs := make([]error, 4)
			for w := range 4 {
				svc := New(c.svc.DB, c.svc.Clock)
				wg.Go(func() {
					for {
						k, err := svc.IndexPending(ctx, 7)
						if err != nil {
							errs[w] = err
							return
						}
						if k == 0 {
							return
						}
						counts[w] += k
					}
				})
			}
			wg.Wait()
			total := 0
			for w := range 4 {
				if errs[w] != nil {
					t.Fatal(errs[w])
				}
				total += counts[w]
			}
			if total != n {
				t.Errorf("indexers indexed %d orders in all (%v), want exactly %d", total, counts, n)
			}
			if p := c.pending(t); p != 0 {
				t.Errorf("pending = %d, want 0", p)
			}
		})
	}
}
