package inspection

import (
	"fmt"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
)

func TestWeeksAreMondaysInChinaStandardTime(t *testing.T) {
	cases := map[time.Time]string{
		time.Date(2026, 12, 3, 12, 0, 0, 0, clock.CST):  "2026-11-30", // Thursday
		time.Date(2026, 11, 30, 0, 0, 0, 0, clock.CST):  "2026-11-30", // Monday 00:00
		time.Date(2026, 12, 6, 23, 59, 0, 0, clock.CST): "2026-11-30", // Sunday night
		time.Date(2026, 11, 29, 16, 30, 0, 0, time.UTC): "2026-11-30", // Monday 00:30 CST
		time.Date(2026, 11, 29, 15, 59, 0, 0, time.UTC): "2026-11-23", // Sunday 23:59 CST
	}
	for in, want := range cases {
		if got := WeekOf(in); got != want {
			t.Errorf("WeekOf(%v) = %s, want %s", in, got, want)
		}
	}
	for week, want := range map[string]int{"2026-11-30": 1, "2026-11-02": 5, "2026-11-23": 2, "2026-12-07": 4, "2026-12-28": 1} {
		m, _ := ParseWeek(week)
		if got := WeeksLeft(m); got != want {
			t.Errorf("WeeksLeft(%s) = %d, want %d", week, got, want)
		}
	}
}

func TestPlanWeekCoversEverySiteInTheMonthAndRechecksFailures(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, d, 10, 0, 0, 0, clock.CST) }
	cases := []struct {
		name      string
		sites     []PlanCandidate
		weeksLeft int
		want      string
	}{
		{"nothing to do", nil, 4, "[]"},
		{"a quarter of the month's sites each of four weeks, never inspected first",
			[]PlanCandidate{{SiteID: 1, LastAt: day(3)}, {SiteID: 2}, {SiteID: 3, LastAt: day(1)}, {SiteID: 4, LastAt: day(9)},
				{SiteID: 5, LastAt: day(2)}, {SiteID: 6, LastAt: day(20)}, {SiteID: 7}, {SiteID: 8, LastAt: day(5)}},
			4, "[{2 monthly} {7 monthly}]"},
		{"rounded up", []PlanCandidate{{SiteID: 1}, {SiteID: 2}, {SiteID: 3}}, 2, "[{1 monthly} {2 monthly}]"},
		{"the last week takes all that remain", []PlanCandidate{{SiteID: 1}, {SiteID: 2, DoneMonth: true}, {SiteID: 3}}, 1, "[{1 monthly} {3 monthly}]"},
		{"done this month is not due", []PlanCandidate{{SiteID: 1, DoneMonth: true}, {SiteID: 2, DoneMonth: true}}, 1, "[]"},
		{"a failure comes again next week even when done this month",
			[]PlanCandidate{{SiteID: 1, DoneMonth: true, LastFailed: true, LastAt: day(20)}, {SiteID: 2, DoneMonth: true}}, 3, "[{1 recheck}]"},
		{"missed ones first", []PlanCandidate{{SiteID: 1}, {SiteID: 2, MissedPlan: true, LastAt: day(28)}, {SiteID: 3}, {SiteID: 4}}, 4,
			"[{2 missed}]"},
		{"a recheck due for the month is not listed twice", []PlanCandidate{{SiteID: 1, LastFailed: true, LastAt: day(1)}, {SiteID: 2, LastAt: day(2)}}, 2,
			"[{1 recheck}]"},
		{"zero weeks left is one", []PlanCandidate{{SiteID: 1}, {SiteID: 2}}, 0, "[{1 monthly} {2 monthly}]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := PlanWeek(c.sites, c.weeksLeft)
			if s := fmt.Sprint(got); s != c.want && !(s == "[]" && c.want == "[]") {
				t.Fatalf("got %s, want %s", s, c.want)
			}
		})
	}
	// Over a month's weeks with every round done, every site is inspected.
	var sites []PlanCandidate
	for i := range 23 {
		sites = append(sites, PlanCandidate{SiteID: int64(i + 1)})
	}
	seen := map[int64]int{}
	for w := 5; w >= 1; w-- {
		for _, pk := range PlanWeek(sites, w) {
			seen[pk.SiteID]++
			sites[pk.SiteID-1].DoneMonth = true
		}
	}
	if len(seen) != 23 {
		t.Fatalf("covered %d of 23 sites", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("site %d planned %d times", id, n)
		}
	}
}
