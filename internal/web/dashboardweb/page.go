package dashboardweb

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/chart"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

func (s *Server) routes() {
	s.Page("GET /dashboard", s.page)
	s.Page("GET /dashboard/print", s.printPage)
	s.API("GET /api/v1/dashboard", web.APIDoc{
		Summary: "The leaders' cockpit: every registered figure for a period and region (with the previous period), " +
			"the trend by month, the rankings of regions and units and the categories, in the caller's data scope; " +
			"the same figures as /dashboard and its .xlsx (needs dashboard.view)",
		Tag: "dashboard",
		Params: []web.Param{
			{Name: "period", In: "query", Description: "month, quarter (default), year or custom"},
			{Name: "at", In: "query", Description: "the month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY); default: the current one"},
			{Name: "from", In: "query", Description: "custom period: first day, YYYY-MM-DD (Beijing time)"},
			{Name: "to", In: "query", Description: "custom period: last day, YYYY-MM-DD, inclusive"},
			{Name: "region", In: "query", Description: "region id: its subtree only, its child regions ranked (default: the whole scope)"},
			{Name: "metric", In: "query", Description: "the rate regions and units are ranked by: on_time_rate (default), satisfaction_rate, resolution_rate, ack_on_time_rate"},
		},
		Response: web.Obj(map[string]any{
			"period":     web.Obj(map[string]any{"kind": web.Str(), "at": web.Str(), "from": web.Str(), "to": web.Str(), "prev_from": web.Str(), "prev_to": web.Str()}),
			"region":     map[string]any{"type": "object", "description": "self, trail (regions above, top first) and children (the regions ranked)"},
			"metric":     web.Str(),
			"figures":    web.Arr(map[string]any{"type": "object", "description": "id, label, definition, value {count, rate}, previous (null for live figures), link"}),
			"months":     web.Arr(map[string]any{"type": "object", "description": "month (YYYY-MM) and its work-order figures"}),
			"regions":    web.Arr(map[string]any{"type": "object", "description": "row and previous: a child region's figures now and in the previous period"}),
			"units":      web.Arr(map[string]any{"type": "object", "description": "row and previous per unit, ranked by the metric"}),
			"categories": web.Arr(map[string]any{"type": "object", "description": "row and previous per category, most orders first"}),
			"hot_spots":  web.Arr(map[string]any{"type": "object", "description": "the ten regions with most orders received (region_id, name, name_en, lat, lng, received), most first: the map's hot spots"}),
		}),
		Extra: map[int]string{400: "a bad period, region or metric, with field messages", 403: "no dashboard.view", 404: "a region outside the caller's scope"},
	}, s.api)
}

// query is a request's period, region and metric.
type query struct {
	Period period
	Region int64
	Metric string
	Big    bool
}

func (s *Server) queryOf(r *http.Request) (query, error) {
	q := r.URL.Query()
	per, err := periodOf(q, s.Now())
	var fe errs.Fields
	if e := errs.As(err); e != nil {
		for k, f := range e.Fields {
			fe.Add(k, f.Key, f.Args...)
		}
	}
	out := query{Period: per, Metric: metrics[0], Big: q.Get("screen") == "big"}
	out.Region = web.FormInt64(&fe, q, "region")
	if m := strings.TrimSpace(q.Get("metric")); m != "" {
		ok := false
		for _, x := range metrics {
			ok = ok || x == m
		}
		if !ok {
			fe.Add("metric", "field.bad_choice")
		} else {
			out.Metric = m
		}
	}
	return out, fe.Err()
}

// link is the cockpit's URL for q with changes.
func (q query) link(path string, set map[string]string) string {
	v := q.Period.query()
	if q.Region != 0 {
		v.Set("region", strconv.FormatInt(q.Region, 10))
	}
	if q.Metric != metrics[0] {
		v.Set("metric", q.Metric)
	}
	if q.Big {
		v.Set("screen", "big")
	}
	for k, x := range set {
		if x == "" {
			v.Del(k)
		} else {
			v.Set(k, x)
		}
	}
	return path + "?" + v.Encode()
}

func canSee(p *auth.Principal) error {
	if p == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	return auth.Require(p, auth.PermDashboardView)
}

// ---- the page ----

type tileView struct {
	ID, Label, Def, Text, Sub, Change, Href string
	Value                                   string // the number the tests read back: a count or a rate's fraction
	Worse, Better                           bool
	Gauge                                   template.HTML
}

type rankView struct {
	Name, Href, Rate, Delta, Received string
	Worse, Better                     bool
}

type crumb struct{ Name, Href string }

