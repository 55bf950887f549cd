package workorder

import (
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/errs"
)

// Step effects: what each action of the transition table (machine.go) does
// to an order besides moving its state. Each action's guard (the checks of
// its inputs against the order), its field changes, its timeline data and
// its notice are written once here, as plain functions
// over the order, the step's input and its time, and used by every path
// that takes a step: staff actions (Service.act), citizens' callbacks
// (citizenCallback), merges (act and followParent) and the demo history
// (history.go). What needs the database (the assisting units' rows, the
// parent's merge event, the holiday calendar behind a deadline) is done by
// the caller from what the effect returns; deadlines come through the
// step's Deadline function.

// DeadlineFunc returns start + n units, with the holiday calendar the
// caller has (the database's in Act, the loaded one in the demo history).
type DeadlineFunc func(start time.Time, n int, unit LimitUnit) (time.Time, error)

// calendarDeadline is a DeadlineFunc over a calendar in memory.
func calendarDeadline(c Calendar) DeadlineFunc {
	return func(start time.Time, n int, unit LimitUnit) (time.Time, error) {
		return Deadline(c, start, n, unit), nil
	}
}

// Step is one action on an order with everything its effect reads besides
// the order. The caller has found what the input names (the unit's path,
// the new category, the parent order) and refused what does not exist.
type Step struct {
	Action         Action
	At             time.Time
	Note           string // trimmed
	Rating         Rating
	ExtensionUntil time.Time
	UnitID         int64  // dispatch, reassign: the new lead unit
	UnitPath       string // its path
	AssistUnitIDs  []int64
	PhotoIDs       []int64
	// Category is the order's category (its deadlines).
	Category Category
	// NewCategory is where recategorise moves the order.
	NewCategory Category
	// Parent is the order merge joins.
	Parent *Order
	// Deadline computes deadlines (nil: without holidays).
	Deadline DeadlineFunc
	// ByCitizen: the callback is the citizen's own rating on the tracking
	// page (IP: where it came from).
	ByCitizen bool
	IP        string
}

// Effect is what a step did, for the caller to write: the order itself has
// been changed in place.
type Effect struct {
	From, To State
	// Data is the timeline event's data (nil: none).
	Data map[string]any
	// NoticeUnit is told with NoticeKey (0: nobody).
	NoticeUnit int64
	NoticeKey  string
	// Assist: the assisting units are replaced by the order's AssistUnitIDs.
	Assist bool
	// ParentData is merge's event on the parent (nil: none).
	ParentData map[string]any
	// Follow: the order reached an end, its merged children follow it.
	Follow bool
}

// effect is one action's part of the table.
type effect struct {
	// guard checks the inputs against the order (after the table's state
	// and permission check and the inputs' existence); nil: nothing more.
	guard func(o *Order, st *Step, f *errs.Fields) error
	// apply changes the order and fills the effect.
	apply func(o *Order, st *Step, e *Effect) error
}

// effects holds every action's effect, beside Rules; a test checks each
// rule has one.
var effects = map[Action]effect{
	ActionAccept: {apply: func(o *Order, st *Step, e *Effect) error { return nil }},
	ActionReject: {apply: closeOrder},
	ActionAnswer: {apply: func(o *Order, st *Step, e *Effect) error {
		o.Resolution = st.Note
		return closeOrder(o, st, e)
	}},
	ActionDispatch:    {apply: dispatchOrder},
	ActionReassign:    {apply: dispatchOrder},
	ActionAcknowledge: {apply: acknowledge},
	ActionReturn:      {apply: func(o *Order, st *Step, e *Effect) error { return nil }},
	ActionRequestExtension: {guard: guardExtension, apply: func(o *Order, st *Step, e *Effect) error {
		o.ExtensionUntil = ptr(st.ExtensionUntil)
		e.Data = map[string]any{"extension_until": st.ExtensionUntil.UnixMilli()}
		return nil
	}},
	ActionApproveExtension: {apply: func(o *Order, st *Step, e *Effect) error {
		if o.ExtensionUntil != nil {
			o.ResolveDueAt = o.ExtensionUntil
			if o.ResolveDueAt.After(st.At) {
				o.ResolveOverdue = false
			}
		}
		o.ExtensionUntil = nil
		e.NoticeUnit, e.NoticeKey = o.UnitID, "workorder.notify.extension_approved"
		return nil
	}},
	ActionRefuseExtension: {apply: func(o *Order, st *Step, e *Effect) error {
		o.ExtensionUntil = nil
		e.NoticeUnit, e.NoticeKey = o.UnitID, "workorder.notify.extension_refused"
		return nil
	}},
	ActionResolve:  {guard: guardEvidence, apply: resolveOrder},
	ActionVerify:   {apply: func(o *Order, st *Step, e *Effect) error { return nil }},
	ActionRefuse:   {apply: reopen},
	ActionCallback: {guard: guardRating, apply: callback},
	ActionClose:    {apply: closeOrder},
	ActionMerge:    {guard: guardParent, apply: merge},
	ActionRecategorise: {guard: guardCategory, apply: func(o *Order, st *Step, e *Effect) error {
		c := st.NewCategory
		e.Data = map[string]any{"from_category_id": o.CategoryID, "to_category_id": c.ID}
		o.CategoryID, o.Urgency, o.CategoryName, o.CategoryNameEN = c.ID, c.Urgency, c.Name, c.NameEN
		return nil
	}},
	// The inspector's recheck of a rectification (kind.go): a pass closes
	// it; a failure reopens it like a refused resolution, with a fresh
	// deadline, which counts against the unit (its reopen count).
	ActionRecheckPass: {apply: closeOrder},
	ActionRecheckFail: {apply: func(o *Order, st *Step, e *Effect) error {
		e.Data = map[string]any{"recheck": "fail"}
		return reopen(o, st, e)
	}},
	ActionEscalate: {apply: func(o *Order, st *Step, e *Effect) error {
		o.EscalationLevel++
		o.EscalatedAt = ptr(st.At)
		e.Data = map[string]any{"level": o.EscalationLevel}
		e.NoticeUnit, e.NoticeKey = o.UnitID, "workorder.notify.escalated"
		return nil
	}},
}

