package grassrootsweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/web"
)

type plansData struct {
	Rows    []grassroots.Plan
	Regions []web.Choice
	Tags    []web.Option
	TagName map[string]string
	Everies []web.Option
}

type planData struct {
	Plan    grassroots.Plan
	Items   []grassroots.PlanItem
	TagName map[string]string
}

type coverageData struct {
	C       grassroots.Coverage
	Regions []web.Choice
}

func (s *Server) planRoutes() {
	s.Page("GET /grassroots/plans", s.planList)
	s.Page("POST /grassroots/plans", s.planCreate)
	s.Page("GET /grassroots/plans/{id}", s.planShow)
	s.Page("POST /grassroots/plans/{id}/regenerate", s.planRegenerate)
	s.Page("POST /grassroots/plans/{id}/items/{iid}/delete", s.planItemDelete)
	s.Page("GET /grassroots/coverage", s.coverage)
}

func (s *Server) plansView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "gr.plans.title")
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &plansData{Regions: web.TreeChoices(v, opts)}
	if d.Tags, d.TagName, err = s.tagChoices(r, v.Lang); err != nil {
		return nil, err
	}
	for _, e := range grassroots.Everies {
		d.Everies = append(d.Everies, web.Option{Value: e, Label: v.T("gr.every." + e)})
	}
	if d.Rows, err = s.gr.Plans(r.Context(), p); err != nil {
		return nil, err
	}
	now := s.Now().In(clock.CST)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, clock.CST)
	v.Form = url.Values{"every": {"month"}, "starts_on": {first.Format(time.DateOnly)},
		"ends_on": {first.AddDate(0, 3, -1).Format(time.DateOnly)}}
	if p.RegionID != 0 {
		v.Form.Set("region_id", web.I64s(p.RegionID))
	}
	v.Data = d
	return v, nil
}

func (s *Server) planList(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Show(w, r, "gr_plans", func() (*web.View, error) { return s.plansView(w, r) })
}

func (s *Server) planCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Submit(w, r, "gr_plans", "flash.created", func() (*web.View, error) { return s.plansView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.PlanInput{RegionID: web.FormInt64(fe, vals, "region_id"), Name: vals.Get("name"),
				Rule: grassroots.Rule{Tag: vals.Get("tag"), Every: vals.Get("every")}, StartsOn: vals.Get("starts_on"), EndsOn: vals.Get("ends_on")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			pl, err := s.gr.CreatePlan(r.Context(), web.Principal(r), in)
			return "/grassroots/plans/" + web.I64s(pl.ID), err
		})
}

func (s *Server) planOf(r *http.Request) (grassroots.Plan, error) {
	id, err := web.PathID(r, "id", "entity.visit_plan")
	if err != nil {
		return grassroots.Plan{}, err
	}
	return s.gr.GetPlan(r.Context(), web.Principal(r), id)
}

func (s *Server) planView(w http.ResponseWriter, r *http.Request, pl grassroots.Plan) (*web.View, error) {
	v := s.View(w, r, "gr.plans.view")
	d := &planData{Plan: pl}
	var err error
	if d.Items, err = s.gr.PlanItems(r.Context(), web.Principal(r), pl.ID); err != nil {
		return nil, err
	}
	if _, d.TagName, err = s.tagChoices(r, v.Lang); err != nil {
		return nil, err
	}
	v.Data = d
	return v, nil
}

func (s *Server) planShow(w http.ResponseWriter, r *http.Request) error {
	pl, err := s.planOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "gr_plan", func() (*web.View, error) { return s.planView(w, r, pl) })
}

func (s *Server) planRegenerate(w http.ResponseWriter, r *http.Request) error {
	pl, err := s.planOf(r)
	if err != nil {
		return err
	}
	if err := s.gr.Regenerate(r.Context(), web.Principal(r), pl.ID); err != nil {
		return err
	}
	return s.Redirect(w, r, "/grassroots/plans/"+web.I64s(pl.ID), "flash.saved")
}

func (s *Server) planItemDelete(w http.ResponseWriter, r *http.Request) error {
	pl, err := s.planOf(r)
	if err != nil {
		return err
	}
	iid, err := web.PathID(r, "iid", "entity.plan_item")
	if err != nil {
		return err
	}
	return s.Remove(w, r, "gr_plan", "/grassroots/plans/"+web.I64s(pl.ID), func() (*web.View, error) { return s.planView(w, r, pl) },
		func() error { return s.gr.RemovePlanItem(r.Context(), web.Principal(r), pl.ID, iid) })
}

// coverage shows households reached against the plans, per sub-region.
func (s *Server) coverage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := requireGrid(r); err != nil {
		return err
	}
	v := s.View(w, r, "gr.coverage.title")
	q := r.URL.Query()
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return err
	}
	d := &coverageData{Regions: web.TreeChoices(v, opts)}
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
	if region == 0 && len(opts) > 0 {
		region = opts[0].ID
	}
	v.Form = url.Values{"from": {from}, "to": {to}, "region": {web.I64s(region)}}
	c, err := s.gr.CoverageOf(r.Context(), p, region, from, to)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = fieldErr("region", "field.bad_choice")
		}
		return s.FormFailed(w, r, "gr_coverage", v, err)
	}
	d.C = c
	if q.Get("format") == "xlsx" {
		return s.coverageXLSX(w, v, c)
	}
	s.Render(w, r, http.StatusOK, "gr_coverage", v)
	return nil
}

// coverageXLSX is the coverage table as a workbook: one row per
// sub-region and the region's total last, the same numbers as the page.
func (s *Server) coverageXLSX(w http.ResponseWriter, v *web.View, c grassroots.Coverage) error {
	cols := []export.Column{{Header: v.T("gr.field.region"), Width: 24}, {Header: v.T("gr.coverage.from"), Width: 12},
		{Header: v.T("gr.coverage.to"), Width: 12}, {Header: v.T("gr.coverage.planned"), Width: 12}, {Header: v.T("gr.coverage.reached"), Width: 14},
		{Header: v.T("gr.coverage.visited"), Width: 12}, {Header: v.T("gr.coverage.people"), Width: 12}}
	var rows [][]any
	for _, x := range append(slices.Clone(c.Rows), c.Total) {
		rows = append(rows, []any{v.Name(x.Name, x.NameEN), c.From, c.To, x.Planned, x.Reached, x.Visited, x.People})
	}
	return export.ServeXLSX(w, v.T("gr.coverage.title"), s.Now(), cols, rows)
}
