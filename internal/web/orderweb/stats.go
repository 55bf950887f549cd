package orderweb

import (
	"context"
	"fmt"
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The work-order KPI screen (/stats/workorders), its workbook (?format=xlsx)
// and its API (/api/v1/stats/workorders). All three show the figures of one
// statsReport, made once per request from workorder.Stats (the daily
// rollup) and workorder.Total, so a figure is the same number everywhere.
// Every figure links to the /orders list of the orders it counts
// (workorder.KPITrace, read from the list's kpi* parameters by kpiTraceOf).
// A rate whose base is zero (no callback reached, nothing dispatched) has no
// value: "—" on the page and in the workbook, null in the API, never 0 %.

func (s *Server) statsRoutes() {
	s.Page("GET /stats/workorders", s.statsPage)

	rate := func(d string) map[string]any {
		o := web.Obj(map[string]any{
			"numerator":   map[string]any{"type": "integer", "format": "int64"},
			"denominator": map[string]any{"type": "integer", "format": "int64"},
			"value":       map[string]any{"type": "number", "nullable": true, "description": "numerator / denominator; null when the denominator is 0"},
		}, "numerator", "denominator", "value")
		o["description"] = d + " (the numerator's orders are among the denominator's, so the value is at most 1)"
		return o
	}
	hours := func(d string) map[string]any {
		return map[string]any{"type": "number", "nullable": true, "description": d + "; null when nothing was resolved"}
	}
	count := func(d string) map[string]any {
		return map[string]any{"type": "integer", "format": "int64", "description": d}
	}
	figs := make([]string, len(workorder.Figures))
	for i, f := range workorder.Figures {
		figs[i] = string(f)
	}
	row := web.Obj(map[string]any{
		"id":                   count("unit, region or category id; 0: none (orders not yet dispatched, or without a region)"),
		"name":                 web.Str(),
		"name_en":              web.Str(),
		"received":             count("orders that came in (by the unit: all under id 0, before dispatch)"),
		"dispatched":           count("dispatches and reassignments to the unit"),
		"acknowledged_on_time": count("acknowledgements by the acknowledge deadline"),
		"resolved":             count("resolutions reported (an order resolved twice counts twice)"),
		"resolved_on_time":     count("resolutions by the resolve deadline in force, extensions included"),
		"returned":             count("orders returned by the unit"),
		"reopened":             count("refused at verification or dissatisfied at callback"),
		"callbacks_reached":    count("callbacks with an answer (not unreachable)"),
		"satisfied":            count("callbacks: satisfied"),
		"basically_satisfied":  count("callbacks: basically satisfied"),
		"dissatisfied":         count("callbacks: dissatisfied"),
		"resolution_rate":      rate("resolved / dispatched"),
		"ack_on_time_rate":     rate("acknowledged_on_time / dispatched"),
		"on_time_rate":         rate("resolved_on_time / resolved"),
		"satisfaction_rate":    rate("(satisfied + basically_satisfied) / callbacks_reached"),
		"avg_handling_hours":   hours("average hours from dispatch to resolution"),
		"overdue_now":          count("orders with the unit now past the deadline in force (live, not limited to the period)"),
		"links": map[string]any{"type": "object", "additionalProperties": web.Str(),
			"description": "for each figure that is not 0 (" + strings.Join(figs, ", ") + "): the /orders list of the orders it counts"},
	})
	s.API("GET /api/v1/stats/workorders", web.APIDoc{
		Summary: "Work-order KPIs per unit, region or category for a period, with totals, in the caller's data scope; " +
			"the same figures as the /stats/workorders page and its .xlsx export (needs dashboard.view or workorder.view)",
		Tag: "workorders",
		Params: []web.Param{
			{Name: "from", In: "query", Description: "first day, YYYY-MM-DD in Beijing time (default: first day of the current quarter)"},
			{Name: "to", In: "query", Description: "last day, YYYY-MM-DD, inclusive (default: last day of the current quarter)"},
			{Name: "group", In: "query", Description: "unit (default), region or category"},
		},
		Response: web.Obj(map[string]any{
			"from": web.Str(), "to": web.Str(), "group": map[string]any{"type": "string", "enum": []string{"unit", "region", "category"}},
			"overdue_at": map[string]any{"type": "string", "format": "date-time", "description": "when overdue_now was counted"},
			"rows":       web.Arr(row), "total": row,
		}),
		Extra: map[int]string{400: "a bad date or group, with field messages", 403: "the role may see neither dashboards nor work orders"},
	}, s.apiStats)
}

// ---- the report ----

// statsQuery is the period and grouping asked for.
type statsQuery struct {
	From, To string
	Group    workorder.StatsGroup
}

// quarterOf returns the first and last day of the quarter holding t in
// Beijing time.
func quarterOf(t time.Time) (string, string) {
	t = t.In(workorder.Zone)
	first := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, workorder.Zone)
	return first.Format(workorder.DateLayout), first.AddDate(0, 3, -1).Format(workorder.DateLayout)
}

