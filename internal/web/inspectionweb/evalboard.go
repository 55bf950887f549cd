package inspectionweb

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/chart"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/web"
)

// The quarterly evaluation, complete: history and trend, the trace of a
// unit's quarter, the 红黑榜's publication and its public page.

func (s *Server) evalBoardRoutes() {
	s.Page("GET /inspection/evaluations/history", s.evalHistory)
	s.Page("GET /inspection/evaluations/{quarter}/units/{id}", s.evalTrace)
	s.Page("POST /inspection/evaluations/{quarter}/board", s.evalPublishBoard)
	s.PublicPage("GET /public/inspection/board", s.publicBoard)
	s.API("GET /api/v1/inspection/evaluations/history", web.APIDoc{Summary: "Quarters of evaluations up to one: each unit's total, rank and move, and the district rollups", Tag: "inspection",
		Params: []web.Param{{Name: "quarter", In: "query", Type: "string", Description: "the last quarter, e.g. 2026-Q4 (default: this quarter)"},
			{Name: "n", In: "query", Type: "integer", Description: "how many quarters, 2–8 (default 4)"}},
		Response: web.Obj(map[string]any{"quarters": map[string]any{"type": "array", "items": web.Str()}, "rows": map[string]any{"type": "array", "items": web.Obj(map[string]any{"unit_id": web.Integer()})}}),
		Extra:    map[int]string{400: "not a quarter, or n out of range", 403: "the role lacks inspection.view"}}, s.apiEvalHistory)
	s.PublicAPI("GET /api/v1/public/inspection/board", web.APIDoc{Summary: "A published 红黑榜 (the latest unless quarter is given)", Tag: "inspection",
		Params:   []web.Param{{Name: "quarter", In: "query", Type: "string", Description: "e.g. 2026-Q3"}},
		Response: web.Obj(map[string]any{"quarter": web.Str(), "lists": map[string]any{"type": "array", "items": web.Obj(map[string]any{"type": web.Str()})}}),
		Extra:    map[int]string{404: "no board published for the quarter"}}, s.apiPublicBoard)
}

func (s *Server) historyArgs(r *http.Request) (string, int, error) {
	q := r.URL.Query()
	quarter := q.Get("quarter")
	if quarter == "" {
		quarter = inspection.QuarterOf(s.Now()).String()
	}
	n := 4
	if v := q.Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			var f errs.Fields
			f.Add("n", "field.out_of_range", 2, inspection.MaxHistory)
			return "", 0, f.Err()
		}
	}
	return quarter, n, nil
}

type historyData struct {
	H        inspection.History
	Groups   []historyGroup
	Chart    template.HTML
	Quarter  string
	N        int
	Last     int // the last quarter's index
	Quarters []web.Option
}

type historyGroup struct {
	Type inspection.EvalType
	Rows []inspection.HistoryRow
}

// evalHistory shows the history; a bad quarter or count shows the default
// history (this quarter, four quarters) with the field's message.
func (s *Server) evalHistory(w http.ResponseWriter, r *http.Request) error {
	quarter, n, bad := s.historyArgs(r)
	var h inspection.History
	if bad == nil {
		var err error
		h, err = s.insp.EvaluationHistory(r.Context(), web.Principal(r), quarter, n)
		if errs.CodeOf(err) == errs.Invalid {
			bad = err
		} else if err != nil {
			return err
		}
	}
	if bad != nil {
		quarter, n = inspection.QuarterOf(s.Now()).String(), 4
		var err error
		if h, err = s.insp.EvaluationHistory(r.Context(), web.Principal(r), quarter, n); err != nil {
			return err
		}
	}
	v := s.historyView(w, r, h, n)
	if bad != nil {
		return s.FormFailed(w, r, "insp_eval_history", v, bad)
	}
	s.Render(w, r, http.StatusOK, "insp_eval_history", v)
	return nil
}

func (s *Server) historyView(w http.ResponseWriter, r *http.Request, h inspection.History, n int) *web.View {
	v := s.View(w, r, "inspweb.eval.history")
	d := &historyData{H: h, Quarter: h.Quarters[len(h.Quarters)-1], N: n, Last: len(h.Quarters) - 1}
	for _, t := range inspection.EvalTypes {
		g := historyGroup{Type: t}
		for _, row := range h.Rows {
			if row.Type == t {
				g.Rows = append(g.Rows, row)
			}
		}
		d.Groups = append(d.Groups, g)
	}
	// The trend: each district's street mean by quarter.
	lc := chart.LineChart{Labels: h.Quarters, Theme: chart.Light, Max: 100, Format: func(x float64) string { return chart.Number(x, 1) }}
	if len(h.Districts) > 0 {
		for i, dist := range h.Districts[len(h.Districts)-1] {
			sr := chart.Series{Name: v.Name(dist.UnitName, dist.UnitEN)}
			for _, qd := range h.Districts {
				val := math.NaN()
				if i < len(qd) && qd[i].UnitID == dist.UnitID && qd[i].Streets > 0 {
					val = float64(qd[i].Average) / 100
				}
				sr.Values = append(sr.Values, val)
			}
			lc.Series = append(lc.Series, sr)
		}
	}
	d.Chart = template.HTML(chart.Render(lc, 720, 260, v.T("inspweb.eval.trend_title")))
	v.Data = d
	return v
}

