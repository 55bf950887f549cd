// Package scoring is the weighted scoring that the star ratings, the
// honours' jury and (later) the quarterly evaluation share: a scheme of
// criteria with points and of scorer kinds with weights, a stated rule for a
// missing scorer, approved adjustments, totals traceable to their parts,
// ranks within a group with a stated tie-break, bands and stars by rank or
// score, and star movement between rounds. It is data and pure functions:
// no SQL, no clock, no I/O.
//
// Every amount is an integer number of hundredths of a point (Cents), so
// 192 points is 19200 and a total is the same on every machine and engine.
package scoring

import (
	"fmt"
	"slices"
	"strings"
)

// Cents is an amount of points in hundredths (19250 = 192.50 points).
type Cents int64

// Points returns whole points as Cents.
func Points(n int64) Cents { return Cents(n * 100) }

// String writes the amount as points with up to two decimals ("192", "12.5", "-3.25").
func (c Cents) String() string {
	neg := c < 0
	if neg {
		c = -c
	}
	s := fmt.Sprintf("%d", c/100)
	if f := c % 100; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", f), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Method is how a criterion is scored.
type Method string

const (
	MethodJudgement Method = "judgement" // each scorer gives marks; weighted by scorer kind
	MethodFigure    Method = "figure"    // a figure computed from the product's own rows
	MethodTest      Method = "test"      // a test or exam score, entered once
)

// Methods lists the methods in display order.
var Methods = []Method{MethodJudgement, MethodFigure, MethodTest}

// Valid reports whether m is a known method.
func (m Method) Valid() bool { return slices.Contains(Methods, m) }

// Criterion is one line of a scheme.
type Criterion struct {
	Code   string
	Name   string
	NameEN string // the name on English pages ("": the name)
	Points Cents  // the most it can give
	Method Method
	Figure string // the figure id, for MethodFigure
	// PerCount is what one counted item gives for a counted figure (capped
	// at Points); a rate figure gives Points × the rate.
	PerCount Cents
	Evidence bool // a mark must come with evidence (a note or a file)
}

// ScorerWeight is one kind of scorer and its weight (any positive integers:
// 50/30/20 or 5/3/2 say the same).
type ScorerWeight struct {
	Kind   string // "leader", "peer", "office" …
	Weight int64
}

// Missing is what happens when a scorer kind has given no mark for a subject.
type Missing string

const (
	// MissingRenormalise shares the missing kind's weight among the kinds
	// that scored, in proportion to their weights.
	MissingRenormalise Missing = "renormalise"
	// MissingZero counts the missing kind as 0.
	MissingZero Missing = "zero"
	// MissingIncomplete leaves the subject without a total until every kind has scored.
	MissingIncomplete Missing = "incomplete"
)

// MissingRules lists the rules in display order.
var MissingRules = []Missing{MissingRenormalise, MissingZero, MissingIncomplete}

// Valid reports whether m is a known rule.
func (m Missing) Valid() bool { return slices.Contains(MissingRules, m) }

// Tie is the final tie-break once the criteria named in TieBreak.Criteria
// still leave two subjects equal.
type Tie string

const (
	TieShared Tie = "shared" // equal subjects share the rank (1, 1, 3)
	TieCode   Tie = "code"   // the lower subject code goes first (a stable, stated order)
)

// TieBreak is the stated rule for equal totals: compare these criteria in
// order (higher first), then Then.
type TieBreak struct {
	Criteria []string
	Then     Tie
}

// Scheme is a versioned set of criteria and weights.
type Scheme struct {
	Code     string
	Version  int
	Criteria []Criterion
	Weights  []ScorerWeight
	Missing  Missing
	TieBreak TieBreak
}

// Max is the most a subject can score before adjustments.
func (s Scheme) Max() Cents {
	var t Cents
	for _, c := range s.Criteria {
		t += c.Points
	}
	return t
}

// Problem is a reason a scheme, mark or adjustment is refused: an i18n key
// under "scoring." and the field it concerns.
type Problem struct {
	Field string
	Key   string
}

// Validate lists what is wrong with a scheme (nil when it is usable).
func (s Scheme) Validate() []Problem {
	var ps []Problem
	add := func(field, key string) { ps = append(ps, Problem{field, "scoring.err." + key}) }
	if len(s.Criteria) == 0 {
		add("criteria", "no_criteria")
	}
	seen := map[string]bool{}
	judged := false
	for i, c := range s.Criteria {
		f := fmt.Sprintf("criteria.%d", i)
		switch {
		case strings.TrimSpace(c.Code) == "":
			add(f, "criterion_code")
		case seen[c.Code]:
			add(f, "criterion_twice")
		}
		seen[c.Code] = true
		if c.Points <= 0 {
			add(f, "criterion_points")
		}
		if !c.Method.Valid() {
			add(f, "criterion_method")
		}
		if c.Method == MethodFigure && c.Figure == "" {
			add(f, "criterion_figure")
		}
		judged = judged || c.Method == MethodJudgement
	}
	kinds := map[string]bool{}
	for i, w := range s.Weights {
		f := fmt.Sprintf("weights.%d", i)
		if w.Kind == "" || kinds[w.Kind] {
			add(f, "weight_kind")
		}
		kinds[w.Kind] = true
		if w.Weight <= 0 {
			add(f, "weight_positive")
		}
	}
	if judged && len(s.Weights) == 0 {
		add("weights", "no_weights")
	}
	if !s.Missing.Valid() {
		add("missing", "missing_rule")
	}
	for _, c := range s.TieBreak.Criteria {
		if !seen[c] {
			add("tie_break", "tie_criterion")
		}
	}
	if s.TieBreak.Then != TieShared && s.TieBreak.Then != TieCode {
		add("tie_break", "tie_then")
	}
	return ps
}

// Mark is one scorer's mark on one judged criterion of one subject.
type Mark struct {
	Criterion string
	Kind      string // the scorer's kind
	Scorer    string // who (a user id or name), for the trace
	Value     Cents
}

// Adjustment is a plus or minus on a subject's total (加减分). It counts only
// once approved by a second person.
type Adjustment struct {
	Value      Cents
	Reason     string
	Evidence   string
	ProposedBy string
	ApprovedBy string // "" while pending
}

// CheckAdjustment lists what is wrong with an adjustment as proposed
// (approved says whether the approval is being checked too).
func CheckAdjustment(a Adjustment, approved bool) []Problem {
	var ps []Problem
	add := func(field, key string) { ps = append(ps, Problem{field, "scoring.err." + key}) }
	if a.Value == 0 {
		add("value", "adjust_zero")
	}
	if strings.TrimSpace(a.Reason) == "" {
		add("reason", "adjust_reason")
	}
	if strings.TrimSpace(a.Evidence) == "" {
		add("evidence", "adjust_evidence")
	}
	if a.ProposedBy == "" {
		add("proposed_by", "adjust_proposer")
	}
	if approved && (a.ApprovedBy == "" || a.ApprovedBy == a.ProposedBy) {
		add("approved_by", "adjust_second_person")
	}
	return ps
}

// CheckMark lists what is wrong with a mark against the scheme.
func (s Scheme) CheckMark(m Mark) []Problem {
	c, ok := s.criterion(m.Criterion)
	switch {
	case !ok:
		return []Problem{{"criterion", "scoring.err.mark_criterion"}}
	case c.Method == MethodJudgement && !s.hasKind(m.Kind):
		return []Problem{{"kind", "scoring.err.mark_kind"}}
	case m.Value < 0 || m.Value > c.Points:
		return []Problem{{"value", "scoring.err.mark_range"}}
	}
	return nil
}

func (s Scheme) criterion(code string) (Criterion, bool) {
	i := slices.IndexFunc(s.Criteria, func(c Criterion) bool { return c.Code == code })
	if i < 0 {
		return Criterion{}, false
	}
	return s.Criteria[i], true
}

func (s Scheme) hasKind(k string) bool {
	return slices.ContainsFunc(s.Weights, func(w ScorerWeight) bool { return w.Kind == k })
}

// Subject is what is scored: its marks, its objective values (figure and
// test criteria by code) and its adjustments.
type Subject struct {
	Code        string // stable, for the code tie-break and the trace
	Group       string // the job type or other group it is ranked in
	Marks       []Mark
	Objective   map[string]Cents
	Adjustments []Adjustment
}

// Part is one line of a total's trace.
type Part struct {
	Criterion string
	Kind      string // the scorer kind for a judged criterion; "" for objective values and adjustments
	Value     Cents  // the kind's average mark, or the objective value, or the adjustment
	Marks     int    // how many marks the average is of
	Weight    int64  // the kind's weight as used (0 for a missing kind under renormalise)
	Note      string // "missing", "capped", "adjustment: <reason>"
}

// Result is a subject's total with its parts.
type Result struct {
	Code      string
	Group     string
	Complete  bool             // false when a scorer kind is missing under MissingIncomplete, or an objective value is missing
	Missing   []string         // "criterion/kind" or "criterion" of what is missing
	ByCrit    map[string]Cents // each criterion's score
	Total     Cents            // criteria plus approved adjustments, never below 0
	Parts     []Part
	Rank      int // within Group, 1 = first; 0 when not complete
	GroupSize int // complete subjects in the group
}

// divRound divides rounding half away from zero.
func divRound(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	neg := (a < 0) != (b < 0)
	if a < 0 {
		a = -a
	}
	if b < 0 {
		b = -b
	}
	q := (a*2 + b) / (2 * b)
	if neg {
		return -q
	}
	return q
}

// Score computes one subject's total.
//
// A judged criterion's score is, for each scorer kind, the average of that
// kind's marks (several peers), then the weighted average over the kinds;
// a kind without a mark is handled by the scheme's Missing rule. Figure and
// test criteria take the objective value, capped at the criterion's points.
// Approved adjustments are added last; a pending one is in the trace with
// weight 0 and does not count. The total is never below 0.
func (s Scheme) Score(sub Subject) Result {
	r := Result{Code: sub.Code, Group: sub.Group, Complete: true, ByCrit: map[string]Cents{}}
	for _, c := range s.Criteria {
		if c.Method != MethodJudgement {
			v, ok := sub.Objective[c.Code]
			if !ok {
				r.Complete = false
				r.Missing = append(r.Missing, c.Code)
				r.Parts = append(r.Parts, Part{Criterion: c.Code, Note: "missing"})
				continue
			}
			p := Part{Criterion: c.Code, Value: v}
			if v > c.Points {
				v, p.Note = c.Points, "capped"
			}
			if v < 0 {
				v, p.Note = 0, "capped"
			}
			r.ByCrit[c.Code] = v
			r.Parts = append(r.Parts, p)
			continue
		}
		var num, den int64
		for _, w := range s.Weights {
			var sum Cents
			n := 0
			for _, m := range sub.Marks {
				if m.Criterion == c.Code && m.Kind == w.Kind {
					sum += m.Value
					n++
				}
			}
			if n == 0 {
				r.Missing = append(r.Missing, c.Code+"/"+w.Kind)
				switch s.Missing {
				case MissingZero:
					den += w.Weight
					r.Parts = append(r.Parts, Part{Criterion: c.Code, Kind: w.Kind, Weight: w.Weight, Note: "missing"})
				case MissingIncomplete:
					r.Complete = false
					r.Parts = append(r.Parts, Part{Criterion: c.Code, Kind: w.Kind, Weight: w.Weight, Note: "missing"})
				default:
					r.Parts = append(r.Parts, Part{Criterion: c.Code, Kind: w.Kind, Note: "missing"})
				}
				continue
			}
			avg := divRound(int64(sum), int64(n))
			num += avg * w.Weight
			den += w.Weight
			r.Parts = append(r.Parts, Part{Criterion: c.Code, Kind: w.Kind, Value: Cents(avg), Marks: n, Weight: w.Weight})
		}
		if den == 0 {
			// No kind scored this criterion at all: nothing to share the weight among.
			r.Complete = false
			continue
		}
		r.ByCrit[c.Code] = Cents(divRound(num, den))
	}
	var total Cents
	for _, c := range s.Criteria {
		total += r.ByCrit[c.Code]
	}
	for _, a := range sub.Adjustments {
		if a.ApprovedBy == "" || a.ApprovedBy == a.ProposedBy {
			r.Parts = append(r.Parts, Part{Value: a.Value, Note: "pending: " + a.Reason})
			continue
		}
		total += a.Value
		r.Parts = append(r.Parts, Part{Value: a.Value, Weight: 1, Note: "adjustment: " + a.Reason})
	}
	r.Total = max(total, 0)
	return r
}

// Rank scores every subject and ranks the complete ones within their group:
// by total, higher first; equal totals compared on the tie-break criteria
// in order, then shared ranks (1, 1, 3) or the lower code first. Results
// come back grouped in first-seen group order, each group by rank (the
// incomplete ones last, by code).
func (s Scheme) Rank(subs []Subject) []Result {
	var groups []string
	by := map[string][]Result{}
	for _, sub := range subs {
		if _, ok := by[sub.Group]; !ok {
			groups = append(groups, sub.Group)
		}
		by[sub.Group] = append(by[sub.Group], s.Score(sub))
	}
	var out []Result
	for _, g := range groups {
		rs := by[g]
		slices.SortStableFunc(rs, func(a, b Result) int {
			if a.Complete != b.Complete {
				if a.Complete {
					return -1
				}
				return 1
			}
			if !a.Complete {
				return strings.Compare(a.Code, b.Code)
			}
			if c := s.compare(a, b); c != 0 {
				return c
			}
			return strings.Compare(a.Code, b.Code)
		})
		n := 0
		for _, r := range rs {
			if r.Complete {
				n++
			}
		}
		for i := range rs {
			if !rs[i].Complete {
				continue
			}
			rs[i].GroupSize = n
			switch {
			case i == 0:
				rs[i].Rank = 1
			case s.TieBreak.Then == TieShared && s.compare(rs[i-1], rs[i]) == 0:
				rs[i].Rank = rs[i-1].Rank
			default:
				rs[i].Rank = i + 1
			}
		}
		out = append(out, rs...)
	}
	return out
}

// compare orders two complete results by total then the tie-break criteria
// (negative: a goes first).
func (s Scheme) compare(a, b Result) int {
	if a.Total != b.Total {
		if a.Total > b.Total {
			return -1
		}
		return 1
	}
	for _, c := range s.TieBreak.Criteria {
		if x, y := a.ByCrit[c], b.ByCrit[c]; x != y {
			if x > y {
				return -1
			}
			return 1
		}
	}
	return 0
}
