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

func TestEveryStateActionPairIsAllowedOrRefusedAsTheLifeSays(t *testing.T) {
	if len(want) != len(States) {
		t.Fatalf("the expectation covers %d states, there are %d", len(want), len(States))
	}
	for _, st := range States {
		for _, a := range Actions {
			t.Run(string(st)+"/"+string(a), func(t *testing.T) {
				got, err := Next(st, a)
				exp, ok := want[st][a]
				if exp == "=" {
					exp = st
				}
				if !ok {
					if !errs.Is(err, errs.Conflict) || errs.As(err).Key != "workorder.err.wrong_state" {
						t.Fatalf("Next = %q, %v; want conflict workorder.err.wrong_state", got, err)
					}
					return
				}
				if err != nil || got != exp {
					t.Fatalf("Next = %q, %v; want %q", got, err, exp)
				}
			})
		}
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
	for name, p := range roles {
		for _, own := range []bool{false, true} {
			for _, st := range States {
				for _, a := range Actions {
					_, err := check(st, a, p, own)
					r, _ := RuleFor(a)
					_, allowed := want[st][a]
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
						t.Errorf("%s own=%v %s/%s: %v, want code %q", name, own, st, a, err, code)
					}
					if in := slices.Contains(Allowed(st, p, own), a); in != (code == "") {
						t.Errorf("%s own=%v %s/%s: Allowed says %v", name, own, st, a, in)
					}
				}
			}
		}
	}
	if _, err := check(StateSubmitted, ActionAccept, nil, false); !errs.Is(err, errs.Unauthorized) {
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
			if got := Allowed(c.state, c.p, c.own); !slices.Equal(got, c.want) {
				t.Fatalf("Allowed = %v, want %v", got, c.want)
			}
		})
	}
}
