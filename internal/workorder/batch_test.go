package workorder_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

func (f *fixture) citizenReport(i int) wo.SubmitInput {
	lat, lng := 29.56+float64(i)*1e-5, 103.76
	return wo.SubmitInput{Channel: wo.ChannelSnap, CategoryID: f.cats["RUBBISH"],
		Description: fmt.Sprintf("小区门口垃圾堆了三天，第 %d 次反映", i), Address: "嘉定北路 12 号",
		Lat: &lat, Lng: &lng, RegionID: f.street, ReporterPhone: "13800138000"}
}

func TestBatcherCommitsManyConcurrentReportsWithDistinctCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := wo.NewBatcher(f.svc, 2*time.Millisecond, 64)
		b.Start()
		defer b.Stop()
		const n = 500
		out := make([]wo.Submitted, n)
		errc := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { out[i], errc[i] = b.Submit(f.ctx, f.citizenReport(i)) })
		}
		wg.Wait()
		codes := map[string]bool{}
		for i := range n {
			must(t, errc[i])
			if codes[out[i].Code] {
				t.Fatalf("code %s twice", out[i].Code)
			}
			codes[out[i].Code] = true
			if f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND code = ?", out[i].ID, out[i].Code) != 1 {
				t.Fatalf("order %d %s not stored", out[i].ID, out[i].Code)
			}
		}
		if m := f.count(t, "SELECT COUNT(*) FROM workorders"); m != n {
			t.Fatalf("%d orders, want %d", m, n)
		}
		if m := f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE action = 'submit'"); m != n {
			t.Fatalf("%d submit events, want %d", m, n)
		}
		if m := f.count(t, "SELECT COALESCE(SUM(received), 0) FROM workorder_stats_daily"); m != n {
			t.Fatalf("rollup received %d, want %d", m, n)
		}
		batches, reqs := b.Stats()
		if reqs != n || batches >= n {
			t.Fatalf("%d requests in %d batches: no batching", reqs, batches)
		}
		t.Logf("%d reports in %d transactions", reqs, batches)
	})
}

