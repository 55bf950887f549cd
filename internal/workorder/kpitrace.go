package workorder

import (
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Every KPI can be traced to the orders that make it (the product rule
// "numbers are honest"). Stats reads the daily rollup, which counts events; the
// trace reads the same events from the orders' timelines, so a figure's
// list holds exactly the orders whose events it counts. An order counted
// twice (resolved, reopened and resolved again) is listed once; its
// timeline shows both events.
//
// Each rollup counter is kept by one kind of timeline event, written in the
// same transaction, with the same key:
//
//	received            submit                               unit: none
//	dispatched          dispatch, reassign                   the unit it went to
//	acknowledged_on_time acknowledge, at or before the acknowledge deadline
//	                    in force (that of the last step into "dispatched")
//	resolved            resolve
//	resolved_on_time    resolve, at or before the resolve deadline in force
//	                    (that of the last step into acknowledged,
//	                    extension_requested or reopened)
//	returned            return                               the unit that returned it
//	reopened            refuse, and callback → reopened (dissatisfied)
//	callbacks_reached   callback with a rating other than unreachable
//	satisfied_or_basic  callback rated satisfied or basically satisfied
//	dissatisfied        callback rated dissatisfied
//
// The unit of an event is its unit_id (the unit responsible then); the
// region is the order's; the category is the one the order had then (a
// later recategorise event records what it was before). Days are counted in
// Zone. overdue_now is not an event count: it is the live test Stats makes
// (with a unit and past the deadline in force now) on the orders' current
// unit, region and category.
//
// One difference cannot be removed: the rollup compares times to the
// nanosecond and the timeline keeps milliseconds, so a step taken in the very
// millisecond its deadline falls could count late in Stats and on time here.

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

// where returns the predicate on w (workorders) and r (its region, as List
// joins them) that keeps the traced orders. Like Stats, the event figures
// are limited to p's scope by the event's unit and the order's region;
// List adds the read predicate on top.
func (k *KPITrace) where(engine db.Engine, p *auth.Principal, now time.Time) (string, []any, error) {
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
		return "(" + pred + ")", args, nil
	}

	from, _ := time.ParseInLocation(DateLayout, k.From, Zone)
	to, _ := time.ParseInLocation(DateLayout, k.To, Zone)
	conds := []string{"e.order_id = w.id", "e.at >= ?", "e.at < ?"}
	args := []any{from.UnixMilli(), to.AddDate(0, 0, 1).UnixMilli()}
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }

	rating := "CASE WHEN e.action = 'callback' THEN " + jsonText(engine, "e.data", "rating") + " END"
	// The deadline in force before e: that of the last earlier step into
	// one of the states (every such step records it, see deadlineInForce).
	dueBefore := func(states ...State) string {
		return `COALESCE((SELECT d.deadline_at FROM workorder_events d WHERE d.order_id = e.order_id AND d.id < e.id
			AND d.deadline_at IS NOT NULL AND d.to_state IN (` + db.Placeholders(len(states)) + `)
			ORDER BY d.id DESC LIMIT 1), e.at)`
	}
	switch k.Figure {
	case FigReceived:
		add("e.action = ?", EventSubmit)
	case FigDispatched:
		add("e.action IN (?, ?)", string(ActionDispatch), string(ActionReassign))
	case FigAckOnTime:
		add("e.action = ? AND e.at <= "+dueBefore(StateDispatched), string(ActionAcknowledge), string(StateDispatched))
	case FigResolved:
		add("e.action = ?", string(ActionResolve))
	case FigResolvedOnTime:
		add("e.action = ? AND e.at <= "+dueBefore(StateAcknowledged, StateExtensionRequested, StateReopened),
			string(ActionResolve), string(StateAcknowledged), string(StateExtensionRequested), string(StateReopened))
	case FigReturned:
		add("e.action = ?", string(ActionReturn))
	case FigReopened:
		add("(e.action = ? OR (e.action = ? AND e.to_state = ?))", string(ActionRefuse), string(ActionCallback), string(StateReopened))
	case FigCallbacksReached:
		add("e.action = ? AND "+rating+" <> ?", string(ActionCallback), string(RatingUnreachable))
	case FigSatisfiedOrBasic:
		add("e.action = ? AND "+rating+" IN (?, ?)", string(ActionCallback), string(RatingSatisfied), string(RatingBasicallySatisfied))
	case FigDissatisfied:
		add("e.action = ? AND "+rating+" = ?", string(ActionCallback), string(RatingDissatisfied))
	}
	switch k.Group {
	case ByUnit:
		add("COALESCE(e.unit_id, 0) = ?", k.ID)
	case ByRegion:
		add("COALESCE(w.region_id, 0) = ?", k.ID)
	case ByCategory:
		// The category then: what the first later recategorise changed it
		// from, or the order's category if it was never changed since.
		add(`COALESCE((SELECT `+jsonInt(engine, "rc.data", "from_category_id")+` FROM workorder_events rc
			WHERE rc.order_id = e.order_id AND rc.action = ? AND rc.id > e.id ORDER BY rc.id LIMIT 1), w.category_id) = ?`,
			string(ActionRecategorise), k.ID)
	}
	// Stats' scope: the rollup row's unit (the event's) and region (the order's).
	sw, sargs := p.Scope.Where("r.path", "su.path", "")
	add(sw, sargs...)
	return `EXISTS (SELECT 1 FROM workorder_events e LEFT JOIN units su ON su.id = e.unit_id
		WHERE ` + strings.Join(conds, " AND ") + `)`, args, nil
}

// jsonText is the text value of a top-level key of a JSON text column that
// is not empty where it is read.
func jsonText(engine db.Engine, col, key string) string {
	if engine == db.Postgres {
		return "(" + col + "::jsonb ->> '" + key + "')"
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// jsonInt is the integer value of a top-level key of a JSON text column.
func jsonInt(engine db.Engine, col, key string) string {
	if engine == db.Postgres {
		return "(" + col + "::jsonb ->> '" + key + "')::bigint"
	}
	return "CAST(json_extract(" + col + ", '$." + key + "') AS INTEGER)"
}

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
