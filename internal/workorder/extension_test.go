package workorder_test

import (
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// An extension may reach at most 30 days beyond the deadline in force (or
// one more of the category's resolve limit when that is longer: not for
// RUBBISH, a general matter of 7 calendar days).
func TestAnExtensionBeyondThirtyDaysIsRefusedOnItsField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := f.submit(t, "RUBBISH")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		o := f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionAcknowledge})
		due := *o.ResolveDueAt
		for _, until := range []time.Time{time.Date(2036, 12, 31, 18, 0, 0, 0, wo.Zone), due.AddDate(0, 0, 30).Add(time.Minute)} {
			_, err := f.svc.Act(f.ctx, f.handA, s.ID, wo.ActionInput{Action: wo.ActionRequestExtension, Note: "需协调", ExtensionUntil: until})
			wantCode(t, err, errs.Invalid)
			fe := errs.As(err).Fields["extension_until"]
			if fe.Key != "workorder.field.extension_too_far" || len(fe.Args) != 1 || fe.Args[0] != due.AddDate(0, 0, 30).In(wo.Zone).Format("2006-01-02 15:04") {
				t.Fatalf("until %s: %v %+v", until, err, fe)
			}
		}
		if got := f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE action = 'request_extension'"); got != 0 {
			t.Fatalf("%d extension events after refusals", got)
		}
		// The bound itself is accepted.
		o = f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionRequestExtension, Note: "需协调", ExtensionUntil: due.AddDate(0, 0, 30)})
		if o.State != wo.StateExtensionRequested || !o.ExtensionUntil.Equal(due.AddDate(0, 0, 30)) {
			t.Fatalf("extension at the bound: %+v", o)
		}
	})
}
