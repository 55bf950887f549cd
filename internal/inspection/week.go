package inspection

import (
	"time"

	"github.com/wenming-city/wenming/internal/clock"
)

// Weeks run Monday to Sunday in China Standard Time; a week is named by
// its Monday, "YYYY-MM-DD".

// Monday is the start (00:00 CST) of the week t falls in.
func Monday(t time.Time) time.Time {
	t = t.In(clock.CST)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, clock.CST)
	wd := (int(d.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return d.AddDate(0, 0, -wd)
}

// WeekOf names the week t falls in.
func WeekOf(t time.Time) string { return Monday(t).Format(time.DateOnly) }

// ParseWeek reads a week's name; any day of the week names it too.
func ParseWeek(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, s, clock.CST)
	if err != nil {
		return time.Time{}, false
	}
	return Monday(t), true
}

// MonthStart is 00:00 CST on the first of the month the week's Monday is in
// (a week belongs to the month of its Monday).
func MonthStart(monday time.Time) time.Time {
	return time.Date(monday.Year(), monday.Month(), 1, 0, 0, 0, 0, clock.CST)
}

// WeeksLeft counts the weeks of the month from this one on: the Mondays
// from monday to the month's end.
func WeeksLeft(monday time.Time) int {
	n := 0
	for d := monday; d.Month() == monday.Month(); d = d.AddDate(0, 0, 7) {
		n++
	}
	return n
}
