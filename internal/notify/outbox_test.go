package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/notify"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorder is a sender that counts deliveries per message id.
type recorder struct {
	mu    sync.Mutex
	got   map[int64]int
	fail  error
	calls int
	delay time.Duration
}

func (r *recorder) Send(_ context.Context, m notify.Message) error {
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		return r.fail
	}
	if r.got == nil {
		r.got = map[int64]int{}
	}
	r.got[m.ID]++
	return nil
}

func enqueue(t *testing.T, d *db.DB, at time.Time, n int, channel string) []int64 {
	t.Helper()
	var ids []int64
	err := d.Write(context.Background(), func(tx *db.Tx) error {
		for i := range n {
			id, err := notify.Enqueue(context.Background(), tx, at, channel, notify.Message{To: "hook-" + fmt.Sprint(i),
				Subject: "【文明城市】工单", Body: "正文", OrderCode: "AB23CD45EF", Kind: "dispatch"})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

type outboxRow struct {
	state    string
	attempts int
	nextAt   int64
	lastErr  string
	claimed  string
}

func row(t *testing.T, d *db.DB, id int64) outboxRow {
	t.Helper()
	var r outboxRow
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), "", "SELECT state, attempts, next_at, last_error, claimed_by FROM notify_outbox WHERE id = ?",
			[]any{id}, &r.state, &r.attempts, &r.nextAt, &r.lastErr, &r.claimed)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTwoInstancesDeliverEachMessageOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := clock.NewFake(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
		ids := enqueue(t, d, c.Now(), 120, notify.KindWebhook)
		rec := &recorder{delay: time.Millisecond}
		a := notify.New(d, c, quiet, map[string]notify.Sender{notify.KindWebhook: rec})
		b := notify.New(d, c, quiet, map[string]notify.Sender{notify.KindWebhook: rec})
		a.Batch, b.Batch = 7, 7
		var wg sync.WaitGroup
		results := make([]notify.Result, 4)
		errs := make([]error, 4)
		for i, o := range []*notify.Outbox{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = o.Deliver(context.Background())
			}()
		}
		wg.Wait()
		sent := 0
		for i := range results {
			if errs[i] != nil {
				t.Fatalf("runner %d: %v", i, errs[i])
			}
			sent += results[i].Sent
		}
		if sent != len(ids) {
			t.Errorf("runners report %d sent, want %d", sent, len(ids))
		}
		rec.mu.Lock()
		for _, id := range ids {
			if rec.got[id] != 1 {
				t.Errorf("message %d delivered %d times", id, rec.got[id])
			}
		}
		if rec.calls != len(ids) {
			t.Errorf("%d sends for %d messages", rec.calls, len(ids))
		}
		rec.mu.Unlock()
		for _, id := range ids {
			if r := row(t, d, id); r.state != "sent" || r.attempts != 1 || r.claimed != "" {
				t.Fatalf("message %d: %+v", id, r)
			}
		}
		// Nothing is left: another round sends nothing.
		if res, err := a.Deliver(context.Background()); err != nil || res != (notify.Result{}) {
			t.Errorf("second round: %+v %v", res, err)
		}
	})
}

func TestAFailingSenderRetriesWithBackoffThenGivesUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewFake(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
		id := enqueue(t, d, c.Now(), 1, notify.KindEmail)[0]
		rec := &recorder{fail: errors.New("451 try later")}
		o := notify.New(d, c, quiet, map[string]notify.Sender{notify.KindEmail: rec})
		o.MaxAttempts, o.Backoff = 4, time.Minute
		wait := time.Minute
		for attempt := 1; attempt <= 3; attempt++ {
			res, err := o.Deliver(ctx)
			if err != nil || res != (notify.Result{Retried: 1}) {
				t.Fatalf("attempt %d: %+v %v", attempt, res, err)
			}
			r := row(t, d, id)
			if r.state != "pending" || r.attempts != attempt || r.nextAt != c.Now().Add(wait).UnixMilli() || r.lastErr != "451 try later" {
				t.Fatalf("after attempt %d: %+v, want next in %v", attempt, r, wait)
			}
			// Not due yet: nothing is tried.
			c.Advance(wait - time.Second)
			if res, _ := o.Deliver(ctx); res != (notify.Result{}) {
				t.Fatalf("before the backoff ended: %+v", res)
			}
			c.Advance(time.Second)
			wait *= 2
		}
		res, err := o.Deliver(ctx)
		if err != nil || res != (notify.Result{Failed: 1}) {
			t.Fatalf("last attempt: %+v %v", res, err)
		}
		if r := row(t, d, id); r.state != "failed" || r.attempts != 4 {
			t.Fatalf("after giving up: %+v", r)
		}
		c.Advance(24 * time.Hour)
		if res, _ := o.Deliver(ctx); res != (notify.Result{}) {
			t.Fatalf("a given-up message was tried again: %+v", res)
		}
		if rec.calls != 4 {
			t.Errorf("%d sends, want 4", rec.calls)
		}
	})
}

