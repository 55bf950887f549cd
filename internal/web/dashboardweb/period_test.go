package dashboardweb

import (
	"net/url"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/workorder"
)

func TestPeriodOfEveryKindAndItsPredecessor(t *testing.T) {
	now := time.Date(2026, 11, 15, 23, 30, 0, 0, time.UTC) // 16 November in Beijing
	for _, c := range []struct {
		q                          string
		from, to, prevFrom, prevTo string
	}{
		{"", "2026-10-01", "2026-12-31", "2026-07-01", "2026-09-30"},
		{"period=month", "2026-11-01", "2026-11-30", "2026-10-01", "2026-10-31"},
		{"period=month&at=2026-03", "2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28"},
		{"period=quarter&at=2026-Q1", "2026-01-01", "2026-03-31", "2025-10-01", "2025-12-31"},
		{"period=year&at=2025", "2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31"},
		{"period=custom&from=2026-05-11&to=2026-05-20", "2026-05-11", "2026-05-20", "2026-05-01", "2026-05-10"},
	} {
		q, _ := url.ParseQuery(c.q)
		p, err := periodOf(q, now)
		if err != nil {
			t.Errorf("%q: %v", c.q, err)
			continue
		}
		if p.From != c.from || p.To != c.to || p.PrevFrom != c.prevFrom || p.PrevTo != c.prevTo {
			t.Errorf("%q = %+v", c.q, p)
		}
	}
}

func TestPeriodOfRefusesBadInput(t *testing.T) {
	now := time.Date(2026, 11, 15, 0, 0, 0, 0, workorder.Zone)
	for q, field := range map[string]string{
		"period=week":                                 "period",
		"period=month&at=2026-13":                     "at",
		"period=quarter&at=2026-Q5":                   "at",
		"period=year&at=abc":                          "at",
		"period=custom&from=2026-05-20&to=2026-05-01": "to",
		"period=custom&from=x&to=2026-05-01":          "from",
		"period=custom&from=1990-01-01&to=2026-05-01": "to",
	} {
		v, _ := url.ParseQuery(q)
		_, err := periodOf(v, now)
		e := errs.As(err)
		if e == nil {
			t.Errorf("%q: accepted", q)
			continue
		}
		if _, ok := e.Fields[field]; !ok {
			t.Errorf("%q: %v, want a message on %s", q, err, field)
		}
	}
}

func TestTrendIsTwelveMonthsEndingWithThePeriod(t *testing.T) {
	p := period{From: "2026-10-01", To: "2026-12-31"}
	if f, to := p.trendMonths(); f != "2026-01-01" || to != "2026-12-31" {
		t.Errorf("trend %s..%s", f, to)
	}
	p = period{From: "2024-01-01", To: "2026-06-30"}
	if f, _ := p.trendMonths(); f != "2024-01-01" {
		t.Errorf("long period's trend from %s", f)
	}
}