func TestBatcherRefusesABadReportAloneAndKeepsTheOthers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// A long window puts everything below in one transaction.
		b := wo.NewBatcher(f.svc, 200*time.Millisecond, 64)
		b.Start()
		defer b.Stop()
		type res struct {
			s   wo.Submitted
			err error
		}
		var wg sync.WaitGroup
		results := make([]res, 9)
		for i := range results {
			in := f.citizenReport(i)
			switch i {
			case 2: // refused before the transaction
				in.Description = "短"
			case 4: // refused inside it: hotline-only category
				in.CategoryID = f.cats["POLICY_QUERY"]
			case 6: // refused inside it: no such region
				in.RegionID = 987654
			}
			wg.Go(func() {
				s, err := b.Submit(f.ctx, in)
				results[i] = res{s, err}
			})
		}
		// A caller whose work fails after writing: its rows must go, alone.
		var partialErr error
		wg.Go(func() {
			partialErr = b.Do(f.ctx, func(ctx context.Context, tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO workorders (code, channel, category_id, description, state, urgency,
					created_at, updated_at) VALUES ('PARTIAL001', 'web', ?, 'half written', 'submitted', 'general', 0, 0)`,
					f.cats["RUBBISH"]); err != nil {
					return err
				}
				return errs.E(errs.Invalid, "err.invalid_value")
			})
		})
		wg.Wait()
		if !errs.Is(partialErr, errs.Invalid) {
			t.Fatalf("partial: %v", partialErr)
		}
		for i, r := range results {
			switch i {
			case 2:
				wantField(t, r.err, "description")
			case 4:
				wantField(t, r.err, "category_id")
			case 6:
				wantField(t, r.err, "region_id")
			default:
				must(t, r.err)
				if f.count(t, "SELECT COUNT(*) FROM workorders WHERE code = ?", r.s.Code) != 1 {
					t.Fatalf("report %d lost", i)
				}
			}
		}
		if m := f.count(t, "SELECT COUNT(*) FROM workorders"); m != 6 {
			t.Fatalf("%d orders, want 6", m)
		}
		if m := f.count(t, "SELECT COUNT(*) FROM workorder_events"); m != 6 {
			t.Fatalf("%d events, want 6", m)
		}
		if m := f.count(t, "SELECT COALESCE(SUM(received), 0) FROM workorder_stats_daily"); m != 6 {
			t.Fatalf("rollup received %d, want 6", m)
		}
	})
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != errs.Invalid || e.Fields[field].Key == "" {
		t.Fatalf("err = %v, want a message on %s", err, field)
	}
}

func TestBatcherWritesEachAloneWhenTheSharedTransactionFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := wo.NewBatcher(f.svc, 200*time.Millisecond, 64)
		b.Start()
		defer b.Stop()
		var wg sync.WaitGroup
		var good [4]error
		for i := range good {
			wg.Go(func() { _, good[i] = b.Submit(f.ctx, f.citizenReport(i)) })
		}
		// Two refusals inside the transaction make the batcher fall back to
		// a savepoint per request…
		var refused [2]error
		for i := range refused {
			wg.Go(func() {
				in := f.citizenReport(10 + i)
				in.CategoryID = f.cats["POLICY_QUERY"]
				_, refused[i] = b.Submit(f.ctx, in)
			})
		}
		// …where this one breaks the transaction: it releases its savepoint
		// itself, so it cannot be rolled back alone.
		var released atomic.Bool
		wg.Go(func() {
			time.Sleep(20 * time.Millisecond)
			b.Do(f.ctx, func(ctx context.Context, tx *db.Tx) error {
				if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT wm_batch"); err != nil {
					return nil // no savepoint: nothing to break
				}
				released.Store(true)
				return errors.New("boom")
			})
		})
		wg.Wait()
		if !released.Load() {
			t.Fatal("the batch never ran with savepoints")
		}
		for i, err := range good {
			if err != nil {
				t.Fatalf("report %d: %v", i, err)
			}
		}
		for _, err := range refused {
			wantField(t, err, "category_id")
		}
		if m := f.count(t, "SELECT COUNT(*) FROM workorders"); m != 4 {
			t.Fatalf("%d orders, want 4", m)
		}
	})
}

func TestBatcherCancelledBeforeCommitWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := wo.NewBatcher(f.svc, 300*time.Millisecond, 64)
		b.Start()
		// Cancelled before it is even queued.
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		if _, err := b.Submit(ctx, f.citizenReport(1)); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled submit: %v", err)
		}
		// Cancelled while it waits for its batch.
		ctx, cancel = context.WithCancel(f.ctx)
		time.AfterFunc(30*time.Millisecond, cancel)
		t0 := time.Now()
		if _, err := b.Submit(ctx, f.citizenReport(2)); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled while queued: %v", err)
		}
		if time.Since(t0) > 250*time.Millisecond {
			t.Fatal("the cancelled caller waited for the batch")
		}
		// A deadline that passes while queued.
		ctx, cancel = context.WithTimeout(f.ctx, 20*time.Millisecond)
		defer cancel()
		if _, err := b.Submit(ctx, f.citizenReport(3)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("deadline while queued: %v", err)
		}
		b.Stop() // runs what is queued: nothing of the above may be written
		for _, q := range []string{"SELECT COUNT(*) FROM workorders", "SELECT COUNT(*) FROM workorder_events",
			"SELECT COUNT(*) FROM workorder_stats_daily"} {
			if m := f.count(t, q); m != 0 {
				t.Fatalf("%s = %d after cancelled reports", q, m)
			}
		}
		// After Stop the batcher still works, one transaction each.
		s, err := b.Submit(f.ctx, f.citizenReport(4))
		must(t, err)
		if f.count(t, "SELECT COUNT(*) FROM workorders WHERE code = ?", s.Code) != 1 {
			t.Fatal("report after stop not stored")
		}
	})
}

func TestSubmitPublicGoesThroughTheBatcherAndTheLimitRefusesAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.svc.ReportLimit = wo.ReportLimit{Reports: 3, Window: time.Hour}
		f.svc.Batch = wo.NewBatcher(f.svc, 100*time.Millisecond, 64)
		f.svc.Batch.Start()
		defer f.svc.Batch.Stop()
		const n = 10
		errc := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errc[i] = f.svc.SubmitPublic(f.ctx, wo.PublicReport{SubmitInput: func() wo.SubmitInput {
					in := f.citizenReport(i)
					in.IP = "198.51.100.7"
					return in
				}()})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errc {
			switch {
			case err == nil:
				ok++
			case errs.CodeOf(err) != errs.TooMany:
				t.Fatalf("refusal: %v", err)
			}
		}
		if ok != 3 || f.count(t, "SELECT COUNT(*) FROM workorders") != 3 {
			t.Fatalf("%d accepted, %d stored; want 3", ok, f.count(t, "SELECT COUNT(*) FROM workorders"))
		}
		if c := f.count(t, "SELECT count FROM rate_counters WHERE key = 'report:198.51.100.7'"); c != 3 {
			t.Fatalf("counter %d, want 3: refused reports were counted", c)
		}
		if batches, reqs := f.svc.Batch.Stats(); reqs != n || batches > 2 {
			t.Fatalf("%d requests in %d transactions", reqs, batches)
		}
	})
}