func TestAMessageWithoutASenderIsRetriedAndAClaimOfADeadInstanceExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewFake(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
		ids := enqueue(t, d, c.Now(), 2, notify.KindWebhook)
		// An instance without a webhook secret cannot send; it records why.
		none := notify.New(d, c, quiet, map[string]notify.Sender{})
		if res, err := none.Deliver(ctx); err != nil || res.Retried != 2 {
			t.Fatalf("without a sender: %+v %v", res, err)
		}
		if r := row(t, d, ids[0]); r.lastErr != notify.ErrNotConfigured.Error() {
			t.Errorf("last error %q", r.lastErr)
		}
		// A claim held by an instance that died is taken over after the lease.
		c.Advance(time.Hour)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE notify_outbox SET claimed_by = 'dead', claimed_until = ? WHERE id = ?",
				c.Now().Add(notify.DefaultLease).UnixMilli(), ids[1])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		o := notify.New(d, c, quiet, map[string]notify.Sender{notify.KindWebhook: rec})
		if res, _ := o.Deliver(ctx); res.Sent != 1 {
			t.Fatalf("while the dead claim holds: %+v", res)
		}
		c.Advance(notify.DefaultLease + time.Second)
		if res, _ := o.Deliver(ctx); res.Sent != 1 {
			t.Fatalf("after the lease: %+v", res)
		}
		if rec.got[ids[0]] != 1 || rec.got[ids[1]] != 1 {
			t.Errorf("deliveries %v", rec.got)
		}
	})
}

func TestBridgeQueuesOneMessagePerActiveChannelOfTheUnit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
		err := d.Write(ctx, func(tx *db.Tx) error {
			for _, q := range []string{
				"INSERT INTO regions (id, level, code, name, path, created_at, updated_at) VALUES (1, 'city', 'C', '乐山市', '/1/', 0, 0)",
				"INSERT INTO units (id, kind, code, name, region_id, path, created_at, updated_at) VALUES (5, 'street', 'ST', '张公桥街道', 1, '/5/', 0, 0)",
				"INSERT INTO units (id, kind, code, name, region_id, path, created_at, updated_at) VALUES (6, 'street', 'ST2', '沙湾镇', 1, '/6/', 0, 0)",
			} {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			for _, c := range []notify.Channel{
				{UnitID: 5, Kind: notify.KindWebhook, Target: "http://127.0.0.1:9/hook", Active: true},
				{UnitID: 5, Kind: notify.KindEmail, Target: "zgq@example.gov.cn", Active: true},
				{UnitID: 5, Kind: notify.KindEmail, Target: "old@example.gov.cn", Active: false},
			} {
				if _, err := notify.AddChannel(ctx, tx, at, c); err != nil {
					return err
				}
			}
			if err := notify.Bridge(ctx, tx, at, 0, 5, "AB23CD45EF", "dispatch", "workorder.notify.dispatched", "AB23CD45EF"); err != nil {
				return err
			}
			// A unit without a channel gets nothing.
			return notify.Bridge(ctx, tx, at, 0, 6, "AB23CD45EF", "dispatch", "workorder.notify.dispatched", "AB23CD45EF")
		})
		if err != nil {
			t.Fatal(err)
		}
		type out struct{ channel, target, subject, body string }
		var got []out
		err = d.Read(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, "SELECT channel, target, subject, body FROM notify_outbox ORDER BY id")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var o out
				if err := rows.Scan(&o.channel, &o.target, &o.subject, &o.body); err != nil {
					return err
				}
				got = append(got, o)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].channel != "webhook" || got[1].target != "zgq@example.gov.cn" {
			t.Fatalf("outbox %+v", got)
		}
		if got[0].subject != "【文明城市】新工单 AB23CD45EF 已派至本单位，请及时签收。" {
			t.Errorf("subject %q", got[0].subject)
		}
		if want := "工单编号：AB23CD45EF"; !contains(got[0].body, want) {
			t.Errorf("body %q lacks %q", got[0].body, want)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