// statsQueryOf reads from, to and group; empty values take the defaults
// (the current quarter, by unit).
func (s *Server) statsQueryOf(q url.Values) (statsQuery, error) {
	var fe errs.Fields
	out := statsQuery{Group: workorder.ByUnit}
	out.From, out.To = quarterOf(s.Now())
	var from, to time.Time
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		t, err := time.ParseInLocation(workorder.DateLayout, v, workorder.Zone)
		if err != nil {
			fe.Add("from", "field.bad_date")
		}
		out.From, from = v, t
	} else {
		from, _ = time.ParseInLocation(workorder.DateLayout, out.From, workorder.Zone)
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		t, err := time.ParseInLocation(workorder.DateLayout, v, workorder.Zone)
		if err != nil {
			fe.Add("to", "field.bad_date")
		}
		out.To, to = v, t
	} else {
		to, _ = time.ParseInLocation(workorder.DateLayout, out.To, workorder.Zone)
	}
	if !fe.Has("from") && !fe.Has("to") && to.Before(from) {
		fe.Add("to", "audit.to_before_from")
	}
	switch g := workorder.StatsGroup(strings.TrimSpace(q.Get("group"))); g {
	case "":
	case workorder.ByUnit, workorder.ByRegion, workorder.ByCategory:
		out.Group = g
	default:
		fe.Add("group", "field.bad_choice")
	}
	return out, fe.Err()
}

// statsReport is the figures of one request.
type statsReport struct {
	statsQuery
	Rows      []workorder.StatRow
	Total     workorder.StatRow
	OverdueAt time.Time
}

func canSeeStats(p *auth.Principal) error {
	if p == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if p.Can(auth.PermDashboardView) || p.Can(auth.PermOrderView) {
		return nil
	}
	return errs.E(errs.Forbidden, "err.forbidden")
}

func (s *Server) statsReport(ctx context.Context, p *auth.Principal, q statsQuery) (statsReport, error) {
	at := s.Now()
	rows, err := s.orders.Stats(ctx, p, q.From, q.To, q.Group)
	if err != nil {
		return statsReport{}, err
	}
	return statsReport{statsQuery: q, Rows: rows, Total: workorder.Total(rows), OverdueAt: at}, nil
}

// kpiLink is the /orders list of the orders behind a figure of a row
// (total: the totals row).
func (q statsQuery) kpiLink(fig workorder.Figure, id int64, total bool) string {
	v := url.Values{}
	v.Set("kpi", string(fig))
	if fig != workorder.FigOverdueNow {
		v.Set("kpi_from", q.From)
		v.Set("kpi_to", q.To)
	}
	if !total {
		v.Set("kpi_group", string(q.Group))
		v.Set("kpi_id", strconv.FormatInt(id, 10))
	}
	return "/orders?" + v.Encode()
}

// kpiTraceOf reads the KPI parameters of the order list, which the links of
// the KPI screen set: kpi (a figure: received, dispatched, …), kpi_from and
// kpi_to (the period, YYYY-MM-DD), kpi_group (unit, region or category;
// absent for the totals row) and kpi_id (the row's id, 0 for "none"). It is
// nil when kpi is absent; bad values are field errors.
func kpiTraceOf(fe *errs.Fields, q url.Values) *workorder.KPITrace {
	fig := strings.TrimSpace(q.Get("kpi"))
	if fig == "" {
		return nil
	}
	k := &workorder.KPITrace{Figure: workorder.Figure(fig), From: strings.TrimSpace(q.Get("kpi_from")),
		To: strings.TrimSpace(q.Get("kpi_to")), Group: workorder.StatsGroup(strings.TrimSpace(q.Get("kpi_group")))}
	k.ID = web.FormInt64(fe, q, "kpi_id")
	k.Check(fe)
	return k
}

