package inspection

import (
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/workorder"
)

func TestTheDispatchIsDueFromTheMonthsFirstWorkingDayUnderTheHolidayCalendar(t *testing.T) {
	// 2026: New Year's Day Thursday 1 January to Saturday 3 January is a
	// holiday, Sunday 4 January worked; National Day 1–7 October, Saturday
	// 10 October worked. A calendar as data, not the seeded one.
	cal := workorder.Calendar{"2026-01-01": workorder.Holiday, "2026-01-02": workorder.Holiday, "2026-01-04": workorder.Workday}
	for d := 1; d <= 7; d++ {
		cal[time.Date(2026, 10, d, 0, 0, 0, 0, clock.CST).Format(time.DateOnly)] = workorder.Holiday
	}
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, clock.CST)
		if err != nil {
			panic(err)
		}
		return t
	}
	cases := []struct {
		now   string
		month string
		due   bool
		first string
	}{
		{"2026-12-01 00:00", "2026-11", true, "2026-12-01"},  // a Tuesday
		{"2026-11-30 23:59", "2026-10", true, "2026-11-02"},  // November's report was due since the 2nd
		{"2026-11-01 10:00", "2026-10", false, "2026-11-02"}, // Sunday 1 November: wait for Monday
		{"2026-11-02 00:00", "2026-10", true, "2026-11-02"},  // Monday
		{"2026-01-03 09:00", "2025-12", false, "2026-01-04"}, // holiday Saturday
		{"2026-01-04 09:00", "2025-12", true, "2026-01-04"},  // the Sunday worked in exchange
		{"2026-10-07 18:00", "2026-09", false, "2026-10-08"}, // the last day of National Day
		{"2026-10-08 08:00", "2026-09", true, "2026-10-08"},  // the first working day after it
		{"2026-10-08 07:59", "2026-09", true, "2026-10-08"},  // any time that day
		{"2026-02-28 12:00", "2026-01", true, "2026-02-02"},  // late in the month: still the month before
	}
	for _, c := range cases {
		now := at(c.now)
		m, due := DispatchDue(cal, now)
		if m.String() != c.month || due != c.due {
			t.Errorf("%s: %s due %v, want %s due %v", c.now, m, due, c.month, c.due)
		}
		if got := FirstWorkingDay(cal, MonthOf(now)).Format(time.DateOnly); got != c.first {
			t.Errorf("%s: first working day %s, want %s", c.now, got, c.first)
		}
	}
	if _, ok := ParseMonth("2026-13"); ok {
		t.Error("month 13 parsed")
	}
	if m, ok := ParseMonth(" 2026-01 "); !ok || m.Prev().String() != "2025-12" || m.End().Format(time.DateOnly) != "2026-02-01" {
		t.Errorf("ParseMonth: %v %v", m, ok)
	}
}

func TestATasksOutcomeIsClosedOnTimeClosedLateOverdueOrOpen(t *testing.T) {
	cases := []struct {
		t    DispatchTask
		want string
	}{
		{DispatchTask{State: "closed", OnTime: true}, "closed_on_time"},
		{DispatchTask{State: "closed"}, "closed_late"},
		{DispatchTask{State: "acknowledged", Overdue: true}, "overdue"},
		{DispatchTask{State: "dispatched"}, "open"},
		{DispatchTask{State: "resolved"}, "open"},
	}
	for _, c := range cases {
		if got := c.t.Outcome(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.t, got, c.want)
		}
	}
	u := DispatchUnit{Rank: 2, PrevRank: 5}
	if u.Change() != 3 || (DispatchUnit{Rank: 2}).Change() != 0 || (DispatchUnit{Rank: 0, PrevRank: 3}).Change() != 0 {
		t.Error("change")
	}
}
