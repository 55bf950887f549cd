package dashboardweb

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/workorder"
)

// period is the cockpit's time window: a month ("2026-10"), a quarter
// ("2026-Q4"), a year ("2026") or custom days; Prev is the period before
// it of the same kind (for custom, as many days just before), against
// which every change is measured.
type period struct {
	Kind             string // month, quarter, year, custom
	At               string // the month, quarter or year as typed; "" for custom
	From, To         string // days, inclusive, China Standard Time
	PrevFrom, PrevTo string
}

var kinds = []string{"month", "quarter", "year", "custom"}

const day = workorder.DateLayout

// periodOf reads period, at, from and to; empty values take the current
// quarter in China Standard Time.
func periodOf(q url.Values, now time.Time) (period, error) {
	now = now.In(workorder.Zone)
	var fe errs.Fields
	p := period{Kind: strings.TrimSpace(q.Get("period")), At: strings.TrimSpace(q.Get("at"))}
	if p.Kind == "" {
		p.Kind = "quarter"
	}
	date := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, workorder.Zone) }
	var first, next time.Time // [first, next)
	switch p.Kind {
	case "month":
		if p.At == "" {
			p.At = now.Format("2006-01")
		}
		t, err := time.ParseInLocation("2006-01", p.At, workorder.Zone)
		if err != nil {
			fe.Add("at", "field.bad_date")
			t = date(now.Year(), int(now.Month()), 1)
		}
		first, next = t, t.AddDate(0, 1, 0)
	case "quarter":
		if p.At == "" {
			p.At = strconv.Itoa(now.Year()) + "-Q" + strconv.Itoa((int(now.Month())-1)/3+1)
		}
		y, qn, ok := strings.Cut(p.At, "-Q")
		year, err1 := strconv.Atoi(y)
		n, err2 := strconv.Atoi(qn)
		if !ok || err1 != nil || err2 != nil || n < 1 || n > 4 || year < 2000 || year > 2100 {
			fe.Add("at", "field.bad_choice")
			year, n = now.Year(), (int(now.Month())-1)/3+1
		}
		first = date(year, (n-1)*3+1, 1)
		next = first.AddDate(0, 3, 0)
	case "year":
		if p.At == "" {
			p.At = strconv.Itoa(now.Year())
		}
		year, err := strconv.Atoi(p.At)
		if err != nil || year < 2000 || year > 2100 {
			fe.Add("at", "field.bad_choice")
			year = now.Year()
		}
		first, next = date(year, 1, 1), date(year+1, 1, 1)
	case "custom":
		p.At = ""
		from, err1 := time.ParseInLocation(day, strings.TrimSpace(q.Get("from")), workorder.Zone)
		to, err2 := time.ParseInLocation(day, strings.TrimSpace(q.Get("to")), workorder.Zone)
		if err1 != nil {
			fe.Add("from", "field.bad_date")
		}
		if err2 != nil {
			fe.Add("to", "field.bad_date")
		}
		if err1 == nil && err2 == nil && to.Before(from) {
			fe.Add("to", "audit.to_before_from")
		}
		if err1 == nil && err2 == nil && to.Sub(from) > 3700*24*time.Hour {
			fe.Add("to", "dash.too_long")
		}
		if err := fe.Err(); err != nil {
			first = date(now.Year(), int(now.Month()), 1)
			next = first.AddDate(0, 1, 0)
		} else {
			first, next = from, to.AddDate(0, 0, 1)
		}
	default:
		fe.Add("period", "field.bad_choice")
		p.Kind = "quarter"
		first = date(now.Year(), (int(now.Month())-1)/3*3+1, 1)
		next = first.AddDate(0, 3, 0)
	}
	p.From, p.To = first.Format(day), next.AddDate(0, 0, -1).Format(day)
	switch p.Kind {
	case "month":
		p.PrevFrom, p.PrevTo = first.AddDate(0, -1, 0).Format(day), first.AddDate(0, 0, -1).Format(day)
	case "quarter":
		p.PrevFrom, p.PrevTo = first.AddDate(0, -3, 0).Format(day), first.AddDate(0, 0, -1).Format(day)
	case "year":
		p.PrevFrom, p.PrevTo = first.AddDate(-1, 0, 0).Format(day), first.AddDate(0, 0, -1).Format(day)
	default:
		days := int(next.Sub(first).Hours()/24 + 0.5)
		p.PrevFrom, p.PrevTo = first.AddDate(0, 0, -days).Format(day), first.AddDate(0, 0, -1).Format(day)
	}
	return p, fe.Err()
}

// Label is the period as people say it: "2026年第4季度", "2026 Q4".
func (p period) Label(l i18n.Lang) string {
	switch p.Kind {
	case "month":
		t, _ := time.Parse("2006-01", p.At)
		if l == i18n.EN {
			return t.Format("January 2006")
		}
		return t.Format("2006年1月")
	case "quarter":
		y, n, _ := strings.Cut(p.At, "-Q")
		return i18n.T(l, "dash.quarter_label", y, n)
	case "year":
		return i18n.T(l, "dash.year_label", p.At)
	}
	return p.From + " – " + p.To
}

// query is the period as URL parameters.
func (p period) query() url.Values {
	v := url.Values{"period": {p.Kind}}
	if p.Kind == "custom" {
		v.Set("from", p.From)
		v.Set("to", p.To)
	} else {
		v.Set("at", p.At)
	}
	return v
}

// trendMonths is the trend's window: the twelve months ending with the
// period's last month, or the whole period when it is longer.
func (p period) trendMonths() (string, string) {
	to, _ := time.Parse(day, p.To)
	from, _ := time.Parse(day, p.From)
	start := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	if from.Before(start) {
		start = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return start.Format(day), p.To
}
