package inspection

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/scoring"
)

// The quarterly evaluation (一季度一测评): each unit that answers for sites
// and requests (district governments, street offices, departments) is
// scored per quarter by a scheme of its unit type (data, versioned, in
// EvalSchemes) through internal/scoring, shared with the star ratings.
// Every criterion is a rate of the quarter's own rows times its points:
//
//	inspection    points earned / points possible of the inspections of the
//	              unit's sites (N/A items in neither)
//	rectified     rectifications filed in the quarter closed by a passed
//	              recheck and reported rectified by their deadline / filed
//	ack           work orders acknowledged on time / dispatched (the KPI)
//	resolve       resolved on time / resolved (the KPI)
//	satisfaction  satisfied or basically satisfied / callbacks reached
//	questionnaire satisfied or basically satisfied / answered (not "don't
//	              know") in the quarter's surveys, from respondents in the
//	              unit's region (city-wide for a unit without one)
//
// A rate without a base (no requests, no findings) gives the full points:
// nothing was mishandled. A unit none of whose sites was inspected has no
// inspection rate and is not ranked (its result is incomplete), because
// the evaluation's core is missing. Adjustments (加减分) count once a second
// person has approved them (scoring.Scheme.Score).

// EvalType is a kind of unit evaluated, ranked among its own kind.
type EvalType string

const (
	EvalDistrict   EvalType = "district"
	EvalStreet     EvalType = "street"
	EvalDepartment EvalType = "department"
)

// EvalTypes lists them in display order, with the unit kinds they cover.
var EvalTypes = []EvalType{EvalDistrict, EvalStreet, EvalDepartment}

// Key is the type's message key.
func (t EvalType) Key() string { return "inspection.eval_type." + string(t) }

// EvalTypeOf is the type of a unit kind ("" when the kind is not evaluated).
func EvalTypeOf(unitKind string) EvalType {
	switch unitKind {
	case "district_gov":
		return EvalDistrict
	case "street_office":
		return EvalStreet
	case "department":
		return EvalDepartment
	}
	return ""
}

// The criteria's codes.
const (
	CritInspection    = "inspection"
	CritRectified     = "rectified"
	CritAck           = "ack"
	CritResolve       = "resolve"
	CritSatisfaction  = "satisfaction"
	CritQuestionnaire = "questionnaire"
)

// EvalCriteria lists them in display order.
var EvalCriteria = []string{CritInspection, CritRectified, CritAck, CritResolve, CritSatisfaction, CritQuestionnaire}

func evalScheme(t EvalType, pts [6]int64) scoring.Scheme {
	s := scoring.Scheme{Code: "eval-" + string(t), Version: 2, Missing: scoring.MissingIncomplete,
		TieBreak: scoring.TieBreak{Criteria: []string{CritInspection, CritRectified}, Then: scoring.TieShared}}
	for i, c := range EvalCriteria {
		s.Criteria = append(s.Criteria, scoring.Criterion{Code: c, Name: c, Points: scoring.Points(pts[i]), Method: scoring.MethodFigure,
			Figure: "inspection.eval." + c})
	}
	return s
}

// EvalSchemes are the schemes in force, one per unit type (100 points
// each): the districts and streets answer mostly for their sites, the
// departments as much for their handling of requests; the residents'
// questionnaire weighs 15 points for districts and streets, 10 for
// departments. Version 2 added the questionnaire (version 1: inspection,
// rectified, ack, resolve, satisfaction at 40/20/10/15/15, 50/20/10/10/10
// and 20 each).
var EvalSchemes = map[EvalType]scoring.Scheme{
	EvalDistrict:   evalScheme(EvalDistrict, [6]int64{35, 20, 10, 10, 10, 15}),
	EvalStreet:     evalScheme(EvalStreet, [6]int64{40, 20, 10, 10, 5, 15}),
	EvalDepartment: evalScheme(EvalDepartment, [6]int64{20, 20, 20, 15, 15, 10}),
}

// EvalInputs are one unit's counts for a quarter.
type EvalInputs struct {
	Inspections, Findings        int64 // the inspections behind the score and their findings (shown, not scored)
	InspEarned, InspPossible     int64 // centi-points
	RectOnTime, RectFiled        int64
	AckOnTime, Dispatched        int64
	ResolvedOnTime, Resolved     int64
	SatisfiedOrBasic, Reached    int64
	QuestPositive, QuestAnswered int64 // questionnaire answers
}

// rateOf is points × num / den rounded half up; ok false when den is 0.
func rateOf(points scoring.Cents, num, den int64) (scoring.Cents, bool) {
	if den <= 0 {
		return 0, false
	}
	return scoring.Cents((int64(points)*num*2 + den) / (2 * den)), true
}

// EvalSubject is a unit's subject for scoring: each criterion's value from
// its rate (EvalInputs), and its adjustments.
func EvalSubject(t EvalType, code string, in EvalInputs, adj []scoring.Adjustment) scoring.Subject {
	s := EvalSchemes[t]
	sub := scoring.Subject{Code: code, Group: string(t), Objective: map[string]scoring.Cents{}, Adjustments: adj}
	rates := map[string][2]int64{
		CritInspection:    {in.InspEarned, in.InspPossible},
		CritRectified:     {in.RectOnTime, in.RectFiled},
		CritAck:           {in.AckOnTime, in.Dispatched},
		CritResolve:       {in.ResolvedOnTime, in.Resolved},
		CritSatisfaction:  {in.SatisfiedOrBasic, in.Reached},
		CritQuestionnaire: {in.QuestPositive, in.QuestAnswered},
	}
	for _, c := range s.Criteria {
		r := rates[c.Code]
		v, ok := rateOf(c.Points, r[0], r[1])
		switch {
		case ok:
			sub.Objective[c.Code] = v
		case c.Code != CritInspection:
			sub.Objective[c.Code] = c.Points // nothing was mishandled
		}
	}
	return sub
}

// Quarter is a calendar quarter, "2026-Q4".
type Quarter struct {
	Year, Q int
}

// ParseQuarter reads "2026-Q4".
func ParseQuarter(s string) (Quarter, bool) {
	y, q, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-Q")
	if !ok {
		return Quarter{}, false
	}
	yy, err1 := strconv.Atoi(y)
	qq, err2 := strconv.Atoi(q)
	if err1 != nil || err2 != nil || yy < 2000 || yy > 2100 || qq < 1 || qq > 4 {
		return Quarter{}, false
	}
	return Quarter{yy, qq}, true
}

// QuarterOf is the quarter of t (China Standard Time).
func QuarterOf(t time.Time) Quarter {
	t = t.In(clock.CST)
	return Quarter{t.Year(), (int(t.Month())-1)/3 + 1}
}

func (q Quarter) String() string { return fmt.Sprintf("%d-Q%d", q.Year, q.Q) }

// Start is the quarter's first instant (CST); End the next quarter's.
func (q Quarter) Start() time.Time {
	return time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, clock.CST)
}

// End is the first instant after the quarter.
func (q Quarter) End() time.Time { return q.Start().AddDate(0, 3, 0) }

// Prev is the quarter before.
func (q Quarter) Prev() Quarter {
	if q.Q == 1 {
		return Quarter{q.Year - 1, 4}
	}
	return Quarter{q.Year, q.Q - 1}
}
