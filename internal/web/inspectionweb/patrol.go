package inspectionweb

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
)

// Patrols (巡查): the list and the start form, a patrol's page with its
// findings (the add form, multipart with the before and after photos),
// its end, and the check of a finding's rectification.

func (s *Server) patrolRoutes() {
	s.Page("GET /inspection/patrols", s.patrolList)
	s.Page("POST /inspection/patrols", s.patrolStart)
	s.Page("GET /inspection/patrols/{id}", s.patrolShow)
	s.Page("POST /inspection/patrols/{id}/findings", s.patrolAddFinding)
	s.Page("POST /inspection/patrols/{id}/end", s.patrolEnd)
	s.Page("POST /inspection/patrols/findings/{fid}/{verdict}", s.patrolCheck)
	s.Page("GET /inspection/patrols/{id}/photos/{photo}", s.patrolPhoto)
}

// everyone reads the city's unit and region names to choose from.
var cityNames = &auth.Principal{Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermOrgView: true}}

type patrolListData struct {
	Patrols  []inspection.Patrol
	CanStart bool
	Regions  []web.Choice
}

func (s *Server) patrolListView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	list, err := s.insp.ListPatrols(r.Context(), p)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.patrol.title")
	d := &patrolListData{Patrols: list, CanStart: p.Can(auth.PermInspect)}
	if d.CanStart {
		regions, err := s.org.RegionOptions(r.Context(), cityNames)
		if err != nil {
			return nil, err
		}
		d.Regions = web.TreeChoices(v, regions)
	}
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) patrolList(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_patrol_list", func() (*web.View, error) { return s.patrolListView(w, r) })
}

func (s *Server) patrolStart(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	in := inspection.PatrolInput{RegionID: web.FormInt64(&fe, r.PostForm, "region_id"), Route: r.PostForm.Get("route"), Note: r.PostForm.Get("note")}
	err := fe.Err()
	var pt inspection.Patrol
	if err == nil {
		pt, err = s.insp.StartPatrol(r.Context(), web.Principal(r), in)
	}
	if err == nil {
		return s.Redirect(w, r, "/inspection/patrols/"+web.I64s(pt.ID), "inspweb.flash.patrol_started")
	}
	v, verr := s.patrolListView(w, r)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_patrol_list", v, err)
}

type patrolData struct {
	P        inspection.Patrol
	Mine     bool
	CanCheck bool
	Kinds    []web.Option
	Units    []web.Choice
}

func (s *Server) patrolView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, error) {
	p := web.Principal(r)
	pt, err := s.insp.GetPatrol(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.patrol.show")
	v.Title += " · " + pt.Route
	d := &patrolData{P: pt, Mine: pt.ByID == p.UserID && pt.EndedAt == nil, CanCheck: p.Can(auth.PermInspect)}
	if d.Mine {
		for _, k := range inspection.PatrolKinds {
			d.Kinds = append(d.Kinds, web.Option{Value: string(k), Label: v.T(k.Key())})
		}
		units, err := s.org.UnitOptions(r.Context(), cityNames)
		if err != nil {
			return nil, err
		}
		d.Units = web.TreeChoices(v, units)
	}
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) patrolShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.patrol")
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_patrol", func() (*web.View, error) { return s.patrolView(w, r, id) })
}

func (s *Server) patrolBack(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) error {
	if err == nil {
		return s.Redirect(w, r, "/inspection/patrols/"+web.I64s(id), flash)
	}
	v, verr := s.patrolView(w, r, id)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_patrol", v, err)
}

// formPhoto reads one uploaded photo field (nil when none was sent).
func formPhoto(r *http.Request, fe *errs.Fields, field string) (*photo.Prepared, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	fhs := r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Size == 0 {
		return nil, nil
	}
	c, err := web.InspectPhoto(fhs[0])
	if e := errs.As(err); e != nil && e.Code == errs.Invalid {
		fe.Add(field, e.Key, e.Args...)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if e := errs.As(photo.CheckPixelBudget([]*photo.Checked{c})); e != nil {
		fe.Add(field, e.Key, e.Args...)
		return nil, nil
	}
	pp, err := c.Prepare(r.Context())
	if e := errs.As(err); e != nil && e.Code == errs.Invalid {
		fe.Add(field, e.Key, e.Args...)
		return nil, nil
	}
	return pp, err
}

func (s *Server) patrolAddFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.patrol")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	vals := r.PostForm
	var fe errs.Fields
	in := inspection.FindingInput{Kind: inspection.PatrolKind(vals.Get("kind")), Description: vals.Get("description"),
		UnitID: web.FormInt64(&fe, vals, "unit_id"), Fixed: vals.Get("fixed") == "1"}
	if strings.TrimSpace(vals.Get("lat")) != "" || strings.TrimSpace(vals.Get("lng")) != "" {
		in.Lat, in.Lng = web.FormFloat(&fe, vals, "lat"), web.FormFloat(&fe, vals, "lng")
	}
	if in.Before, err = formPhoto(r, &fe, "before"); err != nil {
		return err
	}
	if in.After, err = formPhoto(r, &fe, "after"); err != nil {
		return err
	}
	err = fe.Err()
	if err == nil {
		_, err = s.insp.AddPatrolFinding(r.Context(), web.Principal(r), id, in)
	}
	return s.patrolBack(w, r, id, err, "inspweb.flash.patrol_finding")
}

func (s *Server) patrolEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.patrol")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	err = s.insp.EndPatrol(r.Context(), web.Principal(r), id)
	return s.patrolBack(w, r, id, err, "inspweb.flash.patrol_ended")
}

func (s *Server) patrolCheck(w http.ResponseWriter, r *http.Request) error {
	fid, err := web.PathID(r, "fid", "inspection.entity.patrol_finding")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	verdict := r.PathValue("verdict")
	if verdict != "pass" && verdict != "fail" {
		return errs.NotFoundf("inspection.entity.patrol_finding")
	}
	var fe errs.Fields
	id := web.FormInt64(&fe, r.PostForm, "patrol_id")
	if err := fe.Err(); err != nil {
		return err
	}
	err = s.insp.CheckPatrolFinding(r.Context(), web.Principal(r), fid, verdict == "pass")
	return s.patrolBack(w, r, id, err, "inspweb.flash.patrol_checked")
}

func (s *Server) patrolPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.patrol")
	if err != nil {
		return err
	}
	ph, err := web.PathID(r, "photo", "photo.entity")
	if err != nil {
		return err
	}
	pt, err := s.insp.GetPatrol(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	for _, f := range pt.Findings {
		if f.BeforePhoto == ph || (f.AfterPhoto != 0 && f.AfterPhoto == ph) {
			variant := photo.Public
			if r.URL.Query().Get("v") == "thumb" {
				variant = photo.Thumb
			}
			return web.ServePhoto(w, r, s.photos, ph, variant, "private, max-age=3600")
		}
	}
	return errs.NotFoundf("photo.entity")
}