// KPITraceOf is kpiTraceOf with its own error, for callers that build an
// order filter from a link of the KPI screen.
func KPITraceOf(q url.Values) (*workorder.KPITrace, error) {
	var fe errs.Fields
	k := kpiTraceOf(&fe, q)
	return k, fe.Err()
}

// avgHoursOf is the average handling time in hours, nil without any.
func avgHoursOf(r workorder.StatRow) *float64 {
	if r.HandlingCount == 0 {
		return nil
	}
	h := r.AvgHandling.Hours()
	return &h
}

// ---- page ----

// statLink is a number linking to the orders it counts.
type statLink struct {
	Text, Href string
}

// statCell is one cell of the KPI table: a count, or a rate with the two
// counts it is made of.
type statCell struct {
	statLink
	Title    string
	Num, Den *statLink // rates: numerator and base
}

type statRowView struct {
	Name  string
	Cells []statCell
}

type statsPageData struct {
	Rows      []statRowView
	Total     *statRowView
	Cols      []string // header keys
	Groups    []web.Option
	GroupKey  string // the name column's header key
	Export    string
	OverdueAt string   // Beijing time, like the period
	Defs      []string // translated definitions of the columns
}

// statCols are the page's columns, in order.
var statCols = []string{"received", "dispatched", "acknowledged_on_time", "resolved_on_time", "returned", "reopened",
	"resolution_rate", "satisfaction_rate", "avg_handling", "overdue_now"}

func rowName(v *web.View, g workorder.StatsGroup, r workorder.StatRow) string {
	if r.ID == 0 {
		return v.T("stats.none." + string(g))
	}
	if r.Name == "" && r.NameEN == "" {
		return "#" + strconv.FormatInt(r.ID, 10)
	}
	if r.Parent != "" {
		return v.Name(r.Parent, r.ParentEN) + " › " + v.Name(r.Name, r.NameEN)
	}
	return v.Name(r.Name, r.NameEN)
}

// statRow lays out one row; links only for a viewer who may open /orders.
func statRowOf(v *web.View, rep *statsReport, r workorder.StatRow, total, links bool) statRowView {
	link := func(fig workorder.Figure) statLink {
		n := fig.Of(r)
		l := statLink{Text: v.Num(n)}
		if links && n > 0 {
			l.Href = rep.kpiLink(fig, r.ID, total)
		}
		return l
	}
	count := func(fig workorder.Figure) statCell { return statCell{statLink: link(fig)} }
	rate := func(x figures.Rate, num, den workorder.Figure, none string) statCell {
		n, d := link(num), link(den)
		c := statCell{Num: &n, Den: &d}
		if _, ok := x.Value(); ok {
			c.Text, c.Href = x.Percent("—"), n.Href
			c.Title = v.T("stats.rate_title", x.Numerator, x.Denominator)
		} else {
			c.Text, c.Title = "—", v.T(none)
		}
		return c
	}
	avg := statCell{statLink: statLink{Text: "—"}, Title: v.T("stats.no_resolution")}
	if h := avgHoursOf(r); h != nil {
		avg.Text = v.T("stats.hours", strconv.FormatFloat(*h, 'f', 1, 64))
		avg.Title = v.T("stats.avg_title", r.HandlingCount)
		if links {
			avg.Href = rep.kpiLink(workorder.FigResolved, r.ID, total)
		}
	}
	name := v.T("stats.total")
	if !total {
		name = rowName(v, rep.Group, r)
	}
	return statRowView{Name: name, Cells: []statCell{
		count(workorder.FigReceived), count(workorder.FigDispatched), count(workorder.FigAckOnTime),
		count(workorder.FigResolvedOnTime), count(workorder.FigReturned), count(workorder.FigReopened),
		rate(r.ResolutionRate, workorder.FigResolved, workorder.FigDispatched, "stats.no_dispatch"),
		rate(r.SatisfactionRate, workorder.FigSatisfiedOrBasic, workorder.FigCallbacksReached, "stats.no_callback"),
		avg, count(workorder.FigOverdueNow),
	}}
}

