package dashboardweb

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/wenming-city/wenming/internal/chart"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

// pdfSummary answers with the one-page summary as a PDF: the title, the
// period, the headline figures as a table (this period, the previous one,
// the change) and the charts of the printout drawn through pdfdoc's
// Canvas, the same charts the page draws as SVG.
func (s *Server) pdfSummary(w http.ResponseWriter, r *http.Request, v *web.View, d *pageData, rep *report) error {
	doc := pdfdoc.New()
	doc.Heading(v.T("dash.print_title", d.Here, d.PeriodLabel), 16)
	doc.Para(v.T("dash.print_note", rep.Period.From, rep.Period.To, d.PrevLabel), pdfdoc.ParaOpt{Size: pdfdoc.Size5, Align: pdfdoc.Center})
	doc.Space(2)
	var rows [][]string
	for _, t := range rep.Tiles {
		if !t.Headline {
			continue
		}
		cur, prev, change := plain(t.Value), "—", "—"
		if t.HasPrev {
			prev = plain(t.Prev)
		}
		if x, ok := t.change(); ok {
			dec := 0
			if t.Value.Rate != nil {
				dec = 1
			}
			change = signed(x, dec)
		}
		rows = append(rows, []string{v.T(t.LabelKey), cur, prev, change})
	}
	// Two figures to a row, so the table leaves the page its charts.
	cols := []pdfdoc.Col{{Title: v.T("dash.col.figure"), Width: 3}, {Title: v.T("dash.col.value"), Width: 2},
		{Title: v.T("dash.col.previous"), Width: 2}, {Title: v.T("dash.col.change"), Width: 2.4}}
	var paired [][]string
	for i := 0; i < len(rows); i += 2 {
		r := slices.Clone(rows[i])
		if i+1 < len(rows) {
			r = append(r, rows[i+1]...)
		}
		paired = append(paired, r)
	}
	doc.Table(append(slices.Clone(cols), cols...), paired)
	doc.Space(3)
	const half = 76.0
	// The trends, side by side.
	labels, series := trendSeries(v, rep)
	doc.Draw(pdfdoc.AreaW, 40, func(c pdfdoc.Canvas) {
		chart.DrawPDF(c, chart.LineChart{Title: v.T("dash.trend_counts"), Labels: labels, Series: series[:2],
			Format: func(x float64) string { return chart.Number(x, 0) }}, 0, 0, half, 480, 250)
		chart.DrawPDF(c, chart.LineChart{Title: v.T("dash.trend_rates"), Labels: labels, Series: series[2:], Max: 1,
			Format: chart.Percent}, half+4, 0, half, 480, 250)
	})
	doc.Space(3)
	// The regions and the categories.
	regionBars, catBars := d.regionBars, d.catBars
	h := float64(max(len(regionBars), len(catBars), 1))*21 + 36
	doc.Draw(pdfdoc.AreaW, h*half/440, func(c pdfdoc.Canvas) {
		if len(regionBars) > 0 {
			chart.DrawPDF(c, chart.BarChart{Title: v.T("dash.region_ranking", d.ChildLevel) + " · " + d.MetricLabel, Max: 1, Bars: regionBars},
				0, 0, half, 440, h)
		}
		if len(catBars) > 0 {
			chart.DrawPDF(c, chart.BarChart{Title: v.T("dash.categories"), Bars: catBars}, half+4, 0, half, 440, h)
		}
	})
	doc.Space(3)
	top, bottom := honourShame(rep.Units, rep.Metric, 5)
	green, black := chart.Color{R: 0x04, G: 0x78, B: 0x57}, chart.Color{R: 0x37, G: 0x41, B: 0x51}
	hb := float64(max(len(top), len(bottom), 1))*21 + 36
	// The map (its first hot spots named below it) beside the honour and
	// shame lists, one above the other.
	const mw = 68.0
	lw := pdfdoc.AreaW - mw - 4
	spots := rep.Spots[:min(len(rep.Spots), 3)]
	mh := 0.0
	if d.cityMap != nil {
		mh = mw*mapH/mapW + 4*float64(len(spots)) + 2
	} else {
		lw = half
	}
	lh := 0.0
	if len(top) > 0 {
		lh = 2*hb*lw/440 + 3
	}
	if h := max(mh, lh); h > 0 {
		doc.Draw(pdfdoc.AreaW, h, func(c pdfdoc.Canvas) {
			x := 0.0
			if d.cityMap != nil {
				chart.DrawPDF(c, *d.cityMap, 0, 0, mw, mapW, mapH)
				for i, h := range spots {
					c.Text(0, mw*mapH/mapW+3+float64(i)*4, v.T("dash.map_spot", spotName(v, h), v.Num(h.Received)), 8,
						pdfdoc.RGB{R: 0x37, G: 0x41, B: 0x51}, pdfdoc.Start)
				}
				x = mw + 4
			}
			if len(top) > 0 {
				chart.DrawPDF(c, chart.BarChart{Title: v.T("dash.honour"), Max: 1, Color: &green, Bars: rateBars(d.Honour, top, rep.Metric)}, x, 0, lw, 440, hb)
				chart.DrawPDF(c, chart.BarChart{Title: v.T("dash.shame"), Max: 1, Color: &black, Bars: rateBars(d.Shame, bottom, rep.Metric)}, x, hb*lw/440+3, lw, 440, hb)
			}
		})
	}
	b, err := doc.Bytes()
	if err != nil {
		return err
	}
	file := title(v.Lang, rep) + ".pdf"
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(file))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

// plain is a figure's value as the PDF and its test write it: a count
// without separators, a rate as a percent with one decimal.
func plain(v figures.Value) string {
	if v.Rate != nil {
		return v.Rate.Percent("—")
	}
	return strconv.FormatInt(v.Count, 10)
}

// trendSeries are the trend's months and its five lines: received,
// resolved, then the satisfaction, on-time and acknowledge-on-time rates.
func trendSeries(v *web.View, rep *report) ([]string, []chart.Series) {
	labels := make([]string, len(rep.Months))
	vals := make([][]float64, 5)
	for i := range vals {
		vals[i] = make([]float64, len(rep.Months))
	}
	for i, m := range rep.Months {
		labels[i] = m.Month
		vals[0][i], vals[1][i] = float64(m.Received), float64(m.Resolved)
		for j, x := range []interface{ Value() (float64, bool) }{m.SatisfactionRate, m.OnTimeRate, m.AckOnTimeRate} {
			if f, ok := x.Value(); ok {
				vals[2+j][i] = f
			} else {
				vals[2+j][i] = math.NaN()
			}
		}
	}
	names := []string{v.T(workorder.FigReceived.LabelKey()), v.T(workorder.FigResolved.LabelKey()),
		v.T(workorder.Figure(workorder.FigSatisfactionRate).LabelKey()), v.T(workorder.Figure(workorder.FigOnTimeRate).LabelKey()),
		v.T(workorder.Figure(workorder.FigAckOnTimeRate).LabelKey())}
	out := make([]chart.Series, 5)
	for i := range out {
		out[i] = chart.Series{Name: names[i], Values: vals[i]}
	}
	return labels, out
}
