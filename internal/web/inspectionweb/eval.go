package inspectionweb

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/scoring"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) evalRoutes() {
	s.Page("GET /inspection/evaluations", s.evalShow)
	s.Page("POST /inspection/evaluations/{quarter}/adjustments", s.evalPropose)
	s.Page("POST /inspection/evaluations/adjustments/{id}/{decision}", s.evalDecide)
	s.Page("POST /inspection/evaluations/{quarter}/publish", s.evalPublish)
	s.API("GET /api/v1/inspection/evaluations/{quarter}", web.APIDoc{Summary: "A quarter's scores and ranks per unit type (frozen once published)", Tag: "inspection",
		Params:   []web.Param{{Name: "quarter", In: "path", Type: "string", Description: "e.g. 2026-Q4"}},
		Response: web.Obj(map[string]any{"quarter": web.Str(), "published": web.Boolean(), "rows": map[string]any{"type": "array", "items": web.Obj(map[string]any{"unit_id": web.Integer(), "total_centi": web.Integer(), "rank": web.Integer()})}}),
		Extra:    map[int]string{400: "not a quarter", 403: "the role lacks inspection.view"}}, s.apiEval)
}

type evalGroup struct {
	Type inspection.EvalType
	Rows []inspection.EvalRow
}

type evalData struct {
	E         inspection.Evaluation
	Groups    []evalGroup
	Criteria  []string
	Units     []web.Option
	CanManage bool
	Districts []inspection.DistrictRow
	Board     inspection.Board
	MaxBoard  int
	Prev      string
	Next      string
}

func (s *Server) evalView(w http.ResponseWriter, r *http.Request, quarter string) (*web.View, error) {
	p := web.Principal(r)
	if quarter == "" {
		quarter = inspection.QuarterOf(s.Now()).String()
	}
	ev, err := s.insp.Evaluation(r.Context(), p, quarter)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.eval.title")
	v.Title += " · " + ev.Quarter
	q, _ := inspection.ParseQuarter(ev.Quarter)
	d := &evalData{E: ev, Criteria: inspection.EvalCriteria, CanManage: p.Can(auth.PermInspectionManage), Prev: q.Prev().String()}
	if next := (inspection.Quarter{Year: q.Year, Q: q.Q + 1}); q.Q == 4 {
		d.Next = inspection.Quarter{Year: q.Year + 1, Q: 1}.String()
	} else {
		d.Next = next.String()
	}
	for _, t := range inspection.EvalTypes {
		g := evalGroup{Type: t}
		for _, row := range ev.Rows {
			if row.Type == t {
				g.Rows = append(g.Rows, row)
				d.Units = append(d.Units, web.Option{Value: web.I64s(row.UnitID), Label: v.Name(row.UnitName, row.UnitEN)})
			}
		}
		d.Groups = append(d.Groups, g)
	}
	d.Districts = inspection.DistrictRollup(ev.Rows)
	if d.Board, err = s.insp.BoardFor(r.Context(), ev); err != nil {
		return nil, err
	}
	d.MaxBoard = inspection.MaxBoardSize
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) evalShow(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_eval", func() (*web.View, error) { return s.evalView(w, r, r.URL.Query().Get("quarter")) })
}

func (s *Server) apiEval(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.insp.Evaluation(r.Context(), web.Principal(r), r.PathValue("quarter"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ev)
	return nil
}

// parseSigned reads "+2", "-1.5" or "3" as centi-points.
func parseSigned(fe *errs.Fields, field, s string) scoring.Cents {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−")
	s = strings.TrimLeft(s, "+-−")
	p, ok := inspection.ParsePoints(s)
	if !ok {
		fe.Add(field, "inspection.import.bad_points")
		return 0
	}
	if neg {
		return -scoring.Cents(p)
	}
	return scoring.Cents(p)
}

func (s *Server) evalBack(w http.ResponseWriter, r *http.Request, quarter string, err error, flash string) error {
	if err == nil {
		return s.Redirect(w, r, "/inspection/evaluations?quarter="+url.QueryEscape(quarter), flash)
	}
	v, verr := s.evalView(w, r, quarter)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_eval", v, err)
}

func (s *Server) evalPropose(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	quarter := r.PathValue("quarter")
	var fe errs.Fields
	in := inspection.AdjustmentInput{Quarter: quarter, UnitID: web.FormInt64(&fe, r.PostForm, "unit_id"),
		Value: parseSigned(&fe, "value", r.PostForm.Get("value")), Reason: r.PostForm.Get("reason"), Evidence: r.PostForm.Get("evidence")}
	err := fe.Err()
	if err == nil {
		_, err = s.insp.ProposeAdjustment(r.Context(), web.Principal(r), in)
	}
	return s.evalBack(w, r, quarter, err, "inspweb.flash.adjustment_proposed")
}

func (s *Server) evalDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.adjustment")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	d := r.PathValue("decision")
	if d != "approve" && d != "refuse" {
		return errs.NotFoundf("inspection.entity.adjustment")
	}
	err = s.insp.DecideAdjustment(r.Context(), web.Principal(r), id, d == "approve")
	return s.evalBack(w, r, r.PostForm.Get("quarter"), err, "inspweb.flash.adjustment_decided")
}

func (s *Server) evalPublish(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	quarter := r.PathValue("quarter")
	err := s.insp.PublishEvaluation(r.Context(), web.Principal(r), quarter)
	return s.evalBack(w, r, quarter, err, "inspweb.flash.evaluation_published")
}