func (s *Server) statsPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := canSeeStats(p); err != nil {
		return err
	}
	v := s.View(w, r, "stats.title")
	q, qerr := s.statsQueryOf(r.URL.Query())
	form := url.Values{"from": {q.From}, "to": {q.To}, "group": {string(q.Group)}}
	for k, x := range r.URL.Query() {
		if k == "from" || k == "to" || k == "group" {
			form[k] = x
		}
	}
	v.Form = form
	d := &statsPageData{Cols: statCols, GroupKey: "stats.group." + string(q.Group)}
	for _, g := range []workorder.StatsGroup{workorder.ByUnit, workorder.ByRegion, workorder.ByCategory} {
		d.Groups = append(d.Groups, web.Option{Value: string(g), Label: v.T("stats.by." + string(g))})
	}
	for _, c := range statCols {
		d.Defs = append(d.Defs, v.T(workorder.Figure(c).LabelKey())+v.T("stats.def_sep")+v.T(workorder.Figure(c).DefKey()))
	}
	v.Data = d
	if qerr != nil {
		return s.FormFailed(w, r, "stats_workorders", v, qerr)
	}
	if web.WantsXLSX(r) {
		rep, err := s.statsReport(r.Context(), p, q)
		if err != nil {
			return err
		}
		return s.statsExport(w, r, &rep)
	}
	rep, err := s.statsReport(r.Context(), p, q)
	if err != nil {
		return s.FormFailed(w, r, "stats_workorders", v, err)
	}
	links := p.Can(auth.PermOrderView)
	for _, row := range rep.Rows {
		d.Rows = append(d.Rows, statRowOf(v, &rep, row, false, links))
	}
	tot := statRowOf(v, &rep, rep.Total, true, links)
	d.Total = &tot
	d.OverdueAt = rep.OverdueAt.In(workorder.Zone).Format("2006-01-02 15:04")
	x := url.Values{"from": {q.From}, "to": {q.To}, "group": {string(q.Group)}, "format": {"xlsx"}}
	d.Export = "/stats/workorders?" + x.Encode()
	s.Render(w, r, http.StatusOK, "stats_workorders", v)
	return nil
}

// ---- API ----

// statsRowJSON is a row as the API gives it: the row's own counts and rates
// (each rate {numerator, denominator, value}, value null at denominator 0),
// the average handling time in hours and the links to the orders behind
// each figure.
type statsRowJSON struct {
	workorder.StatRow
	AvgHandlingHours *float64          `json:"avg_handling_hours"`
	Links            map[string]string `json:"links"`
}

type statsJSON struct {
	From      string         `json:"from"`
	To        string         `json:"to"`
	Group     string         `json:"group"`
	OverdueAt time.Time      `json:"overdue_at"`
	Rows      []statsRowJSON `json:"rows"`
	Total     statsRowJSON   `json:"total"`
}

func statsRowJSONOf(rep *statsReport, r workorder.StatRow, total bool) statsRowJSON {
	out := statsRowJSON{StatRow: r, AvgHandlingHours: avgHoursOf(r), Links: map[string]string{}}
	for _, f := range workorder.Figures {
		if f.Of(r) > 0 {
			out.Links[string(f)] = rep.kpiLink(f, r.ID, total)
		}
	}
	return out
}

func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := canSeeStats(p); err != nil {
		return err
	}
	q, err := s.statsQueryOf(r.URL.Query())
	if err != nil {
		return err
	}
	rep, err := s.statsReport(r.Context(), p, q)
	if err != nil {
		return err
	}
	out := statsJSON{From: q.From, To: q.To, Group: string(q.Group), OverdueAt: rep.OverdueAt, Rows: []statsRowJSON{},
		Total: statsRowJSONOf(&rep, rep.Total, true)}
	for _, row := range rep.Rows {
		out.Rows = append(out.Rows, statsRowJSONOf(&rep, row, false))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// statsTitle is the export's name: the title and the period.
func statsTitle(l i18n.Lang, rep *statsReport) string {
	return fmt.Sprintf("%s-%s-%s", i18n.T(l, "stats.export_name"), strings.ReplaceAll(rep.From, "-", ""),
		strings.ReplaceAll(rep.To, "-", ""))
}
