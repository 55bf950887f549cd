package volunteer_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// TestAResidentWithdrawsOnlyBeforeAssignmentAndIsTextedOnce: the resident
// holding the code withdraws an order still waiting for the station; once a
// team is assigned the withdrawal is refused and changes nothing; each
// event texts the resident's phone once (a doubled step does not).
func TestAResidentWithdrawsOnlyBeforeAssignmentAndIsTextedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		of := setupOrders(t, d)
		code, id := of.place(t, "10.0.0.1")
		po, err := of.svc.OrderByCode(ctx, code)
		if err != nil || len(po.Texts) != 1 || !strings.Contains(po.Texts[0].Body, code) || !strings.Contains(po.Texts[0].Body, "张公桥社区实践站") {
			t.Fatalf("placed text: %+v %v", po.Texts, err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM service_order_texts WHERE order_id = ? AND phone = '13900009999'", id); n != 1 {
			t.Fatalf("texts to the resident's phone: %d", n)
		}
		if err := of.svc.Withdraw(ctx, code, strings.Repeat("长", 600)); !isKey(err, errs.Invalid, "reason", "field.too_long") {
			t.Fatalf("long reason: %v", err)
		}
		if err := of.svc.Withdraw(ctx, "NOSUCHCODE", ""); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		if err := of.svc.Withdraw(ctx, strings.ToLower(code), "已找到人帮忙"); err != nil {
			t.Fatal(err)
		}
		po, _ = of.svc.OrderByCode(ctx, code)
		if po.State != volunteer.OrderWithdrawn || len(po.Texts) != 2 || po.Texts[1].Event != "withdrawn" {
			t.Fatalf("after withdrawal: %s %+v", po.State, po.Texts)
		}
		if err := of.svc.Withdraw(ctx, code, ""); !isKey(err, errs.Conflict, "", "volunteer.order.withdraw_late") {
			t.Fatalf("withdrawn twice: %v", err)
		}
		if err := of.svc.Assign(ctx, of.org, id, of.team); !isKey(err, errs.Conflict, "", "volunteer.order.bad_move") {
			t.Fatalf("assigned a withdrawn order: %v", err)
		}
		// Assigned: too late to withdraw; the assignment texted once.
		code2, id2 := of.place(t, "10.0.0.1")
		if err := of.svc.Assign(ctx, of.org, id2, of.team); err != nil {
			t.Fatal(err)
		}
		if err := of.svc.Withdraw(ctx, code2, ""); !isKey(err, errs.Conflict, "", "volunteer.order.withdraw_late") {
			t.Fatalf("withdrawn after assignment: %v", err)
		}
		if err := of.svc.Assign(ctx, of.org, id2, of.team); err != nil { // the same team again
			t.Fatal(err)
		}
		po, _ = of.svc.OrderByCode(ctx, code2)
		if po.State != volunteer.OrderAssigned || len(po.Texts) != 2 || !strings.Contains(po.Texts[1].Body, "张公桥巾帼志愿服务队") {
			t.Fatalf("after assignment: %s %+v", po.State, po.Texts)
		}
	})
}