func (s *Server) apiEvalHistory(w http.ResponseWriter, r *http.Request) error {
	quarter, n, err := s.historyArgs(r)
	if err != nil {
		return err
	}
	h, err := s.insp.EvaluationHistory(r.Context(), web.Principal(r), quarter, n)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, h)
	return nil
}

type traceData struct {
	T                inspection.EvalTrace
	Criteria         []string
	Earned, Possible string
	KPIs             []traceKPI
}

type traceKPI struct {
	Label    string
	Num, Den int64
	NumHref  string
	DenHref  string
}

func (s *Server) evalTrace(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.unit")
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_eval_trace", func() (*web.View, error) {
		p := web.Principal(r)
		t, err := s.insp.EvaluationTrace(r.Context(), p, r.PathValue("quarter"), id)
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "inspweb.eval.trace")
		v.Title = v.Name(t.Row.UnitName, t.Row.UnitEN) + " · " + t.Quarter + " · " + v.Title
		d := &traceData{T: t, Criteria: inspection.EvalCriteria}
		link := func(fig string) string {
			if !p.Can(auth.PermOrderView) {
				return ""
			}
			return "/orders?" + url.Values{"kpi": {fig}, "kpi_from": {t.From}, "kpi_to": {t.To}, "kpi_group": {"unit"}, "kpi_id": {web.I64s(id)}}.Encode()
		}
		in := t.Row.Inputs
		d.Earned, d.Possible = inspection.Points(in.InspEarned).String(), inspection.Points(in.InspPossible).String()
		d.KPIs = []traceKPI{
			{v.T("inspweb.eval.crit.ack"), in.AckOnTime, in.Dispatched, link("acknowledged_on_time"), link("dispatched")},
			{v.T("inspweb.eval.crit.resolve"), in.ResolvedOnTime, in.Resolved, link("resolved_on_time"), link("resolved")},
			{v.T("inspweb.eval.crit.satisfaction"), in.SatisfiedOrBasic, in.Reached, link("satisfied_or_basic"), link("callbacks_reached")},
		}
		v.Data = d
		return v, nil
	})
}

func (s *Server) evalPublishBoard(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	quarter := r.PathValue("quarter")
	var fe errs.Fields
	size := 0
	if v, err := strconv.Atoi(r.PostForm.Get("size")); err == nil {
		size = v
	} else {
		fe.Add("size", "field.out_of_range", 1, inspection.MaxBoardSize)
	}
	err := fe.Err()
	if err == nil {
		err = s.insp.PublishBoard(r.Context(), web.Principal(r), quarter, size)
	}
	return s.evalBack(w, r, quarter, err, "inspweb.flash.board_published")
}

type publicBoardData struct {
	B        inspection.PublicBoard
	Quarters []web.Option
}

func (s *Server) publicBoard(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_board_public", func() (*web.View, error) {
		b, err := s.insp.PublicBoardOf(r.Context(), r.URL.Query().Get("quarter"))
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "inspweb.board.title")
		v.Title += " · " + b.Quarter
		d := &publicBoardData{B: b}
		for _, q := range b.Quarters {
			d.Quarters = append(d.Quarters, web.Option{Value: q, Label: q})
		}
		v.Data = d
		return v, nil
	})
}

// publicRow is what the public API shows of a unit on the board.
type publicRow struct {
	UnitName string `json:"unit_name"`
	Rank     int    `json:"rank"`
	Total    string `json:"total"`
}

func (s *Server) apiPublicBoard(w http.ResponseWriter, r *http.Request) error {
	b, err := s.insp.PublicBoardOf(r.Context(), r.URL.Query().Get("quarter"))
	if err != nil {
		return err
	}
	type list struct {
		Type  inspection.EvalType `json:"type"`
		Red   []publicRow         `json:"red"`
		Black []publicRow         `json:"black"`
	}
	out := struct {
		Quarter  string   `json:"quarter"`
		Size     int      `json:"size"`
		Quarters []string `json:"quarters"`
		Lists    []list   `json:"lists"`
	}{Quarter: b.Quarter, Size: b.Size, Quarters: b.Quarters}
	conv := func(rows []inspection.EvalRow) []publicRow {
		res := []publicRow{}
		for _, x := range rows {
			res = append(res, publicRow{x.UnitName, x.Rank, x.Total.String()})
		}
		return res
	}
	for _, l := range b.Lists {
		out.Lists = append(out.Lists, list{l.Type, conv(l.Red), conv(l.Black)})
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
