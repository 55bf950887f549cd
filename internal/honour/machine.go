// Package honour is the honours pipeline (好人榜, 十爱 models, 文明单位 /
// 村镇 / 家庭): kinds as data, a nomination's life as one transition table,
// the public vote's checks, jury scoring through internal/scoring, a public
// notice of at least seven days, award, revocation and the public wall.
package honour

import (
	"slices"
	"time"
)

// State is where a nomination stands.
type State string

const (
	StateNominated   State = "nominated"   // received (public page, a unit or a community)
	StateReview      State = "review"      // eligibility review; departments sign off
	StateShortlisted State = "shortlisted" // passed review
	StateVoting      State = "voting"      // public vote open
	StateJury        State = "jury"        // jury scoring
	StateNotice      State = "notice"      // 公示, at least NoticeMinDays
	StateAwarded     State = "awarded"
	StateRefused     State = "refused" // stopped in review, by a department or an upheld objection
	StateRevoked     State = "revoked" // a title taken back
)

// States lists every state in pipeline order.
var States = []State{StateNominated, StateReview, StateShortlisted, StateVoting, StateJury, StateNotice, StateAwarded, StateRefused, StateRevoked}

// Action is a step of the pipeline.
type Action string

const (
	ActReview     Action = "review"      // take into eligibility review (asks the kind's departments)
	ActShortlist  Action = "shortlist"   // every department approved
	ActRefuse     Action = "refuse"      // refused in review, with a reason
	ActOpenVote   Action = "open_vote"   // public vote (kinds with a vote)
	ActToJury     Action = "to_jury"     // close the vote, or skip it for kinds without
	ActOpenNotice Action = "open_notice" // the jury has scored: public notice
	ActAward      Action = "award"       // the notice has run its days and every objection is answered
	ActStopNotice Action = "stop"        // an objection upheld during the notice
	ActRevoke     Action = "revoke"      // a title taken back, with a reason
)

// Actions lists every action.
var Actions = []Action{ActReview, ActShortlist, ActRefuse, ActOpenVote, ActToJury, ActOpenNotice, ActAward, ActStopNotice, ActRevoke}

// Transition is one row of the table: an action allowed from some states to one state.
type Transition struct {
	Action Action
	From   []State
	To     State
	Reason bool // a reason is required
}

// Machine is the pipeline as data.
var Machine = []Transition{
	{ActReview, []State{StateNominated}, StateReview, false},
	{ActShortlist, []State{StateReview}, StateShortlisted, false},
	{ActRefuse, []State{StateNominated, StateReview}, StateRefused, true},
	{ActOpenVote, []State{StateShortlisted}, StateVoting, false},
	{ActToJury, []State{StateShortlisted, StateVoting}, StateJury, false},
	{ActOpenNotice, []State{StateJury}, StateNotice, false},
	{ActAward, []State{StateNotice}, StateAwarded, false},
	{ActStopNotice, []State{StateNotice}, StateRefused, true},
	{ActRevoke, []State{StateAwarded}, StateRevoked, true},
}

// Step returns the transition of an action from a state, and false when the
// action is not allowed there.
func Step(a Action, from State) (Transition, bool) {
	for _, t := range Machine {
		if t.Action == a && slices.Contains(t.From, from) {
			return t, true
		}
	}
	return Transition{}, false
}

// Facts are what the guards of a step look at besides the state.
type Facts struct {
	Kind            Kind
	SignOffsPending int       // departments that have not answered
	SignOffsRefused int       // departments that refused
	JuryScored      bool      // every juror has scored
	NoticeFrom      time.Time // when the notice opened
	Now             time.Time
	ObjectionsOpen  int
}

// Guard returns the i18n key of why a step that the table allows cannot be
// taken now ("" when it can).
func Guard(a Action, f Facts) string {
	switch a {
	case ActShortlist:
		switch {
		case f.SignOffsRefused > 0:
			return "honour.err.department_refused"
		case f.SignOffsPending > 0:
			return "honour.err.signoffs_pending"
		}
	case ActOpenVote:
		if !f.Kind.Vote {
			return "honour.err.no_vote"
		}
	case ActOpenNotice:
		if f.Kind.Jury && !f.JuryScored {
			return "honour.err.jury_pending"
		}
	case ActAward:
		if !NoticeOver(f.NoticeFrom, f.Now) {
			return "honour.err.notice_running"
		}
		if f.ObjectionsOpen > 0 {
			return "honour.err.objections_open"
		}
	}
	return ""
}

// NoticeMinDays is the shortest public notice: it cannot be shortened.
const NoticeMinDays = 7

// NoticeEnd is when a notice opened at from may end: seven whole days later.
func NoticeEnd(from time.Time) time.Time { return from.Add(NoticeMinDays * 24 * time.Hour) }

// NoticeOver reports whether a notice opened at from has run its days by now.
func NoticeOver(from, now time.Time) bool { return !from.IsZero() && !now.Before(NoticeEnd(from)) }
