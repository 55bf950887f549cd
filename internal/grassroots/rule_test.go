package grassroots

import (
	"reflect"
	"testing"
)

func TestRuleWindowsSplitThePeriodByCalendarMonthOrQuarter(t *testing.T) {
	for _, c := range []struct {
		name       string
		every      string
		start, end string
		want       []Window
	}{
		{"once", "once", "2026-10-01", "2026-12-31", []Window{{"2026-10-01", "2026-12-31"}}},
		{"month, whole months", "month", "2026-10-01", "2026-12-31",
			[]Window{{"2026-10-01", "2026-10-31"}, {"2026-11-01", "2026-11-30"}, {"2026-12-01", "2026-12-31"}}},
		{"month, clipped at both ends", "month", "2026-01-15", "2026-03-10",
			[]Window{{"2026-01-15", "2026-01-31"}, {"2026-02-01", "2026-02-28"}, {"2026-03-01", "2026-03-10"}}},
		{"month, leap February", "month", "2028-02-01", "2028-02-29", []Window{{"2028-02-01", "2028-02-29"}}},
		{"month across the year", "month", "2026-12-20", "2027-01-05", []Window{{"2026-12-20", "2026-12-31"}, {"2027-01-01", "2027-01-05"}}},
		{"quarter from mid-quarter", "quarter", "2026-05-10", "2026-12-31",
			[]Window{{"2026-05-10", "2026-06-30"}, {"2026-07-01", "2026-09-30"}, {"2026-10-01", "2026-12-31"}}},
		{"quarter, one day", "quarter", "2026-11-29", "2026-11-29", []Window{{"2026-11-29", "2026-11-29"}}},
		{"end before start", "month", "2026-03-01", "2026-02-01", nil},
		{"bad date", "month", "2026-02-30", "2026-03-01", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := (Rule{Every: c.every}).Windows(c.start, c.end); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestTagInForceIncludesBothEnds(t *testing.T) {
	tag := Tag{StartedOn: "2026-01-01", EndedOn: "2026-06-30"}
	for day, want := range map[string]bool{"2025-12-31": false, "2026-01-01": true, "2026-06-30": true, "2026-07-01": false} {
		if tag.InForce(day) != want {
			t.Errorf("%s: want %v", day, want)
		}
	}
	if !(Tag{StartedOn: "2026-01-01"}).InForce("2099-01-01") {
		t.Error("an open tag ends never")
	}
}
