package inspectionweb

import (
	"net/http"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) planRoutes() {
	s.Page("GET /inspection/plans", s.planList)
	s.Page("POST /inspection/plans/generate", s.planGenerate)
	s.Page("GET /inspection/plans/{id}", s.planShow)
	s.Page("POST /inspection/plans/{id}/sites", s.planAdd)
	s.Page("POST /inspection/plans/{id}/sites/{site}/delete", s.planRemove)
}

type planListData struct {
	Week, Prev, Next string
	Plans            []inspection.Plan
	CanGenerate      bool
}

func (s *Server) planList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	week := r.URL.Query().Get("week")
	monday, ok := inspection.ParseWeek(week)
	if !ok {
		monday = inspection.Monday(s.Now())
	}
	week = monday.Format(time.DateOnly)
	plans, err := s.insp.Plans(r.Context(), p, week)
	if err != nil {
		return err
	}
	v := s.View(w, r, "inspweb.plans.title")
	v.Data = &planListData{Week: week, Prev: monday.AddDate(0, 0, -7).Format(time.DateOnly), Next: monday.AddDate(0, 0, 7).Format(time.DateOnly),
		Plans: plans, CanGenerate: p.Can(auth.PermInspectionPlan) && p.Scope.All}
	s.Render(w, r, http.StatusOK, "insp_plan_list", v)
	return nil
}

func (s *Server) planGenerate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermInspectionPlan); err != nil {
		return err
	}
	if !p.Scope.All {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := s.insp.GeneratePlans(r.Context()); err != nil {
		return err
	}
	return s.Redirect(w, r, "/inspection/plans", "inspweb.flash.generated")
}

type planData struct {
	Plan    inspection.Plan
	CanEdit bool
	Choices []web.Option
}

func (s *Server) planOf(r *http.Request) (inspection.Plan, error) {
	id, err := web.PathID(r, "id", "inspection.entity.plan")
	if err != nil {
		return inspection.Plan{}, err
	}
	return s.insp.GetPlan(r.Context(), web.Principal(r), id)
}

func (s *Server) planView(w http.ResponseWriter, r *http.Request, pl inspection.Plan) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "inspweb.plan.title")
	v.Title = v.Name(pl.GroupName, pl.GroupEN) + " · " + v.T("inspweb.plan.week", pl.Week)
	d := &planData{Plan: pl, CanEdit: p.Can(auth.PermInspectionPlan) && (p.Scope.All || p.UnitID == pl.GroupID)}
	if d.CanEdit {
		sites, _, err := s.insp.ListSites(r.Context(), p, inspection.SiteFilter{GroupID: pl.GroupID, Size: inspection.AllRows})
		if err != nil {
			return nil, err
		}
		in := map[int64]bool{}
		for _, x := range pl.Sites {
			in[x.SiteID] = true
		}
		for _, x := range sites {
			if !in[x.ID] && x.Active {
				d.Choices = append(d.Choices, web.Option{Value: strconv.FormatInt(x.ID, 10), Label: x.Code + " " + v.Name(x.Name, x.NameEN) + " (" + v.Name(x.SiteTypeName, x.SiteTypeEN) + ")"})
			}
		}
	}
	v.Data = d
	return v, nil
}

func (s *Server) planShow(w http.ResponseWriter, r *http.Request) error {
	pl, err := s.planOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_plan", func() (*web.View, error) { return s.planView(w, r, pl) })
}

func (s *Server) planAdd(w http.ResponseWriter, r *http.Request) error {
	pl, err := s.planOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	site := web.FormInt64(&fe, r.PostForm, "site_id")
	if site == 0 {
		fe.Add("site_id", "field.required")
	}
	err = fe.Err()
	if err == nil {
		err = s.insp.AddPlanSite(r.Context(), web.Principal(r), pl.ID, site)
	}
	if err != nil {
		v, verr := s.planView(w, r, pl)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "insp_plan", v, err)
	}
	return s.Redirect(w, r, "/inspection/plans/"+strconv.FormatInt(pl.ID, 10), "flash.saved")
}

func (s *Server) planRemove(w http.ResponseWriter, r *http.Request) error {
	pl, err := s.planOf(r)
	if err != nil {
		return err
	}
	site, err := web.PathID(r, "site", "inspection.entity.site")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := s.insp.RemovePlanSite(r.Context(), web.Principal(r), pl.ID, site); err != nil {
		return s.Refused(w, r, "insp_plan", func() (*web.View, error) {
			fresh, err := s.planOf(r)
			if err != nil {
				return nil, err
			}
			return s.planView(w, r, fresh)
		}, err)
	}
	return s.Redirect(w, r, "/inspection/plans/"+strconv.FormatInt(pl.ID, 10), "flash.saved")
}
