package workorder

import (
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
)

// Every KPI can be traced to the orders that make it (the product rule
// "numbers are honest"). Stats reads the rollups, in which every order's
// counters sit in one row: the day it was received, the unit that holds it,
// its region, category and channel now, each counter 0 or 1 for where the
// order stands now (stats.go, cohort.counts). The trace asks the same of
// the orders themselves, with the same definitions written as SQL on their
// columns (figurePred), so a figure's list holds exactly the orders it
// counts: as many as the figure says (TestTraceListsExactlyTheCountedOrders).
//
// overdue_now is not a rollup count: it is the live test Stats makes (with
// a unit and past the deadline in force now) on the orders' current unit,
// region and category, whatever day they were received.

// Figure names one counted figure of Stats.
type Figure string

const (
	FigReceived         Figure = "received"
	FigDispatched       Figure = "dispatched"
	FigAckOnTime        Figure = "acknowledged_on_time"
	FigResolved         Figure = "resolved"
	FigResolvedOnTime   Figure = "resolved_on_time"
	FigReturned         Figure = "returned"
	FigReopened         Figure = "reopened"
	FigCallbacksReached Figure = "callbacks_reached"
	FigSatisfiedOrBasic Figure = "satisfied_or_basic" // the satisfaction rate's numerator
	FigDissatisfied     Figure = "dissatisfied"
	FigOverdueNow       Figure = "overdue_now"
)

// Figures lists the figures that can be traced.
var Figures = []Figure{FigReceived, FigDispatched, FigAckOnTime, FigResolved, FigResolvedOnTime, FigReturned,
	FigReopened, FigCallbacksReached, FigSatisfiedOrBasic, FigDissatisfied, FigOverdueNow}

// Valid reports whether f is a known figure.
func (f Figure) Valid() bool { return slices.Contains(Figures, f) }

// Of returns the figure's value in a row of Stats.
func (f Figure) Of(r StatRow) int64 {
	switch f {
	case FigReceived:
		return r.Received
	case FigDispatched:
		return r.Dispatched
	case FigAckOnTime:
		return r.AckOnTime
	case FigResolved:
		return r.Resolved
	case FigResolvedOnTime:
		return r.ResolvedOnTime
	case FigReturned:
		return r.Returned
	case FigReopened:
		return r.Reopened
	case FigCallbacksReached:
		return r.CallbacksReached
	case FigSatisfiedOrBasic:
		return r.Satisfied + r.BasicallySatisfied
	case FigDissatisfied:
		return r.Dissatisfied
	case FigOverdueNow:
		return r.OverdueNow
	}
	return 0
}

// KPITrace selects the orders behind one figure of one row of Stats (or of
// the totals row).
type KPITrace struct {
	Figure   Figure
	From, To string // the period as given to Stats (days, inclusive); unused by overdue_now
	// Group and ID name the row: the unit, region or category id, 0 for the
	// "none" row. An empty Group is the totals row: every group.
	Group StatsGroup
	ID    int64
}

// Check reports bad values as field errors named after the /orders query
// parameters (kpi, kpi_from, kpi_to, kpi_group).
func (k *KPITrace) Check(f *errs.Fields) {
	if !k.Figure.Valid() {
		f.Add("kpi", "field.bad_choice")
	}
	if k.Figure != FigOverdueNow {
		from, err1 := time.ParseInLocation(DateLayout, k.From, Zone)
		to, err2 := time.ParseInLocation(DateLayout, k.To, Zone)
		if err1 != nil {
			f.Add("kpi_from", "field.bad_date")
		}
		if err2 != nil {
			f.Add("kpi_to", "field.bad_date")
		}
		if err1 == nil && err2 == nil && to.Before(from) {
			f.Add("kpi_to", "field.bad_choice")
		}
	}
	switch k.Group {
	case "", ByUnit, ByRegion, ByCategory:
	default:
		f.Add("kpi_group", "field.bad_choice")
	}
}

