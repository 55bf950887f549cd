package inspection

import (
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/scoring"
)

func TestEverySchemeIsValidAndWorthAHundredPoints(t *testing.T) {
	for _, typ := range EvalTypes {
		s := EvalSchemes[typ]
		if ps := s.Validate(); ps != nil {
			t.Errorf("%s: %v", typ, ps)
		}
		if s.Max() != scoring.Points(100) {
			t.Errorf("%s is worth %s", typ, s.Max())
		}
	}
}

// The fixture: three streets, worked out by hand with the street scheme
// (inspection 40, rectified 20, ack 10, resolve 10, satisfaction 5,
// questionnaire 15).
func TestAQuartersScoresEqualTheHandComputation(t *testing.T) {
	a := EvalInputs{InspEarned: 9000, InspPossible: 10000, RectOnTime: 3, RectFiled: 4, AckOnTime: 9, Dispatched: 10,
		ResolvedOnTime: 8, Resolved: 8, SatisfiedOrBasic: 7, Reached: 8, QuestPositive: 9, QuestAnswered: 12}
	// 40×0.9 = 36; 20×3/4 = 15; 10×0.9 = 9; 10×1 = 10; 5×7/8 = 4.375 → 4.38; 15×9/12 = 11.25 → 85.63
	b := EvalInputs{InspEarned: 8000, InspPossible: 10000, RectOnTime: 0, RectFiled: 0, AckOnTime: 1, Dispatched: 3,
		ResolvedOnTime: 2, Resolved: 3, SatisfiedOrBasic: 0, Reached: 0}
	// 32; no findings 20; 10/3 = 3.33; 20/3 = 6.67; no callbacks 5; no survey 15 → 82.00, +2 approved → 84.00
	c := EvalInputs{} // never inspected: no rate for the core criterion, not ranked
	adjB := []scoring.Adjustment{{Value: 200, Reason: "志愿服务突出", Evidence: "表彰文件", ProposedBy: "u1", ApprovedBy: "u2"}}
	pendingA := []scoring.Adjustment{{Value: -500, Reason: "群众投诉", Evidence: "记录", ProposedBy: "u1"}}                // not approved
	selfA := []scoring.Adjustment{{Value: -500, Reason: "群众投诉", Evidence: "记录", ProposedBy: "u1", ApprovedBy: "u1"}} // approved by the proposer
	s := EvalSchemes[EvalStreet]
	res := s.Rank([]scoring.Subject{EvalSubject(EvalStreet, "A", a, append(pendingA, selfA...)), EvalSubject(EvalStreet, "B", b, adjB),
		EvalSubject(EvalStreet, "C", c, nil)})
	want := map[string]struct {
		total    scoring.Cents
		rank     int
		complete bool
	}{"A": {8563, 1, true}, "B": {8400, 2, true}, "C": {6000, 0, false}} // C: the other criteria, unranked
	for _, r := range res {
		w := want[r.Code]
		if r.Total != w.total || r.Rank != w.rank || r.Complete != w.complete {
			t.Errorf("%s: total %s rank %d complete %v, want %s rank %d complete %v (parts %+v)", r.Code, r.Total, r.Rank, r.Complete,
				w.total, w.rank, w.complete, r.Parts)
		}
	}
	if got := res[1].ByCrit[CritAck]; got != 333 {
		t.Errorf("B's acknowledgement: %s, want 3.33", got)
	}
}

func TestQuartersAreCalendarQuartersInChinaStandardTime(t *testing.T) {
	q, ok := ParseQuarter("2026-q4")
	if !ok || q.String() != "2026-Q4" || !q.Start().Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, clock.CST)) ||
		!q.End().Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, clock.CST)) || q.Prev().String() != "2026-Q3" {
		t.Fatalf("%v %v", q, ok)
	}
	for _, bad := range []string{"", "2026", "2026-Q5", "2026-Q0", "x-Q1"} {
		if _, ok := ParseQuarter(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	// 1 January 00:30 CST is still 31 December in UTC.
	if got := QuarterOf(time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)); got.String() != "2027-Q1" {
		t.Errorf("QuarterOf: %s", got)
	}
	if (Quarter{2026, 1}).Prev().String() != "2025-Q4" {
		t.Error("Prev of Q1")
	}
}
