package workorder

import (
	"context"
	"github.com/wenming-city/wenming/internal/clock"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// Zone is the time zone deadlines and daily figures are counted in (China
// Standard Time; China has no daylight saving, so a fixed zone is exact and
// needs no tzdata on the server): clock.CST.
var Zone = clock.CST

// DateLayout is the 'YYYY-MM-DD' form dates are stored in.
const DateLayout = "2006-01-02"

// Day formats t as a date in Zone.
func Day(t time.Time) string { return t.In(Zone).Format(DateLayout) }

// LimitUnit says how a deadline counts.
type LimitUnit string

const (
	Hours        LimitUnit = "hours"         // clock hours, nights and holidays included
	CalendarDays LimitUnit = "calendar_days" // the same time N days later
	WorkingDays  LimitUnit = "working_days"  // N working days, skipping weekends and holidays
)

// LimitUnits lists the units.
var LimitUnits = []LimitUnit{Hours, CalendarDays, WorkingDays}

// Key is the i18n key of the unit's name.
func (u LimitUnit) Key() string { return "workorder.limit." + string(u) }

// DayKind marks a date in the holiday calendar.
type DayKind string

const (
	Holiday DayKind = "holiday" // 法定节假日: no work even on a weekday
	Workday DayKind = "workday" // 调休上班: work even on a weekend
)

// Calendar is the holiday calendar: dates ('YYYY-MM-DD') that differ from
// the plain rule "Monday to Friday are working days". The zero value is
// that plain rule.
type Calendar map[string]DayKind

// IsWorkingDay reports whether the date of t (in Zone) is a working day.
func (c Calendar) IsWorkingDay(t time.Time) bool {
	t = t.In(Zone)
	switch c[t.Format(DateLayout)] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Deadline returns start plus n units. Hours and calendar days ignore the
// calendar. Working days count whole working days: from a working day,
// n working days later at the same time of day; from a non-working day,
// counting begins at 00:00 of the next working day, so one working day
// ends at 24:00 of that day (00:00 of the day after). n <= 0 returns start.
func Deadline(c Calendar, start time.Time, n int, unit LimitUnit) time.Time {
	if n <= 0 {
		return start
	}
	switch unit {
	case Hours:
		return start.Add(time.Duration(n) * time.Hour)
	case CalendarDays:
		return start.In(Zone).AddDate(0, 0, n)
	}
	t := start.In(Zone)
	if !c.IsWorkingDay(t) {
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Zone)
		for !c.IsWorkingDay(t) {
			t = t.AddDate(0, 0, 1)
		}
		// t is 00:00 of the first working day; n days of work end n
		// working days on, so step n-1 working days and then to the next
		// midnight.
		for i := 1; i < n; i++ {
			t = nextWorkingDay(c, t)
		}
		return t.AddDate(0, 0, 1)
	}
	for i := 0; i < n; i++ {
		t = nextWorkingDay(c, t)
	}
	return t
}

func nextWorkingDay(c Calendar, t time.Time) time.Time {
	t = t.AddDate(0, 0, 1)
	for !c.IsWorkingDay(t) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// HolidayDay is one row of the holiday calendar.
type HolidayDay struct {
	Day  string  `json:"day"`
	Kind DayKind `json:"kind"`
	Name string  `json:"name"`
}

// calendarFrom loads the calendar rows from day on (a year and a half is
// far more than any deadline needs).
func calendarFrom(ctx context.Context, tx *db.Tx, from time.Time) (Calendar, error) {
	rows, err := tx.Query(ctx, "SELECT day, kind FROM holidays WHERE day >= ? AND day <= ?",
		Day(from.AddDate(0, 0, -1)), Day(from.AddDate(0, 18, 0)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := Calendar{}
	for rows.Next() {
		var d, k string
		if err := rows.Scan(&d, &k); err != nil {
			return nil, err
		}
		c[d] = DayKind(k)
	}
	return c, rows.Err()
}

// Holidays2026 is the 2026 schedule of the State Council General Office's
// holiday notice: holidays and the weekend days worked in exchange (调休).
// It is seeded as data; admins add later years in the holidays table
// (/holidays, where a year can be pasted in one go).
//
// Source, checked date by date: 国务院办公厅关于2026年部分节假日安排的通知
// (dated 2025-11-04, published by Xinhua the same day, e.g.
// https://politics.gmw.cn/2025-11/04/content_38391083.htm): 元旦 1–3 Jan,
// work 4 Jan; 春节 15–23 Feb, work 14 and 28 Feb; 清明 4–6 Apr; 劳动节
// 1–5 May, work 9 May; 端午 19–21 Jun; 中秋 25–27 Sep; 国庆 1–7 Oct, work
// 20 Sep and 10 Oct.
var Holidays2026 = []HolidayDay{
	{"2026-01-01", Holiday, "元旦"}, {"2026-01-02", Holiday, "元旦"}, {"2026-01-03", Holiday, "元旦"},
	{"2026-01-04", Workday, "元旦调休"},
	{"2026-02-14", Workday, "春节调休"},
	{"2026-02-15", Holiday, "春节"}, {"2026-02-16", Holiday, "春节"}, {"2026-02-17", Holiday, "春节"},
	{"2026-02-18", Holiday, "春节"}, {"2026-02-19", Holiday, "春节"}, {"2026-02-20", Holiday, "春节"},
	{"2026-02-21", Holiday, "春节"}, {"2026-02-22", Holiday, "春节"}, {"2026-02-23", Holiday, "春节"},
	{"2026-02-28", Workday, "春节调休"},
	{"2026-04-04", Holiday, "清明节"}, {"2026-04-05", Holiday, "清明节"}, {"2026-04-06", Holiday, "清明节"},
	{"2026-05-01", Holiday, "劳动节"}, {"2026-05-02", Holiday, "劳动节"}, {"2026-05-03", Holiday, "劳动节"},
	{"2026-05-04", Holiday, "劳动节"}, {"2026-05-05", Holiday, "劳动节"},
	{"2026-05-09", Workday, "劳动节调休"},
	{"2026-06-19", Holiday, "端午节"}, {"2026-06-20", Holiday, "端午节"}, {"2026-06-21", Holiday, "端午节"},
	{"2026-09-20", Workday, "国庆节调休"},
	{"2026-09-25", Holiday, "中秋节"}, {"2026-09-26", Holiday, "中秋节"}, {"2026-09-27", Holiday, "中秋节"},
	{"2026-10-01", Holiday, "国庆节"}, {"2026-10-02", Holiday, "国庆节"}, {"2026-10-03", Holiday, "国庆节"},
	{"2026-10-04", Holiday, "国庆节"}, {"2026-10-05", Holiday, "国庆节"}, {"2026-10-06", Holiday, "国庆节"},
	{"2026-10-07", Holiday, "国庆节"},
	{"2026-10-10", Workday, "国庆节调休"},
}