// where returns the predicate on w (workorders), r and u (its region and
// unit, as List joins them) that keeps the traced orders. Like Stats, the
// rollup figures are limited to p's scope by the order's unit and region;
// List adds the read predicate on top.
func (k *KPITrace) where(p *auth.Principal, now time.Time) (string, []any, error) {
	var f errs.Fields
	k.Check(&f)
	if err := f.Err(); err != nil {
		return "", nil, err
	}
	if k.Figure == FigOverdueNow {
		pred := `((w.state = ? AND w.ack_due_at < ?) OR (w.state IN (?, ?, ?) AND w.resolve_due_at < ?))`
		args := []any{string(StateDispatched), now.UnixMilli(), string(StateAcknowledged), string(StateExtensionRequested),
			string(StateReopened), now.UnixMilli()}
		switch k.Group {
		case ByUnit:
			pred, args = pred+" AND COALESCE(w.unit_id, 0) = ?", append(args, k.ID)
		case ByRegion:
			pred, args = pred+" AND COALESCE(w.region_id, 0) = ?", append(args, k.ID)
		case ByCategory:
			pred, args = pred+" AND w.category_id = ?", append(args, k.ID)
		}
		return "(" + pred + " AND w.kind = 'request')", args, nil
	}

	from, _ := time.ParseInLocation(DateLayout, k.From, Zone)
	to, _ := time.ParseInLocation(DateLayout, k.To, Zone)
	// Only citizens' requests are counted (kind.go).
	conds := []string{"w.kind = 'request'", "w.created_at >= ?", "w.created_at < ?", figurePred[k.Figure]}
	args := []any{from.UnixMilli(), to.AddDate(0, 0, 1).UnixMilli()}
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	switch k.Group {
	case ByUnit:
		add("COALESCE(w.unit_id, 0) = ?", k.ID)
	case ByRegion:
		add("COALESCE(w.region_id, 0) = ?", k.ID)
	case ByCategory:
		add("w.category_id = ?", k.ID)
	}
	// Stats' scope: the rollup row's unit (the order's now) and region.
	sw, sargs := p.Scope.Where("r.path", "u.path", "")
	add(sw, sargs...)
	return "(" + strings.Join(conds, " AND ") + ")", args, nil
}

// figurePred is each rollup figure's definition (cohort.counts) as a
// predicate on the order w. Times are milliseconds on both sides.
var figurePred = func() map[Figure]string {
	q := func(xs ...State) string {
		var b []string
		for _, x := range xs {
			b = append(b, "'"+string(x)+"'")
		}
		return strings.Join(b, ", ")
	}
	held := "w.unit_id IS NOT NULL AND w.dispatched_at IS NOT NULL AND w.parent_id IS NULL AND w.state <> '" +
		string(StateReturned) + "'"
	resolved := held + " AND w.resolved_at IS NOT NULL AND w.state IN (" + q(resolvedStates...) + ")"
	return map[Figure]string{
		FigReceived:   "1=1",
		FigDispatched: "(" + held + ")",
		FigAckOnTime: "(" + held + " AND w.acknowledged_at IS NOT NULL AND " +
			"(w.ack_due_at IS NULL OR w.acknowledged_at <= w.ack_due_at))",
		FigResolved:       "(" + resolved + ")",
		FigResolvedOnTime: "(" + resolved + " AND (w.resolve_due_at IS NULL OR w.resolved_at <= w.resolve_due_at))",
		FigReturned:       "w.state = '" + string(StateReturned) + "'",
		FigReopened:       "w.reopen_count > 0",
		FigCallbacksReached: "w.first_rating IN ('" + string(RatingSatisfied) + "', '" + string(RatingBasicallySatisfied) +
			"', '" + string(RatingDissatisfied) + "')",
		FigSatisfiedOrBasic: "w.first_rating IN ('" + string(RatingSatisfied) + "', '" + string(RatingBasicallySatisfied) + "')",
		FigDissatisfied:     "w.first_rating = '" + string(RatingDissatisfied) + "'",
	}
}()

// Total sums the rows of Stats into the totals row (ID 0, no name), with
// its rates and average handling time computed from the sums, not averaged
// from the rows' rates.
func Total(rows []StatRow) StatRow {
	var t StatRow
	for _, r := range rows {
		t.Received += r.Received
		t.Dispatched += r.Dispatched
		t.AckOnTime += r.AckOnTime
		t.Resolved += r.Resolved
		t.ResolvedOnTime += r.ResolvedOnTime
		t.Returned += r.Returned
		t.Reopened += r.Reopened
		t.CallbacksReached += r.CallbacksReached
		t.Satisfied += r.Satisfied
		t.BasicallySatisfied += r.BasicallySatisfied
		t.Dissatisfied += r.Dissatisfied
		t.HandlingMS += r.HandlingMS
		t.HandlingCount += r.HandlingCount
		t.OverdueNow += r.OverdueNow
	}
	t.rates()
	return t
}
