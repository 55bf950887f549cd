package workorder_test

import (
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

func TestOverdueOrdersEscalateOncePerLevel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.svc.Level2After = 12 * time.Hour
		s := f.submit(t, "STREET_VENDING")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		level := func(n int) int64 {
			return f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE order_id = ? AND action = 'auto_escalate' AND data LIKE ?",
				s.ID, "%\"level\":"+string(rune('0'+n))+"%")
		}
		f.clk.Advance(23 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		if level(1) != 0 {
			t.Fatal("escalated before the deadline")
		}
		f.clk.Advance(2 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		must(t, f.svc.EscalateOverdue(f.ctx))
		o, err := f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		if !o.AckOverdue || o.ResolveOverdue || o.EscalationLevel != 1 || level(1) != 1 ||
			f.count(t, "SELECT COUNT(*) FROM notifications WHERE ref = ? AND event = 'overdue'", s.ID) != 1 {
			t.Fatalf("after the acknowledge deadline: %+v, %d level-1 events", o, level(1))
		}
		f.clk.Advance(11 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		if level(2) != 0 {
			t.Fatal("level 2 too early")
		}
		f.clk.Advance(2 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		must(t, f.svc.EscalateOverdue(f.ctx))
		o, err = f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		if o.EscalationLevel != 2 || level(2) != 1 || level(1) != 1 {
			t.Fatalf("level 2: %d, events %d/%d", o.EscalationLevel, level(1), level(2))
		}
		// Past the resolve deadline too: marked, but no further level.
		f.clk.Advance(8 * 24 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		o, err = f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		if !o.ResolveOverdue || o.EscalationLevel != 2 ||
			f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE order_id = ? AND action = 'overdue'", s.ID) != 2 {
			t.Fatalf("resolve overdue: %+v", o)
		}
		// A reassignment gives the new unit fresh deadlines and a clean slate.
		o = f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionReassign, UnitID: f.unitB, Note: "改派"})
		if o.AckOverdue || o.ResolveOverdue || o.EscalationLevel != 0 {
			t.Fatalf("after reassign: %+v", o)
		}
	})
}

func TestTwoInstancesEscalatingAtOnceDoNotDoubleEscalate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const n = 15
		for range n {
			s := f.submit(t, "FLYERS")
			f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		}
		f.clk.Advance(25 * time.Hour)
		other := wo.New(d, f.clk)
		var wg sync.WaitGroup
		errc := make(chan error, 4)
		for _, svc := range []*wo.Service{f.svc, other, f.svc, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- svc.EscalateOverdue(f.ctx)
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			must(t, err)
		}
		if got := f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE action = 'auto_escalate'"); got != n {
			t.Fatalf("%d escalation events for %d orders", got, n)
		}
		if got := f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE action = 'overdue'"); got != n {
			t.Fatalf("%d overdue events for %d orders", got, n)
		}
		if got := f.count(t, "SELECT COUNT(*) FROM workorders WHERE escalation_level = 1 AND ack_overdue = TRUE"); got != n {
			t.Fatalf("%d orders at level 1", got)
		}
	})
}

func TestTheTimerIsAJobForTheRunner(t *testing.T) {
	j := (&wo.Service{}).Job()
	if j.Name == "" || j.Every <= 0 || j.Run == nil {
		t.Fatalf("job %+v", j)
	}
}