// guardStep checks a step's inputs against its rule and the order: the
// checks every action shares (guardInputs) and the action's own guard. It
// adds to f, which may already hold the caller's messages about inputs
// that do not exist.
func guardStep(o *Order, rule Rule, st *Step, f *errs.Fields) error {
	guardInputs(rule, st, f)
	return guardAction(o, rule, st, f)
}

// guardInputs are the checks of a step's inputs on their own: a reason
// where the rule needs one, lengths and counts.
func guardInputs(rule Rule, st *Step, f *errs.Fields) {
	if rule.needs(NeedNote) && st.Note == "" {
		f.Add("note", "workorder.field.reason_required")
	}
	f.Check(utf8.RuneCountInString(st.Note) <= MaxNoteLen, "note", "field.too_long", MaxNoteLen)
	f.Check(len(st.PhotoIDs) <= MaxPhotos, "photos", "workorder.field.too_many_photos", MaxPhotos)
	f.Check(len(st.AssistUnitIDs) <= MaxAssistUnits, "assist_unit_ids", "workorder.field.too_many_units", MaxAssistUnits)
}

// guardAction is the action's own guard of its inputs against the order.
func guardAction(o *Order, rule Rule, st *Step, f *errs.Fields) error {
	if st.Deadline == nil {
		st.Deadline = calendarDeadline(nil)
	}
	if g := effects[rule.Action].guard; g != nil {
		return g(o, st, f)
	}
	return nil
}

// applyStep takes the step on o by its rule: the state the table gives,
// then the action's effect. The caller has checked the table and guarded
// the inputs.
func applyStep(o *Order, rule Rule, st *Step) (Effect, error) {
	if st.Deadline == nil {
		st.Deadline = calendarDeadline(nil)
	}
	e := Effect{From: o.State, To: rule.Result(o.State, st.Rating)}
	o.State = e.To
	fx := effects[rule.Action]
	if fx.apply == nil {
		return Effect{}, errs.E(errs.Invalid, "workorder.err.bad_action", string(rule.Action))
	}
	if err := fx.apply(o, st, &e); err != nil {
		return Effect{}, err
	}
	o.UpdatedAt = st.At
	e.Follow = e.To.Final() && e.To != StateMerged
	return e, nil
}

// takeStep is guardStep and applyStep for a step whose inputs need no lookup
// (the demo history's): the table's state check, the guards, the effect.
func takeStep(o *Order, st *Step) (Effect, error) {
	rule, ok := RuleFor(st.Action)
	if !ok {
		return Effect{}, errs.E(errs.Invalid, "workorder.err.bad_action", string(st.Action))
	}
	if _, err := Next(o.State, st.Action); err != nil {
		return Effect{}, err
	}
	var f errs.Fields
	if rule.needs(NeedUnit) && st.UnitID == 0 {
		f.Add("unit_id", "field.bad_choice")
	}
	if err := guardStep(o, rule, st, &f); err != nil {
		return Effect{}, err
	}
	if err := f.Err(); err != nil {
		return Effect{}, err
	}
	return applyStep(o, rule, st)
}

