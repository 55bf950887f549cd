package volunteer_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/workorder"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, clock.CST)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRuleDates(t *testing.T) {
	cal := workorder.Calendar{}
	for _, h := range workorder.Holidays2026 {
		cal[h.Day] = h.Kind
	}
	cases := []struct {
		name     string
		rule     volunteer.Rule
		from, to string
		want     string
	}{
		{"5th, 15th, 25th", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{5, 15, 25}}, "2026-11-10", "2027-01-06",
			"2026-11-15 2026-11-25 2026-12-05 2026-12-15 2026-12-25 2027-01-05"},
		{"the 31st skips short months", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{31}}, "2026-01-01", "2026-07-31",
			"2026-01-31 2026-03-31 2026-05-31 2026-07-31"},
		{"the 29th in a common February", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{29, 30}}, "2026-02-01", "2026-03-31",
			"2026-03-29 2026-03-30"},
		{"the 29th in a leap February", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{29}}, "2028-02-01", "2028-03-01",
			"2028-02-29"},
		{"across a year end", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{30, 1}}, "2026-12-01", "2027-01-31",
			"2026-12-01 2026-12-30 2027-01-01 2027-01-30"},
		{"every Saturday", volunteer.Rule{Kind: volunteer.RuleWeekly, Weekdays: []time.Weekday{time.Saturday}}, "2026-11-25", "2026-12-20",
			"2026-11-28 2026-12-05 2026-12-12 2026-12-19"},
		{"Saturday and Sunday across a month end", volunteer.Rule{Kind: volunteer.RuleWeekly, Weekdays: []time.Weekday{time.Sunday, time.Saturday}}, "2026-01-30", "2026-02-02",
			"2026-01-31 2026-02-01"},
		{"first working day: 元旦 and the make-up Sunday", volunteer.Rule{Kind: volunteer.RuleFirstWorkingDay}, "2026-01-01", "2026-03-31",
			"2026-01-04 2026-02-02 2026-03-02"},
		{"first working day after 国庆", volunteer.Rule{Kind: volunteer.RuleFirstWorkingDay}, "2026-10-01", "2026-11-30",
			"2026-10-08 2026-11-02"},
		{"first working day of May after 劳动节", volunteer.Rule{Kind: volunteer.RuleFirstWorkingDay}, "2026-05-01", "2026-05-31",
			"2026-05-06"},
		{"last working day: February's make-up Saturday", volunteer.Rule{Kind: volunteer.RuleLastWorkingDay}, "2026-02-01", "2026-02-28",
			"2026-02-28"},
		{"last working day of September before 中秋 is not the holiday", volunteer.Rule{Kind: volunteer.RuleLastWorkingDay}, "2026-09-01", "2026-09-30",
			"2026-09-30"},
		{"exceptions", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{5, 15, 25}, Except: []string{"2026-12-15"}}, "2026-12-01", "2026-12-31",
			"2026-12-05 2026-12-25"},
		{"skip holidays", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{1, 5, 15}, SkipHolidays: true}, "2026-10-01", "2026-10-31",
			"2026-10-15"},
		{"holidays kept without SkipHolidays", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{1, 5}}, "2026-10-01", "2026-10-31",
			"2026-10-01 2026-10-05"},
		{"from after to", volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{5}}, "2026-12-06", "2026-12-01", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(c.rule.Dates(day(c.from), day(c.to), cal), " ")
			if got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestRuleValidateAndParse(t *testing.T) {
	var f errs.Fields
	r := volunteer.ParseRule(&f, "month_days", "25、5, 15，5", nil, "2026-12-15\n2026-12-25", false)
	r.Validate(&f)
	if f.Err() != nil || !slices.Equal(r.MonthDays, []int{5, 15, 25}) || len(r.Except) != 2 {
		t.Fatalf("%+v %v", r, f.Err())
	}
	for _, c := range []struct {
		kind, days string
		weekdays   []string
		except     string
		field, key string
	}{
		{"", "", nil, "", "kind", "field.required"},
		{"yearly", "", nil, "", "kind", "field.bad_choice"},
		{"month_days", "", nil, "", "month_days", "field.required"},
		{"month_days", "32", nil, "", "month_days", "field.out_of_range"},
		{"month_days", "五", nil, "", "month_days", "field.bad_number"},
		{"weekly", "", nil, "", "weekdays", "field.required"},
		{"weekly", "", []string{"7"}, "", "weekdays", "field.bad_choice"},
		{"first_working_day", "", nil, "2026-13-01", "except", "field.bad_date"},
	} {
		var f errs.Fields
		r := volunteer.ParseRule(&f, c.kind, c.days, c.weekdays, c.except, false)
		r.Validate(&f)
		if e := errs.As(f.Err()); e == nil || e.Fields[c.field].Key != c.key {
			t.Errorf("%+v: %v", c, f.Err())
		}
	}
}

func TestGenerateActivities(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		pid, err := fx.svc.CreateProject(ctx, fx.org, volunteer.ProjectInput{Name: "文明实践日", RegionID: fx.regions["S1"]})
		if err != nil {
			t.Fatal(err)
		}
		rule := volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{5, 15, 25}, Except: []string{"2026-12-15"}}
		tmpl := volunteer.ActivityInput{Title: "文明实践日", RegionID: fx.regions["S1C1"], Start: "09:00", End: "11:00", Capacity: 20, Mode: "instant", CancelHours: 2}
		bad := tmpl
		bad.End = "08:00"
		if _, err := fx.svc.Generate(ctx, fx.org, pid, rule, "2026-12-01", "2027-01-31", bad); errs.As(err) == nil || errs.As(err).Fields["end"].Key == "" {
			t.Fatalf("bad template: %v", err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM activities"); n != 0 {
			t.Fatalf("%d saved from a bad template", n)
		}
		g, err := fx.svc.Generate(ctx, fx.org, pid, rule, "2026-12-01", "2027-01-31", tmpl)
		if err != nil || g.Created != 5 {
			t.Fatalf("generate: %+v %v", g, err)
		}
		g, err = fx.svc.Generate(ctx, fx.org, pid, rule, "2026-12-01", "2027-02-28", tmpl)
		if err != nil || g.Created != 3 || len(g.Skipped) != 5 {
			t.Fatalf("again: %+v %v", g, err)
		}
		if _, err := fx.svc.Generate(ctx, fx.street, pid, rule, "2026-12-01", "2027-01-31", tmpl); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other street: %v", err)
		}
	})
}