type pageData struct {
	Q                            query
	PeriodLabel, PrevLabel       string
	Kinds, Metrics               []web.Option
	Crumbs                       []crumb
	Here                         string
	Headline, More               []tileView
	TrendCounts, TrendRates      template.HTML
	RegionChart, CatChart        template.HTML
	Map                          template.HTML // the shaded map with its hot spots; "" where no boundary applies
	cityMap                      *chart.Map    // the same map, for the PDF
	HonourChart, ShameChart      template.HTML
	Regions, Honour, Shame       []rankView
	Cats                         []rankView
	PrevHref, NextHref           string
	BigHref, DeskHref, PrintHref string
	XLSXHref, APIHref            string
	MetricLabel                  string
	ChildLevel                   string
	Defs                         []string
	Big                          bool
	PDFHref                      string
	regionBars, catBars          []chart.Bar // for the PDF
}

var chartLight = chart.Light

func signed(x float64, decimals int) string {
	s := chart.Number(math.Abs(x), decimals)
	switch {
	case x > 0.0000001:
		return "▲" + s
	case x < -0.0000001:
		return "▼" + s
	}
	return "±0"
}

func (s *Server) tileViewOf(v *web.View, t tile, theme chart.Theme) tileView {
	tv := tileView{ID: t.ID, Label: v.T(t.LabelKey), Def: v.T(t.DefKey), Href: t.Href}
	if t.Value.Rate != nil {
		tv.Text = t.Value.Rate.Percent("—")
		tv.Sub = t.Value.Rate.Fraction()
		if x, ok := t.Value.Rate.Value(); ok {
			tv.Value = strconv.FormatFloat(x, 'f', -1, 64)
		}
		x, ok := t.Value.Rate.Value()
		tv.Gauge = template.HTML(chart.Render(chart.Gauge{Value: x, OK: ok, Theme: theme}, 100, 100, tv.Label))
	} else {
		tv.Text = v.Num(t.Value.Count)
		tv.Value = strconv.FormatInt(t.Value.Count, 10)
	}
	if d, ok := t.change(); ok {
		dec := 0
		if t.Value.Rate != nil {
			dec = 1
		}
		tv.Change = v.T("dash.vs_prev", signed(d, dec))
		worse := d < 0
		if worseWhenUp[t.ID] {
			worse = d > 0
		}
		if math.Abs(d) > 0.0000001 && !neutral[t.ID] {
			tv.Worse, tv.Better = worse, !worse
		}
	}
	return tv
}

func (s *Server) rankViewOf(v *web.View, rep *report, x rankRow, href string) rankView {
	rv := rankView{Name: v.Name(x.Row.Name, x.Row.NameEN), Href: href, Rate: rankRate(rep.Metric, x.Row).Percent("—"),
		Received: v.Num(x.Row.Received)}
	if rv.Name == "" {
		rv.Name = "#" + strconv.FormatInt(x.Row.ID, 10)
	}
	if d, ok := x.delta(rep.Metric); ok {
		rv.Delta = signed(d, 1)
		rv.Worse, rv.Better = d < -0.0000001, d > 0.0000001
	}
	return rv
}

func rateBars(rows []rankView, reps []rankRow, metric string) []chart.Bar {
	var out []chart.Bar
	for i, r := range rows {
		x, _ := rankRate(metric, reps[i].Row).Value()
		out = append(out, chart.Bar{Label: r.Name, Value: x, Text: r.Rate, Note: r.Delta, NoteBad: r.Worse})
	}
	return out
}

