package grassroots

import "testing"

// Every state × every action, against the table written out by hand.
func TestDisputeMachineExhaustively(t *testing.T) {
	want := map[DState]map[DAction]DState{
		DRegistered: {DAssign: DAssigned, DExtend: DRegistered, DEscalate: DRegistered},
		DAssigned:   {DAssign: DAssigned, DSession: DMediating, DAgree: DAgreed, DFail: DFailed, DExtend: DAssigned, DEscalate: DRegistered},
		DMediating:  {DAssign: DAssigned, DSession: DMediating, DAgree: DAgreed, DFail: DFailed, DExtend: DMediating, DEscalate: DRegistered},
		DAgreed:     {DCheck: DFulfilled},
		DFailed:     {DAssign: DAssigned, DEscalate: DRegistered, DClose: DClosed},
		DFulfilled:  {DFollowUp: DClosed},
		DClosed:     {},
	}
	for _, s := range DStates {
		for _, a := range DActions {
			got, ok := Next(s, a)
			exp, allowed := want[s][a]
			if ok != allowed || got != exp {
				t.Errorf("%s --%s--> %q (%v), want %q (%v)", s, a, got, ok, exp, allowed)
			}
		}
	}
	for _, s := range DStates {
		if s.Open() && s.Settled() {
			t.Errorf("%s both open and settled", s)
		}
	}
	if UpLevel("village") != "street" || UpLevel("street") != "county" || UpLevel("county") != "" {
		t.Error("levels")
	}
}
