package dashboardweb

import (
	"math"
	"net/http"
	"net/url"
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
	doc.Table([]pdfdoc.Col{{Title: v.T("dash.col.figure"), Width: 3}, {Title: v.T("dash.col.value"), Width: 2},
		{Title: v.T("dash.col.previous"), Width: 2}, {Title: v.T("dash.col.change"), Width: 2}}, rows)
	doc.Space(3)
	const half = 76.0
	// The trends, side by side.
	labels, series := trendSeries(v, rep)
	doc.Draw(pdfdoc.AreaW, 50, func(c pdfdoc.Canvas) {
		chart.DrawPDF(c, chart.LineChart{Title: v.T("dash.trend_counts"), Labels: labels, Series: series[:2],
			Format: func(x float64) string { return chart.Number(x, 0) }}, 0, 0, half, 480, 300)
		chart.DrawPDF(c, chart.LineChart{Title: v.T("dash.trend_rates"), Labels: labels, Series: series[2:], Max: 1,
			Format: chart.Percent}, half+4, 0, half, 480, 300)
	})
	doc.Space(3)
	// The regions and the categories.
	regionBars, catBars := d.regionBars, d.catBars
	h := float64(max(len(regionBars), len(catBars), 1))*28 + 40
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
	if len(top) > 0 {
		green, black := chart.Color{R: 0x04, G: 0x78, B: 0x57}, chart.Color{R: 0x37, G: 0x41, B: 0x51}
		hb := float64(max(len(top), len(bottom)))*28 + 40
		doc.Draw(pdfdoc.AreaW, hb*half/440, func(c pdfdoc.Canvas) {
			chart.DrawPDF(c, chart.BarChart{Title: v.T("dash.honour"), Max: 1, Color: &green, Bars: rateBars(d.Honour, top, rep.Metric)}, 0, 0, half, 440, hb)
			chart.DrawPDF(c, chart.BarChart{Title: v.T("dash.shame"), Max: 1, Color: &black, Bars: rateBars(d.Shame, bottom, rep.Metric)}, half+4, 0, half, 440, hb)
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
