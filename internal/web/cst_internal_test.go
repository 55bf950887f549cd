package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
)

// withZone runs f with the process zone set to name, as on a server in it.
func withZone(t *testing.T, name string, f func()) {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no tzdata for %s: %v", name, err)
	}
	old := time.Local
	time.Local = loc
	defer func() { time.Local = old }()
	f()
}

func TestAuditDateFilterIsCSTMidnightWhateverTheServersZone(t *testing.T) {
	for _, zone := range []string{"UTC", "America/New_York"} {
		withZone(t, zone, func() {
			var f errs.Fields
			got := QueryDate(&f, url.Values{"from": {"2026-11-29"}}, "from")
			want := time.Date(2026, 11, 29, 0, 0, 0, 0, clock.CST)
			if !got.Equal(want) || f.Err() != nil {
				t.Fatalf("%s: from 2026-11-29 is %v, want %v", zone, got, want)
			}
			if end := EndOfDay(got); !end.Equal(time.Date(2026, 11, 29, 23, 59, 59, 0, clock.CST)) {
				t.Fatalf("%s: end of day %v", zone, end)
			}
			if s := (&View{}).Date(want); s != "2026-11-29" {
				t.Fatalf("%s: CST midnight shown as %s", zone, s)
			}
			if s := (&View{}).Time(want); s != "2026-11-29 00:00" {
				t.Fatalf("%s: CST midnight shown as %s", zone, s)
			}
		})
	}
}
