package workorder

import (
	"slices"
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
)

// want is the life of an order written out by hand, independently of Rules:
// for each state, the actions allowed and the state each leads to ("=" keeps
// the state). Every pair not listed must be refused.
var want = map[State]map[Action]State{
	StateSubmitted: {ActionAccept: StateAccepted, ActionReject: StateRejected, ActionAnswer: StateAnsweredAtIntake,
		ActionDispatch: StateDispatched, ActionMerge: StateMerged, ActionRecategorise: "="},
	StateAccepted: {ActionReject: StateRejected, ActionAnswer: StateAnsweredAtIntake, ActionDispatch: StateDispatched,
		ActionMerge: StateMerged, ActionRecategorise: "="},
	StateRejected: {},
	StateDispatched: {ActionAcknowledge: StateAcknowledged, ActionReturn: StateReturned, ActionMerge: StateMerged,
		ActionRecategorise: "=", ActionReassign: StateDispatched, ActionEscalate: "="},
	StateAcknowledged: {ActionRequestExtension: StateExtensionRequested, ActionResolve: StateResolved, ActionMerge: StateMerged,
		ActionRecategorise: "=", ActionReassign: StateDispatched, ActionEscalate: "="},
	StateReturned: {ActionDispatch: StateDispatched, ActionMerge: StateMerged, ActionRecategorise: "=", ActionEscalate: "="},
	StateExtensionRequested: {ActionApproveExtension: StateAcknowledged, ActionRefuseExtension: StateAcknowledged,
		ActionResolve: StateResolved, ActionMerge: StateMerged, ActionRecategorise: "=", ActionReassign: StateDispatched,
		ActionEscalate: "="},
	StateResolved: {ActionVerify: StateVerified, ActionRefuse: StateReopened},
	StateVerified: {ActionCallback: StateCallbackDone, ActionClose: StateClosed},
	StateReopened: {ActionRequestExtension: StateExtensionRequested, ActionResolve: StateResolved, ActionMerge: StateMerged,
		ActionRecategorise: "=", ActionReassign: StateDispatched, ActionEscalate: "="},
	StateCallbackDone:     {ActionClose: StateClosed},
	StateClosed:           {},
	StateAnsweredAtIntake: {},
	StateMerged:           {},
}

// wantRect is the life of a rectification (kind.go), by hand: a request's
// life without merge, recategorise, verify, refuse, callback and close,
// and with the inspector's recheck of a resolved one instead.
var wantRect = map[State]map[Action]State{
	StateSubmitted:          {ActionAccept: StateAccepted, ActionReject: StateRejected, ActionAnswer: StateAnsweredAtIntake, ActionDispatch: StateDispatched},
	StateAccepted:           {ActionReject: StateRejected, ActionAnswer: StateAnsweredAtIntake, ActionDispatch: StateDispatched},
	StateRejected:           {},
	StateDispatched:         {ActionAcknowledge: StateAcknowledged, ActionReturn: StateReturned, ActionReassign: StateDispatched, ActionEscalate: "="},
	StateAcknowledged:       {ActionRequestExtension: StateExtensionRequested, ActionResolve: StateResolved, ActionReassign: StateDispatched, ActionEscalate: "="},
	StateReturned:           {ActionDispatch: StateDispatched, ActionEscalate: "="},
	StateExtensionRequested: {ActionApproveExtension: StateAcknowledged, ActionRefuseExtension: StateAcknowledged, ActionResolve: StateResolved, ActionReassign: StateDispatched, ActionEscalate: "="},
	StateResolved:           {ActionRecheckPass: StateClosed, ActionRecheckFail: StateReopened},
	StateVerified:           {},
	StateReopened:           {ActionRequestExtension: StateExtensionRequested, ActionResolve: StateResolved, ActionReassign: StateDispatched, ActionEscalate: "="},
	StateCallbackDone:       {},
	StateClosed:             {},
	StateAnsweredAtIntake:   {},
	StateMerged:             {},
}

// lifeOf is the expectation of a kind.
func lifeOf(k Kind) map[State]map[Action]State {
	if k == KindRectification {
		return wantRect
	}
	return want
}

func TestEveryKindStateActionTripleIsAllowedOrRefusedAsTheLifeSays(t *testing.T) {
	for _, k := range Kinds {
		life := lifeOf(k)
		if len(life) != len(States) {
			t.Fatalf("the expectation of %s covers %d states, there are %d", k, len(life), len(States))
		}
		for _, st := range States {
			for _, a := range Actions {
				t.Run(string(k)+"/"+string(st)+"/"+string(a), func(t *testing.T) {
					got, err := NextFor(k, st, a)
					exp, ok := life[st][a]
					if exp == "=" {
						exp = st
					}
					if !ok {
						key := errs.As(err).Key
						if !errs.Is(err, errs.Conflict) || (key != "workorder.err.wrong_state" && key != "workorder.err.not_for_kind") {
							t.Fatalf("NextFor = %q, %v; want a conflict", got, err)
						}
						return
					}
					if err != nil || got != exp {
						t.Fatalf("NextFor = %q, %v; want %q", got, err, exp)
					}
				})
			}
		}
	}
}

