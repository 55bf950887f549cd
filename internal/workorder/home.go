package workorder

import (
	"context"
	"slices"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// The work each role lands on: the home page's counts and the queue's
// "my to-do" and "my done" tabs. What is "to do" follows from the
// viewer's permissions, the same way the transition table gives each step
// to a role: a handler acknowledges, resolves and redoes (dispatched,
// acknowledged, reopened), a dispatcher accepts, dispatches, verifies and
// decides extensions (submitted, accepted, returned, resolved,
// extension_requested), an operator calls back (verified). "Done" is every
// order on whose timeline the viewer acted.

// DueSoonWindow is how far ahead an open order's deadline in force counts
// as "due soon" (即将超期).
const DueSoonWindow = 24 * time.Hour

// heldStates are the states in which a unit holds an order and a deadline
// runs: the acknowledge deadline while dispatched, else the resolve one.
var heldStates = []State{StateDispatched, StateAcknowledged, StateExtensionRequested, StateReopened}

// deadlineExpr is the deadline in force of w, NULL when none runs.
const deadlineExpr = `(CASE WHEN w.state = 'dispatched' THEN w.ack_due_at
	WHEN w.state IN ('acknowledged', 'extension_requested', 'reopened') THEN w.resolve_due_at END)`

// TodoStates are the states of the orders waiting for p's step.
func TodoStates(p *auth.Principal) []State {
	var out []State
	add := func(xs ...State) {
		for _, x := range xs {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	if p.Can(auth.PermOrderDispatch) {
		add(StateSubmitted, StateAccepted, StateReturned, StateResolved, StateExtensionRequested)
	}
	if p.Can(auth.PermOrderHandle) {
		add(StateDispatched, StateAcknowledged, StateReopened)
	}
	if p.Can(auth.PermOrderIntake) {
		add(StateVerified)
	}
	return out
}

// HomeCounts are the counts of a viewer's home, each over the orders the
// viewer may see.
type HomeCounts struct {
	Submitted, Accepted, Returned, Resolved, Extension int64 // dispatcher
	Dispatched, InHand, DueSoon, Overdue, Reopened     int64 // handler (and dispatcher: overdue)
	Verified, HotlineToday                             int64 // operator
	// NextDue is the nearest deadline in force of the due-soon orders.
	NextDue *time.Time
}

// Home counts p's open work in one read of the open orders.
func (s *Service) Home(ctx context.Context, p *auth.Principal) (HomeCounts, error) {
	var c HomeCounts
	if err := canRead(p); err != nil {
		return c, err
	}
	now := s.Clock.Now()
	soon := now.Add(DueSoonWindow).UnixMilli()
	t := now.In(Zone)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Zone).UnixMilli()
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, wargs := visibleWhere(p)
		open := []any{}
		for _, st := range []State{StateSubmitted, StateAccepted, StateReturned, StateResolved, StateExtensionRequested,
			StateDispatched, StateAcknowledged, StateReopened, StateVerified} {
			open = append(open, string(st))
		}
		var next *int64
		args := append([]any{now.UnixMilli(), now.UnixMilli(), soon, now.UnixMilli(), soon}, open...)
		err := tx.Get(ctx, "", `SELECT
			COALESCE(SUM(CASE WHEN w.state = 'submitted' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN w.state = 'accepted' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN w.state = 'returned' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN w.state = 'resolved' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN w.state = 'extension_requested' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN w.state = 'dispatched' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN w.state IN ('acknowledged', 'extension_requested') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN `+deadlineExpr+` < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN `+deadlineExpr+` >= ? AND `+deadlineExpr+` < ? THEN 1 ELSE 0 END), 0),
			MIN(CASE WHEN `+deadlineExpr+` >= ? AND `+deadlineExpr+` < ? THEN `+deadlineExpr+` END),
			COALESCE(SUM(CASE WHEN w.state = 'reopened' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN w.state = 'verified' THEN 1 ELSE 0 END), 0)
			FROM workorders w WHERE w.state IN (`+db.Placeholders(len(open))+`) AND `+w, append(args, wargs...),
			&c.Submitted, &c.Accepted, &c.Returned, &c.Resolved, &c.Extension, &c.Dispatched, &c.InHand,
			&c.Overdue, &c.DueSoon, &next, &c.Reopened, &c.Verified)
		if err != nil {
			return err
		}
		if next != nil {
			at := time.UnixMilli(*next)
			c.NextDue = &at
		}
		c.HotlineToday, err = tx.Count(ctx, "SELECT COUNT(*) FROM workorders w WHERE w.channel = 'hotline' AND w.created_at >= ? AND "+w,
			append([]any{today}, wargs...)...)
		return err
	})
	return c, err
}