func TestOrderLateRule(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, clock.CST)
	for _, c := range []struct {
		name  string
		state volunteer.OrderState
		after time.Duration
		want  bool
	}{
		{"waiting a minute short", volunteer.OrderOrdered, 24*time.Hour - time.Minute, false},
		{"waiting exactly the limit", volunteer.OrderOrdered, 24 * time.Hour, true},
		{"waiting past it", volunteer.OrderOrdered, 30 * time.Hour, true},
		{"assigned in time", volunteer.OrderAssigned, 30 * time.Hour, false},
		{"withdrawn", volunteer.OrderWithdrawn, 30 * time.Hour, false},
		{"refused", volunteer.OrderRefused, 30 * time.Hour, false},
	} {
		if got := volunteer.OrderLate(c.state, at, at.Add(c.after), 24*time.Hour); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestALateOrderIsEscalatedOnceWithTwoInstances: two app instances (two
// pools on one database, two job runners, one clock) run the timer; an
// order left unassigned past 24 hours is escalated to the unit at its
// centre's region once, an order assigned in time never, and running the
// job again (or both instances' escalations at the same moment) adds
// nothing.
func TestALateOrderIsEscalatedOnceWithTwoInstances(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			d, open := twoPools(t, e)
			of := setupOrders(t, d)
			c := of.svc.Clock.(*clock.Fake)
			centre, err := org.New(d, c).CreateUnit(ctx, nil, org.UnitInput{Kind: org.UnitKinds[0], Code: "SZQ-WMB", Name: "市中区文明办",
				RegionID: of.regions["D"], Active: true})
			if err != nil {
				t.Fatal(err)
			}
			second := volunteer.New(open(), c, of.svc.PII, of.accounts)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			ra, rb := jobs.New(d, c, log), jobs.New(second.DB, c, log)
			if err := ra.Add(ctx, of.svc.OrderEscalationJob()); err != nil {
				t.Fatal(err)
			}
			if err := rb.Add(ctx, second.OrderEscalationJob()); err != nil {
				t.Fatal(err)
			}
			lateCode, late := of.place(t, "10.0.0.1")
			_, served := of.place(t, "10.0.0.1")
			if err := of.svc.Assign(ctx, of.org, served, of.team); err != nil {
				t.Fatal(err)
			}
			notices := func() int64 {
				return count(t, d, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND unit_id = ? AND ref = ?", volunteer.NoticeOrderLateKind, centre.ID, late)
			}
			c.Advance(23 * time.Hour)
			ra.RunDue(ctx)
			rb.RunDue(ctx)
			if n := count(t, d, "SELECT COUNT(*) FROM service_orders WHERE escalated_at IS NOT NULL"); n != 0 {
				t.Fatalf("escalated before the limit: %d", n)
			}
			for range 3 { // three periods of the job, both instances each time
				c.Advance(time.Hour + time.Minute)
				ra.RunDue(ctx)
				rb.RunDue(ctx)
			}
			if n := notices(); n != 1 {
				t.Fatalf("centre told %d times, want once", n)
			}
			if n := count(t, d, "SELECT COUNT(*) FROM service_orders WHERE escalated_at IS NOT NULL"); n != 1 {
				t.Fatalf("%d orders escalated, want only the unassigned one", n)
			}
			o, err := of.svc.Order(ctx, of.org, late)
			if err != nil || o.EscalatedAt == nil || o.Code != lateCode {
				t.Fatalf("the late order: %+v %v", o, err)
			}
			// Both instances' escalations at the same moment, past a lease
			// (the job body itself run twice): still one notice per order.
			_, late2 := of.place(t, "10.0.0.2")
			c.Advance(25 * time.Hour)
			var wg sync.WaitGroup
			got := make([]int, 2)
			for i, s := range []*volunteer.Service{of.svc, second} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := s.EscalateLateOrders(ctx)
					if err != nil {
						t.Error(err)
					}
					got[i] = n
				}()
			}
			wg.Wait()
			if got[0]+got[1] != 1 {
				t.Fatalf("escalations at once: %v, want 1 in all", got)
			}
			if n := count(t, d, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND ref = ?", volunteer.NoticeOrderLateKind, late2); n != 1 {
				t.Fatalf("second order: %d notices", n)
			}
			if n := notices(); n != 1 {
				t.Fatalf("the first order told again: %d", n)
			}
		})
	}
}

// twoPools opens a migrated database of the engine and returns it with a
// function opening another pool on it: two app instances on one database.
func twoPools(t *testing.T, e db.Engine) (*db.DB, func() *db.DB) {
	t.Helper()
	ctx := context.Background()
	dsn := dbtest.DSN(t, e)
	open := func() *db.DB {
		d, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	d := open()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d, open
}
