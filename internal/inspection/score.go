package inspection

import "slices"

// Outcome is a check item's result in an inspection.
type Outcome string

const (
	OutcomePass Outcome = "pass"
	OutcomeFail Outcome = "fail"
	OutcomeNA   Outcome = "na" // not applicable: out of the denominator
)

// Outcomes lists them in form order.
var Outcomes = []Outcome{OutcomePass, OutcomeFail, OutcomeNA}

// Valid reports whether o is known.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Key is the outcome's message key.
func (o Outcome) Key() string { return "inspection.outcome." + string(o) }

// Scored is one check item as scoring sees it: its points, deduction per
// finding, cap, whether N/A is allowed, the outcome and how many findings.
type Scored struct {
	Points, Deduct, Cap Points
	AllowNA             bool
	Outcome             Outcome
	Count               int // findings; at least 1 for a failure
}

// Score is an inspection's result: points earned out of points possible
// (N/A items left out of both), and the rate in hundredths of a percent
// (9250 is 92.50 %). Rated is false when nothing was applicable.
type Score struct {
	Earned, Possible Points
	Rate             int
	Rated            bool
	Findings         int
}

// Deduction is what a failed item loses: the deduction per finding times
// the findings, capped at the item's cap and never more than its points.
func Deduction(it Scored) Points {
	if it.Outcome != OutcomeFail {
		return 0
	}
	n := max(it.Count, 1)
	d := it.Deduct * Points(n)
	if it.Cap > 0 && d > it.Cap {
		d = it.Cap
	}
	return min(d, it.Points)
}

// ScoreOf is the score of a completed checklist: each applicable item
// counts its points in the denominator and its points less its deduction
// in the numerator; an N/A item (where allowed) is in neither. An N/A on
// an item that does not allow it, or an unknown outcome, is reported by
// its index with ok false.
func ScoreOf(items []Scored) (s Score, bad int, ok bool) {
	for i, it := range items {
		switch it.Outcome {
		case OutcomeNA:
			if !it.AllowNA {
				return Score{}, i, false
			}
			continue
		case OutcomePass, OutcomeFail:
		default:
			return Score{}, i, false
		}
		s.Possible += it.Points
		s.Earned += it.Points - Deduction(it)
		if it.Outcome == OutcomeFail {
			s.Findings += max(it.Count, 1)
		}
	}
	if s.Possible > 0 {
		s.Rated = true
		// Round half up, in integers.
		s.Rate = int((int64(s.Earned)*10000*2 + int64(s.Possible)) / (int64(s.Possible) * 2))
	}
	return s, -1, true
}
