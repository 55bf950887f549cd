package workorder

import (
	"testing"
	"time"
)

// testCal is a fixed calendar: the 2026 Spring Festival (15–23 Feb off,
// Sat 14 and Sat 28 Feb worked) and National Day (1–7 Oct off, Sun 20 Sep
// and Sat 10 Oct worked).
var testCal = Calendar{
	"2026-02-14": Workday, "2026-02-15": Holiday, "2026-02-16": Holiday, "2026-02-17": Holiday, "2026-02-18": Holiday,
	"2026-02-19": Holiday, "2026-02-20": Holiday, "2026-02-21": Holiday, "2026-02-22": Holiday, "2026-02-23": Holiday,
	"2026-02-28": Workday,
	"2026-09-20": Workday, "2026-10-01": Holiday, "2026-10-02": Holiday, "2026-10-03": Holiday, "2026-10-04": Holiday,
	"2026-10-05": Holiday, "2026-10-06": Holiday, "2026-10-07": Holiday, "2026-10-10": Workday,
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Zone)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIsWorkingDayFollowsWeekendsHolidaysAndMakeUpDays(t *testing.T) {
	cases := []struct {
		day  string
		want bool
	}{
		{"2026-03-02 09:00", true},  // Monday
		{"2026-03-06 09:00", true},  // Friday
		{"2026-03-07 09:00", false}, // Saturday
		{"2026-03-08 09:00", false}, // Sunday
		{"2026-02-14 09:00", true},  // Saturday worked before Spring Festival
		{"2026-02-16 09:00", false}, // Monday in the holiday
		{"2026-02-23 09:00", false}, // last day off (Monday)
		{"2026-02-24 09:00", true},  // back to work
		{"2026-02-28 09:00", true},  // Saturday worked after
		{"2026-03-01 09:00", false}, // the Sunday after stays off
		{"2026-09-20 09:00", true},  // Sunday worked before National Day
		{"2026-10-01 09:00", false}, // Thursday, National Day
		{"2026-10-10 09:00", true},  // Saturday worked after
		{"2026-10-11 09:00", false}, // Sunday
	}
	for _, c := range cases {
		if got := testCal.IsWorkingDay(at(c.day)); got != c.want {
			t.Errorf("%s: %v, want %v", c.day, got, c.want)
		}
	}
	// A UTC instant is judged by its Beijing date: 2026-03-06 20:00 UTC is Saturday 04:00 in Beijing.
	if testCal.IsWorkingDay(time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)) {
		t.Error("Beijing Saturday counted as a working day")
	}
}

func TestDeadlineCountsHoursCalendarDaysAndWorkingDays(t *testing.T) {
	cases := []struct {
		name  string
		start string
		n     int
		unit  LimitUnit
		want  string
	}{
		{"zero keeps the start", "2026-03-02 10:00", 0, WorkingDays, "2026-03-02 10:00"},
		{"hours run through the night", "2026-03-02 23:30", 2, Hours, "2026-03-03 01:30"},
		{"hours run through holidays", "2026-02-14 10:00", 24, Hours, "2026-02-15 10:00"},
		{"calendar days ignore holidays", "2026-02-13 10:00", 7, CalendarDays, "2026-02-20 10:00"},
		{"calendar days across a month end", "2026-01-28 16:00", 7, CalendarDays, "2026-02-04 16:00"},
		{"one working day inside a week", "2026-03-02 10:00", 1, WorkingDays, "2026-03-03 10:00"},
		{"Friday plus one is Monday", "2026-03-06 10:00", 1, WorkingDays, "2026-03-09 10:00"},
		{"Friday plus five is next Friday", "2026-03-06 10:00", 5, WorkingDays, "2026-03-13 10:00"},
		{"Saturday start counts from Monday 00:00", "2026-03-07 10:00", 1, WorkingDays, "2026-03-10 00:00"},
		{"Sunday start, three days", "2026-03-08 22:00", 3, WorkingDays, "2026-03-12 00:00"},
		{"Friday before Spring Festival reaches the make-up Saturday", "2026-02-13 10:00", 1, WorkingDays, "2026-02-14 10:00"},
		{"make-up Saturday plus one skips the whole holiday", "2026-02-14 10:00", 1, WorkingDays, "2026-02-24 10:00"},
		{"start in the holiday counts from the first day back", "2026-02-17 09:00", 1, WorkingDays, "2026-02-25 00:00"},
		{"seven working days across Spring Festival end on the make-up Saturday", "2026-02-12 15:00", 7, WorkingDays, "2026-02-28 15:00"},
		{"make-up Saturday 28 Feb counts", "2026-02-27 15:00", 1, WorkingDays, "2026-02-28 15:00"},
		{"fifteen working days across National Day, both make-up days counted", "2026-09-18 09:00", 15, WorkingDays, "2026-10-14 09:00"},
		{"Sunday make-up day is a working start", "2026-09-20 09:00", 1, WorkingDays, "2026-09-21 09:00"},
		{"the day before National Day plus one", "2026-09-30 17:00", 1, WorkingDays, "2026-10-08 17:00"},
		{"the day before National Day plus three reaches the make-up Saturday", "2026-09-30 17:00", 3, WorkingDays, "2026-10-10 17:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Deadline(testCal, at(c.start), c.n, c.unit)
			if !got.Equal(at(c.want)) {
				t.Fatalf("Deadline(%s, %d %s) = %s, want %s", c.start, c.n, c.unit, got.In(Zone).Format("2006-01-02 15:04 Mon"), c.want)
			}
		})
	}
}

func TestEmptyCalendarIsMondayToFriday(t *testing.T) {
	got := Deadline(nil, at("2026-02-13 10:00"), 2, WorkingDays)
	if !got.Equal(at("2026-02-17 10:00")) {
		t.Fatalf("got %s", got)
	}
}

func TestSeededCalendarAgreesWithTheFixedOne(t *testing.T) {
	seeded := Calendar{}
	for _, h := range Holidays2026 {
		seeded[h.Day] = h.Kind
	}
	for d, k := range testCal {
		if seeded[d] != k {
			t.Errorf("%s: seeded %q, fixture %q", d, seeded[d], k)
		}
	}
}
