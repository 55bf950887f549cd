package volunteer

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// RuleKind is how a project's activities repeat.
type RuleKind string

const (
	RuleMonthDays       RuleKind = "month_days"        // given days of every month: 5, 15, 25
	RuleWeekly          RuleKind = "weekly"            // given weekdays of every week: Saturday
	RuleFirstWorkingDay RuleKind = "first_working_day" // the first working day of each month
	RuleLastWorkingDay  RuleKind = "last_working_day"  // the last working day of each month
)

// RuleKinds in display order.
var RuleKinds = []RuleKind{RuleMonthDays, RuleWeekly, RuleFirstWorkingDay, RuleLastWorkingDay}

// Rule is a repeat rule as data. Days a month does not have (the 31st of
// April, the 29th of a common February) are skipped, not moved; a date in
// Except is skipped; SkipHolidays also skips dates the holiday calendar
// marks as holidays (法定节假日). Working days come from the same calendar as
// the work orders' deadlines (workorder.Calendar: Monday to Friday, less
// holidays, plus make-up working days).
type Rule struct {
	Kind         RuleKind       `json:"kind"`
	MonthDays    []int          `json:"month_days,omitempty"`
	Weekdays     []time.Weekday `json:"weekdays,omitempty"`
	Except       []string       `json:"except,omitempty"` // YYYY-MM-DD
	SkipHolidays bool           `json:"skip_holidays,omitempty"`
}

// MaxRuleSpan is the longest period dates are generated for at once.
const MaxRuleSpan = 400 * 24 * time.Hour

// Validate checks a rule.
func (r *Rule) Validate(f *errs.Fields) {
	switch r.Kind {
	case RuleMonthDays:
		f.Check(len(r.MonthDays) > 0, "month_days", "field.required")
		for _, d := range r.MonthDays {
			f.Check(d >= 1 && d <= 31, "month_days", "field.out_of_range", 1, 31)
		}
	case RuleWeekly:
		f.Check(len(r.Weekdays) > 0, "weekdays", "field.required")
		for _, d := range r.Weekdays {
			f.Check(d >= time.Sunday && d <= time.Saturday, "weekdays", "field.bad_choice")
		}
	case RuleFirstWorkingDay, RuleLastWorkingDay:
	case "":
		f.Add("kind", "field.required")
	default:
		f.Add("kind", "field.bad_choice")
	}
	for _, d := range r.Except {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			f.Add("except", "field.bad_date")
		}
	}
	slices.Sort(r.MonthDays)
	r.MonthDays = slices.Compact(r.MonthDays)
	slices.Sort(r.Weekdays)
	r.Weekdays = slices.Compact(r.Weekdays)
}

// Dates lists the rule's dates from from to to (inclusive, China Standard
// Time), in order.
func (r Rule) Dates(from, to time.Time, cal workorder.Calendar) []string {
	from, to = dayOf(from), dayOf(to)
	var out []string
	keep := func(d time.Time) {
		s := d.Format(time.DateOnly)
		if d.Before(from) || d.After(to) || slices.Contains(r.Except, s) || (r.SkipHolidays && cal[s] == workorder.Holiday) {
			return
		}
		out = append(out, s)
	}
	switch r.Kind {
	case RuleWeekly:
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if slices.Contains(r.Weekdays, d.Weekday()) {
				keep(d)
			}
		}
		return out
	}
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, clock.CST); !m.After(to); m = m.AddDate(0, 1, 0) {
		last := m.AddDate(0, 1, -1)
		switch r.Kind {
		case RuleMonthDays:
			for _, n := range r.MonthDays {
				if n <= last.Day() {
					keep(m.AddDate(0, 0, n-1))
				}
			}
		case RuleFirstWorkingDay:
			for d := m; !d.After(last); d = d.AddDate(0, 0, 1) {
				if cal.IsWorkingDay(d) {
					keep(d)
					break
				}
			}
		case RuleLastWorkingDay:
			for d := last; !d.Before(m); d = d.AddDate(0, 0, -1) {
				if cal.IsWorkingDay(d) {
					keep(d)
					break
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func dayOf(t time.Time) time.Time {
	t = t.In(clock.CST)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, clock.CST)
}

// ParseRule reads a rule from its form fields: kind, month_days ("5,15,25"
// or "5、15、25"), weekdays (0–6, Sunday 0), except (dates separated by
// commas, spaces or new lines), skip_holidays.
func ParseRule(f *errs.Fields, kind, monthDays string, weekdays []string, except string, skipHolidays bool) Rule {
	r := Rule{Kind: RuleKind(strings.TrimSpace(kind)), SkipHolidays: skipHolidays}
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == '，' || c == '、' || c == ' ' || c == '\n' || c == '\r' })
	}
	for _, x := range split(monthDays) {
		n, err := strconv.Atoi(x)
		if err != nil {
			f.Add("month_days", "field.bad_number")
			continue
		}
		r.MonthDays = append(r.MonthDays, n)
	}
	for _, x := range weekdays {
		n, err := strconv.Atoi(x)
		if err != nil {
			f.Add("weekdays", "field.bad_choice")
			continue
		}
		r.Weekdays = append(r.Weekdays, time.Weekday(n))
	}
	r.Except = split(except)
	return r
}

// JSON is the rule as stored.
func (r Rule) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}