// extensionLayout shows the latest extension in its message (China Standard Time).
const extensionLayout = "2006-01-02 15:04"

// MaxExtensionDays is how far beyond the deadline in force an extension may
// reach at most, unless the category's own resolve limit is longer.
const MaxExtensionDays = 30

// maxExtension is the latest deadline an extension may ask for: the
// deadline in force (now, when it has passed) plus 30 days, or plus one
// more of the category's own resolve limit (by its calendar) when that is
// longer. An office grants a month at most, or once more the time the
// matter was given in the first place; what needs longer is a different
// matter (recategorise it, or reassign it).
func maxExtension(o *Order, st *Step) (time.Time, error) {
	base := st.At
	if o.ResolveDueAt != nil && o.ResolveDueAt.After(base) {
		base = *o.ResolveDueAt
	}
	again, err := st.Deadline(base, st.Category.ResolveValue, st.Category.ResolveUnit)
	if err != nil {
		return time.Time{}, err
	}
	if month := base.AddDate(0, 0, MaxExtensionDays); month.After(again) {
		return month, nil
	}
	return again, nil
}

func guardExtension(o *Order, st *Step, f *errs.Fields) error {
	until := st.ExtensionUntil
	if !until.After(st.At) {
		f.Add("extension_until", "workorder.field.extension_in_past")
	}
	if o.ResolveDueAt != nil && !until.After(*o.ResolveDueAt) {
		f.Add("extension_until", "workorder.field.extension_not_later")
	}
	latest, err := maxExtension(o, st)
	if err != nil {
		return err
	}
	if until.After(latest) {
		f.Add("extension_until", "workorder.field.extension_too_far", latest.In(Zone).Format(extensionLayout))
	}
	return nil
}

func guardRating(o *Order, st *Step, f *errs.Fields) error {
	if !st.Rating.Valid() {
		f.Add("rating", "field.bad_choice")
	}
	return nil
}

func guardCategory(o *Order, st *Step, f *errs.Fields) error {
	if st.NewCategory.ID == o.CategoryID {
		f.Add("category_id", "workorder.field.same_category")
	}
	return nil
}

func guardParent(o *Order, st *Step, f *errs.Fields) error {
	switch {
	case st.Parent == nil || st.Parent.ID == o.ID:
		f.Add("parent_id", "field.bad_choice")
	case !st.Parent.State.Open():
		f.Add("parent_id", "workorder.field.parent_not_open")
	}
	return nil
}

// dispatchOrder sends the order to the step's unit with fresh deadlines
// (dispatch, reassign).
func dispatchOrder(o *Order, st *Step, e *Effect) error {
	now := st.At
	c := st.Category
	ackDue := Deadline(nil, now, c.AckHours, Hours)
	resolveDue, err := st.Deadline(now, c.ResolveValue, c.ResolveUnit)
	if err != nil {
		return err
	}
	o.UnitID, o.UnitPath = st.UnitID, st.UnitPath
	o.DispatchedAt, o.AckDueAt, o.ResolveDueAt = ptr(now), &ackDue, &resolveDue
	o.AcknowledgedAt, o.ExtensionUntil, o.EscalatedAt = nil, nil, nil
	o.AckOverdue, o.ResolveOverdue, o.EscalationLevel = false, false, 0
	o.AssistUnitIDs = st.AssistUnitIDs
	e.Assist = true
	e.Data = map[string]any{"ack_due_at": ackDue.UnixMilli(), "resolve_due_at": resolveDue.UnixMilli()}
	if len(st.AssistUnitIDs) > 0 {
		e.Data["assist_unit_ids"] = st.AssistUnitIDs
	}
	e.NoticeUnit, e.NoticeKey = o.UnitID, "workorder.notify.dispatched"
	return nil
}

func acknowledge(o *Order, st *Step, e *Effect) error {
	o.AcknowledgedAt = ptr(st.At)
	return nil
}

// guardEvidence: in a category that requires evidence, a resolution
// carries at least one photo of the result.
func guardEvidence(o *Order, st *Step, f *errs.Fields) error {
	f.Check(!st.Category.EvidenceRequired || len(st.PhotoIDs) > 0, "photos", "workorder.field.evidence_required")
	return nil
}

func resolveOrder(o *Order, st *Step, e *Effect) error {
	now := st.At
	o.ResolvedAt, o.Resolution, o.ExtensionUntil = ptr(now), st.Note, nil
	return nil
}