func TestARectificationIsRecheckedByAnInspectorNotVerifiedByADispatcher(t *testing.T) {
	disp := principal(auth.PermOrderView, auth.PermOrderIntake, auth.PermOrderDispatch)
	insp := principal(auth.PermInspect)
	if got := Allowed(KindRectification, StateResolved, disp, false); got != nil {
		t.Errorf("dispatcher on a resolved rectification: %v, want nothing", got)
	}
	if got, want := Allowed(KindRectification, StateResolved, insp, false), []Action{ActionRecheckPass, ActionRecheckFail}; !slices.Equal(got, want) {
		t.Errorf("inspector on a resolved rectification: %v, want %v", got, want)
	}
	if got := Allowed(KindRequest, StateResolved, insp, false); got != nil {
		t.Errorf("inspector on a resolved request: %v, want nothing", got)
	}
	if _, err := NextFor(KindRequest, StateResolved, ActionRecheckPass); errs.As(err).Key != "workorder.err.not_for_kind" {
		t.Errorf("recheck of a request: %v", err)
	}
}

func TestUnknownActionIsInvalid(t *testing.T) {
	if _, err := Next(StateSubmitted, "fly"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestEveryActionHasExactlyOneRule(t *testing.T) {
	for _, a := range Actions {
		n := 0
		for _, r := range Rules {
			if r.Action == a {
				n++
			}
		}
		if n != 1 {
			t.Errorf("action %s has %d rules", a, n)
		}
	}
	if len(Rules) != len(Actions) {
		t.Errorf("%d rules for %d actions", len(Rules), len(Actions))
	}
}

func TestDissatisfiedCallbackReopensAndOthersDoNot(t *testing.T) {
	r, _ := RuleFor(ActionCallback)
	cases := map[Rating]State{RatingSatisfied: StateCallbackDone, RatingBasicallySatisfied: StateCallbackDone,
		RatingUnreachable: StateCallbackDone, RatingDissatisfied: StateReopened}
	for rating, exp := range cases {
		if got := r.Result(StateVerified, rating); got != exp {
			t.Errorf("%s: %s, want %s", rating, got, exp)
		}
	}
}

func principal(perms ...auth.Perm) *auth.Principal {
	p := &auth.Principal{UserID: 1, Perms: map[auth.Perm]bool{}}
	for _, x := range perms {
		p.Perms[x] = true
	}
	return p
}

func TestEveryPairIsRefusedWithTheRightCodeForEachRole(t *testing.T) {
	roles := map[string]*auth.Principal{
		"dispatcher": principal(auth.PermOrderView, auth.PermOrderIntake, auth.PermOrderDispatch),
		"operator":   principal(auth.PermOrderView, auth.PermOrderIntake),
		"handler":    principal(auth.PermOrderView, auth.PermOrderHandle),
		"leader":     principal(auth.PermOrderView),
	}
	roles["inspector"] = principal(auth.PermInspect)
	for name, p := range roles {
		for _, own := range []bool{false, true} {
			for _, k := range Kinds {
				for _, st := range States {
					for _, a := range Actions {
						_, err := check(k, st, a, p, own)
						r, _ := RuleFor(a)
						_, allowed := lifeOf(k)[st][a]
						var code errs.Code
						switch {
						case !allowed:
							code = errs.Conflict
						case !p.Can(r.Perm):
							code = errs.Forbidden
						case r.OwnUnit && !own:
							code = errs.Forbidden
						}
						if errs.CodeOf(err) != code {
							t.Errorf("%s own=%v %s %s/%s: %v, want code %q", name, own, k, st, a, err, code)
						}
						if in := slices.Contains(Allowed(k, st, p, own), a); in != (code == "") {
							t.Errorf("%s own=%v %s %s/%s: Allowed says %v", name, own, k, st, a, in)
						}
					}
				}
			}
		}
	}
	if _, err := check(KindRequest, StateSubmitted, ActionAccept, nil, false); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("anonymous: %v", err)
	}
}

func TestAllowedListsWhatEachRoleSeesOnAButton(t *testing.T) {
	disp := principal(auth.PermOrderView, auth.PermOrderIntake, auth.PermOrderDispatch)
	hand := principal(auth.PermOrderView, auth.PermOrderHandle)
	cases := []struct {
		name  string
		state State
		p     *auth.Principal
		own   bool
		want  []Action
	}{
		{"dispatcher on a new order", StateSubmitted, disp, false,
			[]Action{ActionAccept, ActionReject, ActionAnswer, ActionDispatch, ActionMerge, ActionRecategorise}},
		{"handler of the unit on a dispatched order", StateDispatched, hand, true, []Action{ActionAcknowledge, ActionReturn}},
		{"handler of another unit", StateDispatched, hand, false, nil},
		{"handler on a reopened order", StateReopened, hand, true, []Action{ActionRequestExtension, ActionResolve}},
		{"dispatcher on a resolved order", StateResolved, disp, false, []Action{ActionVerify, ActionRefuse}},
		{"dispatcher on a verified order", StateVerified, disp, false, []Action{ActionCallback, ActionClose}},
		{"nobody on a closed order", StateClosed, disp, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Allowed(KindRequest, c.state, c.p, c.own); !slices.Equal(got, c.want) {
				t.Fatalf("Allowed = %v, want %v", got, c.want)
			}
		})
	}
}