func (s *Server) pageData(v *web.View, q query, rep *report, path string) *pageData {
	theme := chart.Light
	if q.Big {
		theme = chart.Dark
	}
	d := &pageData{Q: q, PeriodLabel: q.Period.Label(v.Lang), Big: q.Big,
		MetricLabel: v.T(workorder.Figure(q.Metric).LabelKey())}
	prevQ := q.Period
	prevQ.From, prevQ.To = q.Period.PrevFrom, q.Period.PrevTo
	d.PrevLabel = prevQ.From + " – " + prevQ.To
	for _, k := range kinds {
		d.Kinds = append(d.Kinds, web.Option{Value: k, Label: v.T("dash.kind." + k)})
	}
	for _, m := range metrics {
		d.Metrics = append(d.Metrics, web.Option{Value: m, Label: v.T(workorder.Figure(m).LabelKey())})
	}
	// Drill-up trail and the region shown.
	if len(rep.Region.Trail) > 0 || rep.Region.Self.ID != 0 {
		d.Crumbs = append(d.Crumbs, crumb{Name: v.T("dash.whole_scope"), Href: q.link(path, map[string]string{"region": ""})})
	}
	for _, n := range rep.Region.Trail {
		d.Crumbs = append(d.Crumbs, crumb{Name: v.Name(n.Name, n.NameEN), Href: q.link(path, map[string]string{"region": strconv.FormatInt(n.ID, 10)})})
	}
	d.Here = v.T("dash.whole_scope")
	if rep.Region.Self.ID != 0 {
		d.Here = v.Name(rep.Region.Self.Name, rep.Region.Self.NameEN)
	}
	if len(rep.Region.Children) > 0 {
		d.ChildLevel = v.T("region.level." + rep.Region.Children[0].Level)
	}
	for _, t := range rep.Tiles {
		tv := s.tileViewOf(v, t, theme)
		if t.Headline {
			d.Headline = append(d.Headline, tv)
		} else {
			d.More = append(d.More, tv)
		}
		d.Defs = append(d.Defs, tv.Label+v.T("stats.def_sep")+tv.Def)
	}
	// Trend.
	labels, series := trendSeries(v, rep)
	d.TrendCounts = template.HTML(chart.Render(chart.LineChart{Labels: labels, Theme: theme, Format: func(x float64) string { return chart.Number(x, 0) },
		Series: series[:2]}, 480, 280, v.T("dash.trend_counts")))
	d.TrendRates = template.HTML(chart.Render(chart.LineChart{Labels: labels, Theme: theme, Max: 1, Format: chart.Percent,
		Series: series[2:]}, 480, 280, v.T("dash.trend_rates")))
	// Regions one level down, drill-down links.
	var regionRows []rankRow
	for _, x := range rep.Regions {
		rv := s.rankViewOf(v, rep, x, q.link(path, map[string]string{"region": strconv.FormatInt(x.Row.ID, 10)}))
		d.Regions = append(d.Regions, rv)
		regionRows = append(regionRows, x)
	}
	d.regionBars = rateBars(d.Regions, regionRows, rep.Metric)
	if len(d.Regions) > 0 {
		d.RegionChart = template.HTML(chart.Render(chart.BarChart{Max: 1, Theme: theme, Bars: d.regionBars},
			440, float64(28*len(d.Regions)+8), v.T("dash.region_ranking", d.ChildLevel)))
	}
	if m := s.cityMap(v, q, rep, path); m != nil {
		d.cityMap = m
		d.Map = template.HTML(chart.Render(*m, mapW, mapH, v.T("dash.map_title", d.MetricLabel)))
	}
	// Units: honour and shame lists.
	links := v.P.Can(auth.PermOrderView)
	unitHref := func(x rankRow) string {
		if !links {
			return ""
		}
		vals := url.Values{"kpi": {string(workorder.FigReceived)}, "kpi_from": {rep.Scope.From}, "kpi_to": {rep.Scope.To},
			"kpi_group": {"unit"}, "kpi_id": {strconv.FormatInt(x.Row.ID, 10)}}
		if rep.Scope.RegionID != 0 {
			vals.Set("region", strconv.FormatInt(rep.Scope.RegionID, 10))
		}
		return "/orders?" + vals.Encode()
	}
	top, bottom := honourShame(rep.Units, rep.Metric, 5)
	for _, x := range top {
		d.Honour = append(d.Honour, s.rankViewOf(v, rep, x, unitHref(x)))
	}
	for _, x := range bottom {
		d.Shame = append(d.Shame, s.rankViewOf(v, rep, x, unitHref(x)))
	}
	green, black := chart.Color{R: 0x04, G: 0x78, B: 0x57}, chart.Color{R: 0x37, G: 0x41, B: 0x51}
	if q.Big {
		black = chart.Color{R: 0x9c, G: 0xa3, B: 0xaf}
	}
	if len(d.Honour) > 0 {
		d.HonourChart = template.HTML(chart.Render(chart.BarChart{Max: 1, Theme: theme, Color: &green, Bars: rateBars(d.Honour, top, rep.Metric)},
			440, float64(28*len(d.Honour)+8), v.T("dash.honour")))
	}
	if len(d.Shame) > 0 {
		d.ShameChart = template.HTML(chart.Render(chart.BarChart{Max: 1, Theme: theme, Color: &black, Bars: rateBars(d.Shame, bottom, rep.Metric)},
			440, float64(28*len(d.Shame)+8), v.T("dash.shame")))
	}
	// Categories: the ten with most orders.
	var bars []chart.Bar
	for i, x := range rep.Cats {
		if i == 10 {
			break
		}
		href := ""
		if links {
			vals := url.Values{"kpi": {string(workorder.FigReceived)}, "kpi_from": {rep.Scope.From}, "kpi_to": {rep.Scope.To},
				"kpi_group": {"category"}, "kpi_id": {strconv.FormatInt(x.Row.ID, 10)}}
			if rep.Scope.RegionID != 0 {
				vals.Set("region", strconv.FormatInt(rep.Scope.RegionID, 10))
			}
			href = "/orders?" + vals.Encode()
		}
		rv := rankView{Name: v.Name(x.Row.Name, x.Row.NameEN), Href: href, Received: v.Num(x.Row.Received)}
		ch := x.Row.Received - x.Prev.Received
		rv.Delta = signed(float64(ch), 0)
		d.Cats = append(d.Cats, rv)
		bars = append(bars, chart.Bar{Label: rv.Name, Value: float64(x.Row.Received), Text: rv.Received, Note: rv.Delta, NoteBad: ch > 0})
	}
	d.catBars = bars
	if len(bars) > 0 {
		d.CatChart = template.HTML(chart.Render(chart.BarChart{Theme: theme, Bars: bars}, 440, float64(28*len(bars)+8), v.T("dash.categories")))
	}
	// Neighbouring periods and the other views.
	if q.Period.Kind != "custom" {
		pq := q
		pq.Period, _ = periodOf(url.Values{"period": {q.Period.Kind}, "at": {atOf(q.Period.Kind, q.Period.PrevFrom)}}, s.Now())
		d.PrevHref = pq.link(path, nil)
		nq := q
		next := nextDay(q.Period.To)
		nq.Period, _ = periodOf(url.Values{"period": {q.Period.Kind}, "at": {atOf(q.Period.Kind, next)}}, s.Now())
		d.NextHref = nq.link(path, nil)
	}
	d.BigHref = q.link("/dashboard", map[string]string{"screen": "big"})
	d.DeskHref = q.link("/dashboard", map[string]string{"screen": ""})
	d.PrintHref = q.link("/dashboard/print", map[string]string{"screen": ""})
	d.PDFHref = q.link("/dashboard/print", map[string]string{"screen": "", "format": "pdf"})
	d.XLSXHref = q.link("/dashboard", map[string]string{"screen": "", "format": "xlsx"})
	d.APIHref = q.link("/api/v1/dashboard", map[string]string{"screen": ""})
	return d
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, page, path string) error {
	p := web.Principal(r)
	if err := canSee(p); err != nil {
		return err
	}
	v := s.View(w, r, "dash.title")
	q, qerr := s.queryOf(r)
	v.Form = url.Values{"period": {q.Period.Kind}, "at": {q.Period.At}, "from": {q.Period.From}, "to": {q.Period.To},
		"metric": {q.Metric}}
	for _, k := range []string{"period", "at", "from", "to", "metric"} {
		if x, ok := r.URL.Query()[k]; ok && qerr != nil {
			v.Form[k] = x
		}
	}
	if qerr != nil {
		v.Data = &pageData{Q: q}
		return s.FormFailed(w, r, page, v, qerr)
	}
	rep, err := s.report(r.Context(), p, q.Period, q.Region, q.Metric)
	if err != nil {
		return err
	}
	if web.WantsXLSX(r) {
		return s.export(w, r, rep)
	}
	if q.Big {
		v.BodyClass = "bigscreen"
	}
	if page == "dashboard_print" {
		v.BodyClass = "print-sheet"
	}
	d := s.pageData(v, q, rep, path)
	if page == "dashboard_print" && r.URL.Query().Get("format") == "pdf" {
		return s.pdfSummary(w, r, v, d, rep)
	}
	v.Data = d
	s.Render(w, r, http.StatusOK, page, v)
	return nil
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "dashboard", "/dashboard")
}

func (s *Server) printPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "dashboard_print", "/dashboard/print")
}

// atOf is the month, quarter or year of a day, as the at parameter.
func atOf(kind, day string) string {
	switch kind {
	case "month":
		return day[:7]
	case "quarter":
		m, _ := strconv.Atoi(day[5:7])
		return day[:4] + "-Q" + strconv.Itoa((m-1)/3+1)
	}
	return day[:4]
}

func nextDay(d string) string {
	t, _ := timeParse(d)
	return t.AddDate(0, 0, 1).Format(day)
}

// title is the export's file name.
func title(l i18n.Lang, rep *report) string {
	return i18n.T(l, "dash.export_name") + "-" + strings.ReplaceAll(rep.Period.From, "-", "") + "-" + strings.ReplaceAll(rep.Period.To, "-", "")
}
