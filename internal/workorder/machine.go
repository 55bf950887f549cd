package workorder

import (
	"slices"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

// State is where an order is in its life (docs/GLOSSARY.md, "Citizen requests").
type State string

const (
	StateSubmitted          State = "submitted"           // 待受理: in from a channel
	StateAccepted           State = "accepted"            // 已受理: taken in, waiting for dispatch
	StateRejected           State = "rejected"            // 不予受理: refused with a reason (end)
	StateDispatched         State = "dispatched"          // 已派单: sent to the lead unit, deadlines run
	StateAcknowledged       State = "acknowledged"        // 已签收: the unit has it
	StateReturned           State = "returned"            // 已退回: the unit says it is not theirs
	StateExtensionRequested State = "extension_requested" // 延期申请中: the dispatcher decides
	StateResolved           State = "resolved"            // 已办结: the unit reports it fixed
	StateVerified           State = "verified"            // 已审核: the dispatcher accepts the resolution
	StateReopened           State = "reopened"            // 重办: refused or dissatisfied, back to the unit
	StateCallbackDone       State = "callback_done"       // 已回访: the citizen was asked
	StateClosed             State = "closed"              // 已归档 (end)
	StateAnsweredAtIntake   State = "answered_at_intake"  // 即接即办 (end)
	StateMerged             State = "merged"              // 已并单: follows its parent
)

// States lists every state in life order.
var States = []State{
	StateSubmitted, StateAccepted, StateRejected, StateDispatched, StateAcknowledged, StateReturned,
	StateExtensionRequested, StateResolved, StateVerified, StateReopened, StateCallbackDone,
	StateClosed, StateAnsweredAtIntake, StateMerged,
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Key is the i18n key of the state's name.
func (s State) Key() string { return "workorder.state." + string(s) }

// Final reports whether nothing more happens to an order in this state
// (a merged order only follows its parent).
func (s State) Final() bool {
	return s == StateRejected || s == StateClosed || s == StateAnsweredAtIntake || s == StateMerged
}

// Open reports whether the order still waits for someone (not final).
func (s State) Open() bool { return !s.Final() }

// WithUnit reports whether a unit is responsible in this state: deadlines
// run and overdue counts.
func (s State) WithUnit() bool {
	switch s {
	case StateDispatched, StateAcknowledged, StateExtensionRequested, StateReopened:
		return true
	}
	return false
}

// Action is one step an actor takes on an order.
type Action string

const (
	ActionAccept           Action = "accept"            // 受理
	ActionReject           Action = "reject"            // 不予受理
	ActionAnswer           Action = "answer"            // 即接即办
	ActionDispatch         Action = "dispatch"          // 派单
	ActionAcknowledge      Action = "acknowledge"       // 签收
	ActionReturn           Action = "return"            // 退回
	ActionRequestExtension Action = "request_extension" // 申请延期
	ActionApproveExtension Action = "approve_extension" // 同意延期
	ActionRefuseExtension  Action = "refuse_extension"  // 不同意延期
	ActionResolve          Action = "resolve"           // 办结
	ActionVerify           Action = "verify"            // 审核通过
	ActionRefuse           Action = "refuse"            // 审核不通过 → 重办
	ActionCallback         Action = "callback"          // 回访
	ActionClose            Action = "close"             // 归档
	ActionMerge            Action = "merge"             // 并单 (on the child)
	ActionRecategorise     Action = "recategorise"      // 改类
	ActionReassign         Action = "reassign"          // 改派
	ActionEscalate         Action = "escalate"          // 督办
	ActionRecheckPass      Action = "recheck_pass"      // 复查通过 (rectifications): closes it
	ActionRecheckFail      Action = "recheck_fail"      // 复查不通过 (rectifications) → 重办
)

// Actions lists every action a person can take, in life order.
var Actions = []Action{
	ActionAccept, ActionReject, ActionAnswer, ActionDispatch, ActionAcknowledge, ActionReturn,
	ActionRequestExtension, ActionApproveExtension, ActionRefuseExtension, ActionResolve,
	ActionVerify, ActionRefuse, ActionCallback, ActionClose, ActionMerge, ActionRecategorise,
	ActionReassign, ActionEscalate, ActionRecheckPass, ActionRecheckFail,
}

// Key is the i18n key of the action's name.
func (a Action) Key() string { return "workorder.action." + string(a) }

// Events that are not actions of a person but appear on the timeline.
const (
	EventSubmit       = "submit"        // the order came in
	EventOverdue      = "overdue"       // the timer marked a deadline missed
	EventAutoEscalate = "auto_escalate" // the timer raised the escalation level
	EventFollowParent = "follow_parent" // a merged child closed with its parent
)

// Rating is the citizen's answer at callback.
type Rating string

const (
	RatingSatisfied          Rating = "satisfied"           // 满意
	RatingBasicallySatisfied Rating = "basically_satisfied" // 基本满意
	RatingDissatisfied       Rating = "dissatisfied"        // 不满意
	RatingUnreachable        Rating = "unreachable"         // 联系不上
)

// Ratings lists the callback answers.
var Ratings = []Rating{RatingSatisfied, RatingBasicallySatisfied, RatingDissatisfied, RatingUnreachable}

// Valid reports whether r is a known rating.
func (r Rating) Valid() bool { return slices.Contains(Ratings, r) }

// Key is the i18n key of the rating's name.
func (r Rating) Key() string { return "workorder.rating." + string(r) }

// Need names an input an action requires.
type Need string

const (
	NeedNote      Need = "note"            // a reason or answer text
	NeedUnit      Need = "unit_id"         // a lead unit
	NeedCategory  Need = "category_id"     // a new category
	NeedRating    Need = "rating"          // the callback answer
	NeedExtension Need = "extension_until" // the requested new deadline
	NeedParent    Need = "parent_id"       // the order to merge into
)

// Rule is one row of the transition table.
type Rule struct {
	Action Action
	From   []State
	Perm   auth.Perm
	// OwnUnit: only the order's lead unit may take it (handle actions).
	OwnUnit bool
	Needs   []Need
	// To is the resulting state; "" keeps the state (recategorise, escalate).
	To State
	// ToIfDissatisfied replaces To when the callback rating is dissatisfied.
	ToIfDissatisfied State
	// PublicNote: the note is shown on the public tracking page.
	PublicNote bool
	// Kinds limits the action to orders of these kinds (nil: every kind).
	// A citizen's request is verified and called back; a rectification is
	// rechecked on the spot by an inspector instead (kind.go).
	Kinds []Kind
}

// ForKind reports whether the rule applies to orders of kind k.
func (r Rule) ForKind(k Kind) bool { return len(r.Kinds) == 0 || slices.Contains(r.Kinds, k) }

// requestsOnly and rectificationsOnly are the Kinds of the actions that
// belong to one kind of order.
var (
	requestsOnly       = []Kind{KindRequest}
	rectificationsOnly = []Kind{KindRectification}
)

// pre-resolution states in which a dispatcher can still steer an order.
var steerable = []State{StateSubmitted, StateAccepted, StateDispatched, StateAcknowledged, StateReturned,
	StateExtensionRequested, StateReopened}

// withUnit are the states in which the lead unit holds the order.
var withUnit = []State{StateDispatched, StateAcknowledged, StateExtensionRequested, StateReopened}

// Rules is THE transition table: every action, from which states, by which
// permission, with which inputs, to which state. Nothing else decides.
var Rules = []Rule{
	{Action: ActionAccept, From: []State{StateSubmitted}, Perm: auth.PermOrderDispatch, To: StateAccepted},
	{Action: ActionReject, From: []State{StateSubmitted, StateAccepted}, Perm: auth.PermOrderDispatch,
		Needs: []Need{NeedNote}, To: StateRejected, PublicNote: true},
	{Action: ActionAnswer, From: []State{StateSubmitted, StateAccepted}, Perm: auth.PermOrderIntake,
		Needs: []Need{NeedNote}, To: StateAnsweredAtIntake, PublicNote: true},
	{Action: ActionDispatch, From: []State{StateSubmitted, StateAccepted, StateReturned}, Perm: auth.PermOrderDispatch,
		Needs: []Need{NeedUnit}, To: StateDispatched},
	{Action: ActionAcknowledge, From: []State{StateDispatched}, Perm: auth.PermOrderHandle, OwnUnit: true,
		To: StateAcknowledged},
	{Action: ActionReturn, From: []State{StateDispatched}, Perm: auth.PermOrderHandle, OwnUnit: true,
		Needs: []Need{NeedNote}, To: StateReturned},
	{Action: ActionRequestExtension, From: []State{StateAcknowledged, StateReopened}, Perm: auth.PermOrderHandle, OwnUnit: true,
		Needs: []Need{NeedNote, NeedExtension}, To: StateExtensionRequested},
	{Action: ActionApproveExtension, From: []State{StateExtensionRequested}, Perm: auth.PermOrderDispatch,
		To: StateAcknowledged},
	{Action: ActionRefuseExtension, From: []State{StateExtensionRequested}, Perm: auth.PermOrderDispatch,
		Needs: []Need{NeedNote}, To: StateAcknowledged},
	{Action: ActionResolve, From: []State{StateAcknowledged, StateExtensionRequested, StateReopened}, Perm: auth.PermOrderHandle,
		OwnUnit: true, Needs: []Need{NeedNote}, To: StateResolved, PublicNote: true},
	{Action: ActionVerify, From: []State{StateResolved}, Perm: auth.PermOrderDispatch, To: StateVerified, Kinds: requestsOnly},
	{Action: ActionRefuse, From: []State{StateResolved}, Perm: auth.PermOrderDispatch,
		Needs: []Need{NeedNote}, To: StateReopened, Kinds: requestsOnly},
	{Action: ActionCallback, From: []State{StateVerified}, Perm: auth.PermOrderIntake,
		Needs: []Need{NeedRating}, To: StateCallbackDone, ToIfDissatisfied: StateReopened, Kinds: requestsOnly},
	{Action: ActionClose, From: []State{StateVerified, StateCallbackDone}, Perm: auth.PermOrderIntake,
		To: StateClosed, PublicNote: true, Kinds: requestsOnly},
	{Action: ActionMerge, From: steerable, Perm: auth.PermOrderDispatch, Needs: []Need{NeedParent}, To: StateMerged, Kinds: requestsOnly},
	{Action: ActionRecategorise, From: steerable, Perm: auth.PermOrderDispatch, Needs: []Need{NeedCategory}, Kinds: requestsOnly},
	{Action: ActionReassign, From: withUnit, Perm: auth.PermOrderDispatch, Needs: []Need{NeedUnit, NeedNote},
		To: StateDispatched},
	{Action: ActionEscalate, From: append(slices.Clone(withUnit), StateReturned), Perm: auth.PermOrderDispatch,
		Needs: []Need{NeedNote}},
	// The inspector's recheck of a resolved rectification on the spot: a
	// pass closes it, a failure sends it back to the unit (it counts
	// against the unit as a reopen) with the reason.
	{Action: ActionRecheckPass, From: []State{StateResolved}, Perm: auth.PermInspect, To: StateClosed, Kinds: rectificationsOnly},
	{Action: ActionRecheckFail, From: []State{StateResolved}, Perm: auth.PermInspect, Needs: []Need{NeedNote},
		To: StateReopened, Kinds: rectificationsOnly},
}

// RuleFor returns the rule of an action.
func RuleFor(a Action) (Rule, bool) {
	for _, r := range Rules {
		if r.Action == a {
			return r, true
		}
	}
	return Rule{}, false
}

// Result is the state an order reaches from state by the rule, given the
// callback rating (ignored by every other action).
func (r Rule) Result(from State, rating Rating) State {
	if r.ToIfDissatisfied != "" && rating == RatingDissatisfied {
		return r.ToIfDissatisfied
	}
	if r.To == "" {
		return from
	}
	return r.To
}

// Needs reports whether the rule requires the input.
func (r Rule) needs(n Need) bool { return slices.Contains(r.Needs, n) }

// Next returns the state an order in state reaches by action (for callback,
// the state of a reached citizen who is not dissatisfied). An unknown
// action is Invalid; an action not allowed from the state is a Conflict
// (the order has moved on, or never got there).
func Next(state State, action Action) (State, error) {
	r, ok := RuleFor(action)
	if !ok {
		return "", errs.E(errs.Invalid, "workorder.err.bad_action", string(action))
	}
	if !slices.Contains(r.From, state) {
		return "", errs.E(errs.Conflict, "workorder.err.wrong_state", i18n.Key(action.Key()), i18n.Key(state.Key()))
	}
	return r.Result(state, ""), nil
}

// NextFor is Next for an order of a kind: an action of another kind of
// order (a callback on a rectification, a recheck on a request) is a
// Conflict.
func NextFor(kind Kind, state State, action Action) (State, error) {
	to, err := Next(state, action)
	if err != nil {
		return "", err
	}
	if r, _ := RuleFor(action); !r.ForKind(kind) {
		return "", errs.E(errs.Conflict, "workorder.err.not_for_kind", i18n.Key(action.Key()), i18n.Key(kind.Key()))
	}
	return to, nil
}

// check is NextFor plus the actor: permission and, for the unit's own
// actions, that the order is with the actor's unit.
func check(kind Kind, state State, action Action, p *auth.Principal, isOwnUnit bool) (Rule, error) {
	if _, err := NextFor(kind, state, action); err != nil {
		return Rule{}, err
	}
	r, _ := RuleFor(action)
	if err := auth.Require(p, r.Perm); err != nil {
		return Rule{}, err
	}
	if r.OwnUnit && !isOwnUnit {
		return Rule{}, errs.E(errs.Forbidden, "workorder.err.not_your_unit")
	}
	return r, nil
}

// Allowed lists the actions p may take on an order of kind in state, in
// table order; isOwnUnit tells whether the order is with p's unit.
func Allowed(kind Kind, state State, p *auth.Principal, isOwnUnit bool) []Action {
	var out []Action
	for _, r := range Rules {
		if _, err := check(kind, state, r.Action, p, isOwnUnit); err == nil {
			out = append(out, r.Action)
		}
	}
	return out
}
