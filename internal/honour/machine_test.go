package honour

import (
	"slices"
	"testing"
	"time"
)

// Every action from every state: allowed exactly where the table says, to the stated state.
func TestTheTransitionTableForEveryActionAndState(t *testing.T) {
	allowed := map[Action]map[State]State{
		ActReview:     {StateNominated: StateReview},
		ActShortlist:  {StateReview: StateShortlisted},
		ActRefuse:     {StateNominated: StateRefused, StateReview: StateRefused},
		ActOpenVote:   {StateShortlisted: StateVoting},
		ActToJury:     {StateShortlisted: StateJury, StateVoting: StateJury},
		ActOpenNotice: {StateJury: StateNotice},
		ActAward:      {StateNotice: StateAwarded},
		ActStopNotice: {StateNotice: StateRefused},
		ActRevoke:     {StateAwarded: StateRevoked},
	}
	for _, a := range Actions {
		for _, s := range States {
			tr, ok := Step(a, s)
			want, wantOK := allowed[a][s]
			if ok != wantOK || (ok && tr.To != want) {
				t.Errorf("%s from %s: %v → %s, want %v → %s", a, s, ok, tr.To, wantOK, want)
			}
		}
	}
	for _, a := range []Action{ActRefuse, ActStopNotice, ActRevoke} {
		if tr, _ := Step(a, allowed[a][StateNominated]); tr.Action != "" && !tr.Reason {
			t.Errorf("%s needs a reason", a)
		}
	}
	for _, s := range []State{StateAwarded, StateRefused, StateRevoked} {
		n := 0
		for _, a := range Actions {
			if _, ok := Step(a, s); ok {
				n++
			}
		}
		if s != StateAwarded && n != 0 {
			t.Errorf("%s is final but has %d steps", s, n)
		}
	}
}

func TestGuards(t *testing.T) {
	gp, _ := KindOf("good_people")
	cu, _ := KindOf("civilised_unit")
	opened := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		a    Action
		f    Facts
		want string
	}{
		{"shortlist with a refusal", ActShortlist, Facts{SignOffsRefused: 1}, "honour.err.department_refused"},
		{"shortlist while waiting", ActShortlist, Facts{SignOffsPending: 1}, "honour.err.signoffs_pending"},
		{"shortlist", ActShortlist, Facts{}, ""},
		{"vote for a kind without", ActOpenVote, Facts{Kind: cu}, "honour.err.no_vote"},
		{"vote", ActOpenVote, Facts{Kind: gp}, ""},
		{"notice before the jury", ActOpenNotice, Facts{Kind: gp}, "honour.err.jury_pending"},
		{"notice", ActOpenNotice, Facts{Kind: gp, JuryScored: true}, ""},
		{"award on day six", ActAward, Facts{NoticeFrom: opened, Now: opened.Add(6*24*time.Hour + 23*time.Hour)}, "honour.err.notice_running"},
		{"award a second early", ActAward, Facts{NoticeFrom: opened, Now: opened.Add(7*24*time.Hour - time.Second)}, "honour.err.notice_running"},
		{"award with an objection open", ActAward, Facts{NoticeFrom: opened, Now: opened.Add(8 * 24 * time.Hour), ObjectionsOpen: 1}, "honour.err.objections_open"},
		{"award after seven days", ActAward, Facts{NoticeFrom: opened, Now: opened.Add(7 * 24 * time.Hour)}, ""},
		{"award without a notice", ActAward, Facts{Now: opened}, "honour.err.notice_running"},
	}
	for _, c := range cases {
		if got := Guard(c.a, c.f); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestVoteChecks(t *testing.T) {
	cases := []struct {
		c    VoteCheck
		want string
	}{
		{VoteCheck{PhoneValid: true}, ""},
		{VoteCheck{PhoneValid: false}, "honour.err.vote_phone"},
		{VoteCheck{PhoneValid: true, PhoneVotedToday: 1}, "honour.err.vote_duplicate"},
		{VoteCheck{PhoneValid: true, AddressVotesInHour: VotesPerAddressPerHour - 1}, ""},
		{VoteCheck{PhoneValid: true, AddressVotesInHour: VotesPerAddressPerHour}, "honour.err.vote_rate"},
	}
	for _, c := range cases {
		if got := RefuseVote(c.c); got != c.want {
			t.Errorf("%+v: %q, want %q", c.c, got, c.want)
		}
	}
}

func TestKindsAreComplete(t *testing.T) {
	gp, ok := KindOf("good_people")
	if !ok || !slices.Equal(gp.Categories, []string{"helping", "bravery", "honesty", "dedication", "filial"}) || !gp.Vote || !gp.Jury {
		t.Fatalf("good people %+v", gp)
	}
	for _, code := range []string{"civilised_unit", "civilised_village", "civilised_family"} {
		k, ok := KindOf(code)
		if !ok || k.TermYears != 3 || !k.YearlyCheck || len(k.Departments) == 0 {
			t.Errorf("%s %+v", code, k)
		}
	}
	if _, ok := KindOf("nobody"); ok {
		t.Error("unknown kind found")
	}
}
