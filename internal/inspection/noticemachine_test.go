package inspection

import (
	"slices"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
)

// noticeLife is a notice's life written out by hand, independently of
// NoticeRules: for each state, the steps allowed and where each leads
// ("=" keeps the state). Every pair not listed is refused.
var noticeLife = map[NoticeState]map[NoticeAction]NoticeState{
	NoticeIssued:   {NoticeReceive: NoticeReceived, NoticeOverdue: "=", NoticeEscalate: "="},
	NoticeReceived: {NoticeReply: NoticeReplied, NoticeOverdue: "=", NoticeEscalate: "="},
	NoticeReplied:  {NoticeClose: NoticeClosed, NoticeReturn: NoticeReceived},
	NoticeClosed:   {},
}

// who may take each step: the unit's handler, the office, the system.
var noticeActor = map[NoticeAction]string{NoticeReceive: "unit", NoticeReply: "unit", NoticeClose: "office", NoticeReturn: "office",
	NoticeOverdue: "system", NoticeEscalate: "system"}

func TestEveryNoticeStateActionPairIsAllowedOrRefusedAsTheLifeSays(t *testing.T) {
	if len(noticeLife) != len(NoticeStates) || len(NoticeRules) != len(NoticeActions) {
		t.Fatalf("the expectation covers %d states of %d; %d rules for %d actions", len(noticeLife), len(NoticeStates), len(NoticeRules), len(NoticeActions))
	}
	for _, st := range NoticeStates {
		for _, a := range NoticeActions {
			got, err := NoticeNext(st, a)
			exp, ok := noticeLife[st][a]
			if exp == "=" {
				exp = st
			}
			if !ok {
				if !errs.Is(err, errs.Conflict) {
					t.Errorf("%s/%s: %q %v, want a conflict", st, a, got, err)
				}
				continue
			}
			if err != nil || got != exp {
				t.Errorf("%s/%s: %q %v, want %q", st, a, got, err, exp)
			}
		}
	}
	if _, err := NoticeNext(NoticeIssued, "fly"); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown action: %v", err)
	}
}

func who(perms ...auth.Perm) *auth.Principal {
	p := &auth.Principal{UserID: 1, Perms: map[auth.Perm]bool{}}
	for _, x := range perms {
		p.Perms[x] = true
	}
	return p
}

func TestEveryNoticeStepIsTakenOnlyByItsActor(t *testing.T) {
	actors := map[string]*auth.Principal{
		"unit":   who(auth.PermOrderView, auth.PermOrderHandle),
		"office": who(auth.PermInspectionView, auth.PermInspectionManage),
		"system": nil,
	}
	for name, p := range actors {
		for _, own := range []bool{false, true} {
			for _, st := range NoticeStates {
				for _, a := range NoticeActions {
					_, err := noticeCheck(st, a, p, own)
					_, allowed := noticeLife[st][a]
					mayAct := noticeActor[a] == name && (name != "unit" || own)
					switch {
					case !allowed:
						if !errs.Is(err, errs.Conflict) {
							t.Errorf("%s own=%v %s/%s: %v, want a conflict", name, own, st, a, err)
						}
					case mayAct && err != nil:
						t.Errorf("%s own=%v %s/%s: refused %v", name, own, st, a, err)
					case !mayAct && err == nil:
						t.Errorf("%s own=%v %s/%s: allowed", name, own, st, a)
					}
					if p != nil {
						if in := slices.Contains(NoticeAllowed(st, p, own), a); in != (allowed && mayAct) {
							t.Errorf("%s own=%v %s/%s: NoticeAllowed says %v", name, own, st, a, in)
						}
					}
				}
			}
		}
	}
}

func TestRectifyDueIsTheEndOfTheSeveritysDayInChinaStandardTime(t *testing.T) {
	at := time.Date(2026, 12, 3, 23, 30, 0, 0, clock.CST) // late on a Thursday
	for _, c := range []struct {
		sev  Severity
		want string
	}{{SeveritySerious, "2026-12-04 23:59:59"}, {SeverityNormal, "2026-12-06 23:59:59"}, {SeverityMinor, "2026-12-10 23:59:59"},
		{"unknown", "2026-12-06 23:59:59"}} {
		if got := RectifyDue(c.sev, at).In(clock.CST).Format(time.DateTime); got != c.want {
			t.Errorf("%s: %s, want %s", c.sev, got, c.want)
		}
	}
	// 00:30 CST is still the day before in UTC: the day counts in CST.
	early := time.Date(2026, 12, 3, 16, 30, 0, 0, time.UTC) // 2026-12-04 00:30 CST
	if got := RectifyDue(SeveritySerious, early).In(clock.CST).Format(time.DateOnly); got != "2026-12-05" {
		t.Errorf("early morning: %s", got)
	}
}