// reopen sends a refused or dissatisfying resolution back to the unit with
// a fresh resolve deadline.
func reopen(o *Order, st *Step, e *Effect) error {
	due, err := st.Deadline(st.At, st.Category.ResolveValue, st.Category.ResolveUnit)
	if err != nil {
		return err
	}
	o.ReopenCount++
	o.ResolveDueAt, o.ResolveOverdue, o.EscalationLevel, o.EscalatedAt, o.ExtensionUntil = &due, false, 0, nil, nil
	e.NoticeUnit, e.NoticeKey = o.UnitID, "workorder.notify.reopened"
	return nil
}

// callback records the citizen's answer: the latest in Satisfaction, and
// the first answer of a reached citizen, which the satisfaction figures
// count, in FirstRating (a later callback after a redo does not change it).
func callback(o *Order, st *Step, e *Effect) error {
	o.Satisfaction = st.Rating
	if o.FirstRating == "" && st.Rating != RatingUnreachable {
		o.FirstRating = st.Rating
	}
	e.Data = map[string]any{"rating": st.Rating}
	if st.ByCitizen {
		e.Data["by"] = "citizen"
		if st.IP != "" {
			e.Data["ip"] = st.IP
		}
	}
	if st.Rating == RatingDissatisfied {
		return reopen(o, st, e)
	}
	return nil
}

func closeOrder(o *Order, st *Step, e *Effect) error {
	o.ClosedAt = ptr(st.At)
	return nil
}

func merge(o *Order, st *Step, e *Effect) error {
	p := st.Parent
	o.ParentID = p.ID
	e.Data = map[string]any{"parent_id": p.ID, "parent_code": p.Code}
	e.ParentData = map[string]any{"child_id": o.ID, "child_code": o.Code}
	return nil
}

// followEffect closes a merged child with its parent, which has reached an
// end: the parent's outcome becomes the child's, so its reporter sees it.
// The event is public and carries the parent's note.
func followEffect(child *Order, parent *Order, at time.Time) Effect {
	e := Effect{From: child.State, To: StateClosed, Data: map[string]any{"parent_id": parent.ID,
		"parent_code": parent.Code, "parent_state": parent.State}}
	child.State, child.ClosedAt, child.Resolution, child.UpdatedAt = StateClosed, ptr(at), parent.Resolution, at
	return e
}

// The overdue timer's steps (timers.go), beside the actions': what marking
// a missed deadline and escalating do to the order, the events they write
// and whom they tell. The timer's conditional UPDATE decides whether a step
// happens (once per level, whatever runs at once); the demo history plays
// the timer with the same functions.

// timerEvent is one timeline row of a timer step.
type timerEvent struct {
	action   string
	deadline *time.Time
	data     map[string]any
}

// TimerEffect is what a timer step did, besides the order's fields.
type TimerEffect struct {
	events []timerEvent
	// Kind is the notices' event kind; UnitKey tells the unit, GroupKey the
	// supervision groups covering the region ("": nobody), and
	// ParentUnit: the unit's parent unit is told with UnitKey too.
	Kind, UnitKey, GroupKey string
	ParentUnit              bool
}

// overdueEffect marks the order's missed deadline of kind ("ack" or
// "resolve") at at, and raises it to escalation level 1 if it was not
// escalated yet, which tells the unit and the supervision groups.
func overdueEffect(o *Order, kind string, at time.Time) TimerEffect {
	deadline := o.AckDueAt
	if kind == "resolve" {
		deadline = o.ResolveDueAt
	}
	if kind == "ack" {
		o.AckOverdue = true
	} else {
		o.ResolveOverdue = true
	}
	o.UpdatedAt = at
	e := TimerEffect{Kind: "overdue", events: []timerEvent{{EventOverdue, deadline, map[string]any{"kind": kind}}}}
	if o.EscalationLevel == 0 {
		o.EscalationLevel, o.EscalatedAt = 1, ptr(at)
		e.events = append(e.events, timerEvent{EventAutoEscalate, deadline, map[string]any{"level": 1, "kind": kind}})
		e.UnitKey, e.GroupKey = "workorder.notify.overdue_"+kind, "workorder.notify.group_overdue_"+kind
	}
	return e
}

// level2Effect raises an order still overdue with its unit a while after
// level 1 to level 2, which tells the unit, its parent unit and the groups.
func level2Effect(o *Order, at time.Time) TimerEffect {
	o.EscalationLevel, o.EscalatedAt, o.UpdatedAt = 2, ptr(at), at
	return TimerEffect{Kind: "escalated", events: []timerEvent{{EventAutoEscalate, deadlineInForce(o), map[string]any{"level": 2}}},
		UnitKey: "workorder.notify.escalated_level2", GroupKey: "workorder.notify.group_escalated_level2", ParentUnit: true}
}
