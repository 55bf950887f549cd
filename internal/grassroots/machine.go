package grassroots

import "slices"

// DState is a dispute's state.
type DState string

const (
	DRegistered DState = "registered" // 已登记
	DAssigned   DState = "assigned"   // 已指派调解员或调解委员会
	DMediating  DState = "mediating"  // 调解中
	DAgreed     DState = "agreed"     // 达成调解协议
	DFailed     DState = "failed"     // 调解不成
	DFulfilled  DState = "fulfilled"  // 协议已履行（已核实）
	DClosed     DState = "closed"     // 已结案（回访后）
)

// DStates lists the states in display order.
var DStates = []DState{DRegistered, DAssigned, DMediating, DAgreed, DFailed, DFulfilled, DClosed}

// DAction is a step of a dispute.
type DAction string

const (
	DAssign   DAction = "assign"    // to a mediator or committee
	DSession  DAction = "session"   // a mediation session with notes
	DAgree    DAction = "agree"     // the agreement is signed
	DFail     DAction = "fail"      // mediation did not succeed
	DExtend   DAction = "extend"    // the limit is extended once, with a reason
	DEscalate DAction = "escalate"  // up one level (village → street → county), by hand or by the timer
	DCheck    DAction = "check"     // the agreement was carried out
	DFollowUp DAction = "follow_up" // the follow-up visit closes it
	DClose    DAction = "close"     // a failed dispute is closed (referred elsewhere)
)

// DActions lists the actions.
var DActions = []DAction{DAssign, DSession, DAgree, DFail, DExtend, DEscalate, DCheck, DFollowUp, DClose}

// DTransition is one row of the dispute machine: the action is allowed
// from these states and leads to To ("" keeps the state).
type DTransition struct {
	Action DAction
	From   []DState
	To     DState
}

// Machine is the dispute's state machine, as data.
var Machine = []DTransition{
	{DAssign, []DState{DRegistered, DAssigned, DMediating, DFailed}, DAssigned},
	{DSession, []DState{DAssigned, DMediating}, DMediating},
	{DAgree, []DState{DAssigned, DMediating}, DAgreed},
	{DFail, []DState{DAssigned, DMediating}, DFailed},
	{DExtend, []DState{DRegistered, DAssigned, DMediating}, ""},
	{DEscalate, []DState{DRegistered, DAssigned, DMediating, DFailed}, DRegistered},
	{DCheck, []DState{DAgreed}, DFulfilled},
	{DFollowUp, []DState{DFulfilled}, DClosed},
	{DClose, []DState{DFailed}, DClosed},
}

// Next is the state after action from s, and whether the step is allowed.
func Next(s DState, a DAction) (DState, bool) {
	for _, t := range Machine {
		if t.Action == a && slices.Contains(t.From, s) {
			if t.To == "" {
				return s, true
			}
			return t.To, true
		}
	}
	return "", false
}

// Open reports whether the dispute still runs against its limit.
func (s DState) Open() bool { return s == DRegistered || s == DAssigned || s == DMediating }

// Settled reports whether the dispute was settled by an agreement.
func (s DState) Settled() bool { return s == DAgreed || s == DFulfilled || s == DClosed }

// Levels of a dispute, from the village up.
var DLevels = []string{"village", "street", "county"}

// UpLevel is the level above l ("" at the county).
func UpLevel(l string) string {
	if i := slices.Index(DLevels, l); i >= 0 && i < len(DLevels)-1 {
		return DLevels[i+1]
	}
	return ""
}

// Kinds and sources of disputes, as data.
var (
	DKinds   = []string{"land", "neighbours", "marriage_family", "labour", "property", "contract", "damages", "other"}
	DSources = []string{"visit", "workorder", "walk_in", "referral"}
)
