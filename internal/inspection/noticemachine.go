package inspection

import (
	"slices"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

// The life of a notice or letter (一书一函) as one table: issued → received
// (the unit signs for it in wenming) → replied (the unit's report; for a
// rectification notice one answer per finding) → closed by the issuer, who
// may also send a reply back (received again). A reply deadline missed
// while the notice is issued or received is the timer's step "overdue"
// (level 1: the unit and the issuer are told) and, a day later, "escalate"
// (level 2: the unit's parent unit too), as work orders escalate; neither
// moves the state.

// NoticeState is where a notice is.
type NoticeState string

const (
	NoticeIssued   NoticeState = "issued"   // 已印发: sent to the unit
	NoticeReceived NoticeState = "received" // 已签收: the unit has signed for it
	NoticeReplied  NoticeState = "replied"  // 已回复: the unit has reported
	NoticeClosed   NoticeState = "closed"   // 已办结: the issuer accepted the report (end)
)

// NoticeStates lists them in life order.
var NoticeStates = []NoticeState{NoticeIssued, NoticeReceived, NoticeReplied, NoticeClosed}

// Key is the state's message key.
func (s NoticeState) Key() string { return "inspection.notice_state." + string(s) }

// NoticeAction is a step on a notice.
type NoticeAction string

const (
	NoticeReceive  NoticeAction = "receive"  // 签收 (the unit)
	NoticeReply    NoticeAction = "reply"    // 回复 (the unit)
	NoticeClose    NoticeAction = "close"    // 办结 (the issuer)
	NoticeReturn   NoticeAction = "return"   // 退回重报 (the issuer): the report does not do
	NoticeOverdue  NoticeAction = "overdue"  // the timer: the reply deadline passed (level 1)
	NoticeEscalate NoticeAction = "escalate" // the timer: still overdue a day later (level 2)
)

// NoticeActions lists them.
var NoticeActions = []NoticeAction{NoticeReceive, NoticeReply, NoticeClose, NoticeReturn, NoticeOverdue, NoticeEscalate}

// Key is the action's message key.
func (a NoticeAction) Key() string { return "inspection.notice_action." + string(a) }

// NoticeRule is one row of the table. Unit: only staff of the addressed
// unit take it; Perm: the permission it needs (the timer's rows have none:
// only the system takes them). To "" keeps the state.
type NoticeRule struct {
	Action   NoticeAction
	From     []NoticeState
	Perm     auth.Perm
	Unit     bool
	NeedNote bool
	To       NoticeState
}

// NoticeRules is the table; nothing else decides.
var NoticeRules = []NoticeRule{
	{Action: NoticeReceive, From: []NoticeState{NoticeIssued}, Perm: auth.PermOrderHandle, Unit: true, To: NoticeReceived},
	{Action: NoticeReply, From: []NoticeState{NoticeReceived}, Perm: auth.PermOrderHandle, Unit: true, NeedNote: true, To: NoticeReplied},
	{Action: NoticeClose, From: []NoticeState{NoticeReplied}, Perm: auth.PermInspectionManage, To: NoticeClosed},
	{Action: NoticeReturn, From: []NoticeState{NoticeReplied}, Perm: auth.PermInspectionManage, NeedNote: true, To: NoticeReceived},
	{Action: NoticeOverdue, From: []NoticeState{NoticeIssued, NoticeReceived}},
	{Action: NoticeEscalate, From: []NoticeState{NoticeIssued, NoticeReceived}},
}

// NoticeRuleFor returns the action's rule.
func NoticeRuleFor(a NoticeAction) (NoticeRule, bool) {
	for _, r := range NoticeRules {
		if r.Action == a {
			return r, true
		}
	}
	return NoticeRule{}, false
}

// NoticeNext is the state a notice in st reaches by a: Invalid for an
// unknown action, Conflict for one the state does not allow.
func NoticeNext(st NoticeState, a NoticeAction) (NoticeState, error) {
	r, ok := NoticeRuleFor(a)
	if !ok {
		return "", errs.E(errs.Invalid, "inspection.notice.bad_action", string(a))
	}
	if !slices.Contains(r.From, st) {
		return "", errs.E(errs.Conflict, "inspection.notice.wrong_state", i18n.Key(a.Key()), i18n.Key(st.Key()))
	}
	if r.To == "" {
		return st, nil
	}
	return r.To, nil
}

// noticeCheck is NoticeNext plus the actor: a person's permission, the
// unit's own steps for its staff only, and the timer's steps for the
// system only (nil p).
func noticeCheck(st NoticeState, a NoticeAction, p *auth.Principal, ownUnit bool) (NoticeRule, error) {
	if _, err := NoticeNext(st, a); err != nil {
		return NoticeRule{}, err
	}
	r, _ := NoticeRuleFor(a)
	if r.Perm == "" {
		if p != nil {
			return NoticeRule{}, errs.E(errs.Forbidden, "err.forbidden")
		}
		return r, nil
	}
	if err := auth.Require(p, r.Perm); err != nil {
		return NoticeRule{}, err
	}
	if r.Unit && !ownUnit {
		return NoticeRule{}, errs.E(errs.Forbidden, "inspection.notice.not_your_unit")
	}
	return r, nil
}

// NoticeAllowed lists the steps p may take on a notice in st.
func NoticeAllowed(st NoticeState, p *auth.Principal, ownUnit bool) []NoticeAction {
	var out []NoticeAction
	for _, r := range NoticeRules {
		if r.Perm == "" {
			continue
		}
		if _, err := noticeCheck(st, r.Action, p, ownUnit); err == nil {
			out = append(out, r.Action)
		}
	}
	return out
}
