package honour

import "slices"

// Kind is a kind of honour, as data.
type Kind struct {
	Code        string
	Subject     string   // individual, collective, unit, village, family
	Categories  []string // the good-people list's five categories; nil for none
	Period      string   // quarter or year: how lists are grouped
	Vote        bool     // a public vote before the jury
	Jury        bool     // a jury scores (internal/scoring)
	Departments []string // departments that must sign off in review
	TermYears   int      // 0: for good; else the title's term
	YearlyCheck bool     // a title with a term is reviewed every year
	// Evidence: a nomination must carry evidence (证明材料: an evidence
	// image or a note of what the evidence is), as the moral models'
	// nominations need the deeds' proof.
	Evidence bool
}

// Key is the kind's message key.
func (k Kind) Key() string { return "honour.kind." + k.Code }

// CriteriaKey is the message key of the kind's criteria (评选标准), shown
// to nominators and reviewers.
func (k Kind) CriteriaKey() string { return "honour.criteria." + k.Code }

// The departments that may be asked to sign off.
const (
	DeptPublicSecurity = "public_security" // 公安
	DeptDiscipline     = "discipline"      // 纪检监察
	DeptCivilAffairs   = "civil_affairs"   // 民政
)

// GoodPeopleCategories are the good-people list's five categories.
var GoodPeopleCategories = []string{"helping", "bravery", "honesty", "dedication", "filial"}

// Kinds are the honours wenming runs.
var Kinds = []Kind{
	{Code: "good_people", Subject: "individual", Categories: GoodPeopleCategories, Period: "quarter", Vote: true, Jury: true,
		Departments: []string{DeptPublicSecurity}},
	{Code: "model_individual", Subject: "individual", Period: "year", Vote: true, Jury: true, Departments: []string{DeptPublicSecurity, DeptDiscipline},
		Evidence: true},
	{Code: "model_collective", Subject: "collective", Period: "year", Jury: true, Departments: []string{DeptDiscipline}, Evidence: true},
	{Code: "civilised_unit", Subject: "unit", Period: "year", Jury: true, Departments: []string{DeptPublicSecurity, DeptDiscipline}, TermYears: 3, YearlyCheck: true},
	{Code: "civilised_village", Subject: "village", Period: "year", Jury: true, Departments: []string{DeptCivilAffairs}, TermYears: 3, YearlyCheck: true},
	{Code: "civilised_family", Subject: "family", Period: "year", Vote: true, Departments: []string{DeptCivilAffairs}, TermYears: 3, YearlyCheck: true},
}

// KindOf returns the kind with the code.
func KindOf(code string) (Kind, bool) {
	i := slices.IndexFunc(Kinds, func(k Kind) bool { return k.Code == code })
	if i < 0 {
		return Kind{}, false
	}
	return Kinds[i], true
}
