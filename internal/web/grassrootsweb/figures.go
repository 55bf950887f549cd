package grassrootsweb

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/web"
)

// figureRow is one figure as the page and the export show it.
type figureRow struct {
	Name, Label, Def string
	N                int64
}

type figuresData struct {
	Rows    []figureRow
	Regions []web.Choice
	Export  string // the export's URL for the same period and region
}

// figuresPage shows every grassroots figure over a period and a region
// (this quarter and the viewer's region by default): the numbers the
// API (/api/v1/grassroots/figures) and the leader cockpit answer, from
// the same Service.FigureSet; ?format=xlsx downloads them.
func (s *Server) figuresPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if !p.Can(auth.PermGridVisit) && !p.Can(auth.PermDashboardView) {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	v := s.View(w, r, "gr.figures.title")
	q := r.URL.Query()
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return err
	}
	d := &figuresData{Regions: web.TreeChoices(v, opts)}
	v.Data = d
	now := s.Now().In(clock.CST)
	qs := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, clock.CST)
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		from = qs.Format(time.DateOnly)
	}
	if to == "" {
		to = qs.AddDate(0, 3, -1).Format(time.DateOnly)
	}
	region, _ := strconv.ParseInt(q.Get("region"), 10, 64)
	if region == 0 {
		region = p.RegionID
	}
	v.Form = url.Values{"from": {from}, "to": {to}, "region": {web.I64s(region)}}
	m, err := s.gr.FigureSet(r.Context(), p, figures.Scope{From: from, To: to, RegionID: region})
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = fieldErr("region", "field.bad_choice")
		}
		return s.FormFailed(w, r, "gr_figures", v, err)
	}
	for _, name := range grassroots.Figures {
		d.Rows = append(d.Rows, figureRow{Name: name, Label: v.T("grassroots.figure." + name), Def: v.T("grassroots.figure." + name + ".def"), N: m[name]})
	}
	d.Export = "/grassroots/figures?" + url.Values{"format": {"xlsx"}, "from": {from}, "to": {to}, "region": {web.I64s(region)}}.Encode()
	if q.Get("format") == "xlsx" {
		cols := []export.Column{{Header: v.T("gr.figures.figure"), Width: 24}, {Header: v.T("gr.figures.value"), Width: 12},
			{Header: v.T("gr.coverage.from"), Width: 12}, {Header: v.T("gr.coverage.to"), Width: 12}, {Header: v.T("gr.figures.def"), Width: 60}}
		var rows [][]any
		for _, x := range d.Rows {
			rows = append(rows, []any{x.Label, x.N, from, to, x.Def})
		}
		return export.ServeXLSX(w, v.T("gr.figures.title"), s.Now(), cols, rows)
	}
	s.Render(w, r, http.StatusOK, "gr_figures", v)
	return nil
}
