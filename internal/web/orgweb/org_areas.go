package orgweb

import (
	"net/http"
	"net/url"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
)

// supervisionRoutes registers the supervision groups' areas (督导组责任片区):
// the form on a group's unit page and the API. Which group covers a region
// is shown on the region page (regionFormView).
func (s *Server) supervisionRoutes() {
	s.Page("POST /units/{id}/areas", s.unitAreasSave)

	const tag = "organisation"
	area := web.Obj(map[string]any{
		"region_id": web.Integer(), "region_code": web.Str(), "region_name": web.Str(), "region_name_en": web.Str(),
		"level": web.Str(), "region_path": web.Str(),
	})
	areas := web.Obj(map[string]any{"unit_id": web.Integer(), "items": web.Arr(area)})
	s.API("GET /api/v1/units/{id}/areas", web.APIDoc{
		Summary: "The region subtrees a supervision group is responsible for, in tree order (empty for other units); " +
			"areas outside the caller's scope are left out", Tag: tag,
		Response: areas, Extra: map[int]string{403: "the role lacks org.view", 404: "no such unit in the caller's data scope"},
	}, s.apiUnitAreas)
	s.API("PUT /api/v1/units/{id}/areas", web.APIDoc{
		Summary: "Replace a supervision group's areas with these regions (each a whole subtree; none inside another); " +
			"areas outside the caller's scope are kept", Tag: tag,
		Body:     web.Obj(map[string]any{"region_ids": web.Arr(web.Integer())}, "region_ids"),
		Response: areas,
		Extra: map[int]string{400: "not a supervision group, a region not in scope, or one region inside another",
			403: "the role lacks org.manage", 404: "no such unit in the caller's data scope"},
	}, s.apiUnitAreasPut)
}

// unitAreasView adds the areas section to a unit's page: the group's areas
// and, for those who manage, the regions to choose from.
func (s *Server) unitAreasView(r *http.Request, v *web.View, d *unitFormData) error {
	u := d.Unit
	if u == nil || u.Kind != org.KindSupervisionGroup {
		return nil
	}
	p := web.Principal(r)
	areas, err := s.org.GroupAreas(r.Context(), p, u.ID)
	if err != nil {
		return err
	}
	d.IsGroup, d.Areas = true, areas
	if !d.CanManage {
		return nil
	}
	regions, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return err
	}
	d.AreaChoices = orgTreeChoices(v.Lang, regions)
	d.AreaSelected = map[string]bool{}
	for _, a := range areas {
		d.AreaSelected[web.OrgID(a.RegionID)] = true
	}
	return nil
}

func (s *Server) unitAreasSave(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	ids := web.FormInt64s(&fe, r.PostForm, "region_ids")
	err = fe.Err()
	if err == nil {
		if _, err = s.org.SetGroupAreas(r.Context(), web.Principal(r), u.ID, ids); err == nil {
			return s.Redirect(w, r, "/units/"+web.OrgID(u.ID)+"/edit#areas", "flash.saved")
		}
	}
	v, verr := s.unitFormView(w, r, &u)
	if verr != nil {
		return verr
	}
	// The refused choice is shown again; the unit's own fields keep their
	// stored values.
	if d, ok := v.Data.(*unitFormData); ok && d.AreaSelected != nil {
		clear(d.AreaSelected)
		for _, x := range r.PostForm["region_ids"] {
			d.AreaSelected[x] = true
		}
	}
	keep := url.Values{}
	for k, vals := range v.Form {
		keep[k] = vals
	}
	r.PostForm = keep
	return s.FormFailed(w, r, "unit_form", v, web.WithFields(fe, err))
}

// areasJSON is a group's areas as the API answers them.
type areasJSON struct {
	UnitID int64      `json:"unit_id"`
	Items  []org.Area `json:"items"`
}

func (s *Server) apiUnitAreas(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	areas, err := s.org.GroupAreas(r.Context(), web.Principal(r), u.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, areasJSON{UnitID: u.ID, Items: areas})
	return nil
}

func (s *Server) apiUnitAreasPut(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	var in struct {
		RegionIDs []int64 `json:"region_ids"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	areas, err := s.org.SetGroupAreas(r.Context(), web.Principal(r), u.ID, in.RegionIDs)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, areasJSON{UnitID: u.ID, Items: areas})
	return nil
}
