package orgweb

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
)

type regionListData struct {
	Rows      []org.Region
	Pager     web.Pager
	Parents   []web.Option
	Levels    []web.Option
	Crumbs    []orgCrumb // the parent filter's ancestors in scope, root first, ending with the parent
	ParentID  int64      // the parent filter (0: none or the top level)
	CanManage bool
}

type regionFormData struct {
	Region    *org.Region // nil on create
	Parents   []web.Option
	Levels    []web.Option
	CanManage bool
	Back      string
	Coverage  []org.Coverage // the supervision groups covering the region (org_areas.go)
}

func orgLevelChoices(l i18n.Lang) []web.Option {
	out := make([]web.Option, 0, len(org.Levels))
	for _, lv := range org.Levels {
		out = append(out, web.Option{Value: string(lv), Label: i18n.T(l, lv.Key())})
	}
	return out
}

// orgParentOptions leaves out the grids, which can have no sub-regions.
func orgParentOptions(opts []org.Option) []org.Option {
	out := make([]org.Option, 0, len(opts))
	for _, o := range opts {
		if org.Level(o.Kind).Child() != "" {
			out = append(out, o)
		}
	}
	return out
}

// regionFilterOf reads the filters of the region list and the API.
func regionFilterOf(r *http.Request) (org.RegionFilter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := org.RegionFilter{ParentID: orgOptionalID(&fe, q, "parent"), Level: org.Level(strings.TrimSpace(q.Get("level"))),
		Q: lq.Q, Page: lq.Page, Size: lq.Size}
	if f.Level != "" && !f.Level.Valid() {
		fe.Add("level", "field.bad_choice")
	}
	return f, lq, fe.Err()
}

// regionListURL is the list a form returns to: the region's siblings.
func regionListURL(parentID int64) string {
	if parentID == 0 {
		return "/regions"
	}
	return "/regions?parent=" + web.OrgID(parentID)
}

func (s *Server) regionList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return err
	}
	ctx := r.Context()
	v := s.View(w, r, "regions.title")
	v.Form = r.URL.Query()
	opts, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return err
	}
	d := &regionListData{Parents: orgTreeChoices(v.Lang, orgParentOptions(opts)), Levels: orgLevelChoices(v.Lang), CanManage: web.CanManageOrg(p)}
	v.Data = d
	f, lq, err := regionFilterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "region_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.regionExport(w, r, f)
	}
	rows, total, err := s.org.ListRegions(ctx, p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	if f.ParentID != nil && *f.ParentID > 0 {
		d.ParentID = *f.ParentID
		byID := make(map[int64]org.Option, len(opts))
		for _, o := range opts {
			byID[o.ID] = o
		}
		// Walk up while the ancestors are in scope; nothing outside it shows.
		for id, n := d.ParentID, 0; id != 0 && n < 32; n++ {
			o, ok := byID[id]
			if !ok {
				break
			}
			d.Crumbs = append(d.Crumbs, orgCrumb{ID: o.ID, Name: v.Name(o.Name, o.NameEN)})
			id = o.ParentID
		}
		slices.Reverse(d.Crumbs)
	}
	s.Render(w, r, http.StatusOK, "region_list", v)
	return nil
}

// regionExport answers with every matching region as a workbook.
func (s *Server) regionExport(w http.ResponseWriter, r *http.Request, f org.RegionFilter) error {
	f.Page, f.Size = 1, org.AllRows
	rows, _, err := s.org.ListRegions(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	cols := []export.Column{
		{Header: i18n.T(l, "org.field.code"), Width: 18},
		{Header: i18n.T(l, "org.field.name"), Width: 20},
		{Header: i18n.T(l, "org.field.name_en"), Width: 26},
		{Header: i18n.T(l, "org.field.level"), Width: 12},
		{Header: i18n.T(l, "org.field.parent_id"), Width: 20},
		{Header: i18n.T(l, "org.field.child_count"), Width: 8},
		{Header: i18n.T(l, "org.field.sort"), Width: 8},
		{Header: i18n.T(l, "org.field.lat"), Width: 10},
		{Header: i18n.T(l, "org.field.lng"), Width: 10},
	}
	out := make([][]any, 0, len(rows))
	for _, x := range rows {
		var lat, lng any = "", ""
		if x.Lat != nil {
			lat = *x.Lat
		}
		if x.Lng != nil {
			lng = *x.Lng
		}
		out = append(out, []any{x.Code, x.Name, x.NameEN, i18n.T(l, x.Level.Key()), x.ParentName, x.ChildCount, x.Sort, lat, lng})
	}
	return export.ServeXLSX(w, i18n.T(l, "nav.regions"), s.Now(), cols, out)
}

// regionFormView prepares the region form; reg is nil on create.
func (s *Server) regionFormView(w http.ResponseWriter, r *http.Request, reg *org.Region) (*web.View, error) {
	p := web.Principal(r)
	title := "regions.new"
	if reg != nil {
		title = "regions.edit"
		if !web.CanManageOrg(p) {
			title = "regions.view"
		}
	}
	v := s.View(w, r, title)
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &regionFormData{Region: reg, Levels: orgLevelChoices(v.Lang), CanManage: web.CanManageOrg(p), Back: "/regions"}
	// A region cannot move under itself or its own subtree: leave those out.
	skip := map[int64]bool{}
	haveParent := false
	for _, o := range orgParentOptions(opts) {
		if reg != nil && (o.ID == reg.ID || skip[o.ParentID]) {
			skip[o.ID] = true
			continue
		}
		if reg != nil && o.ID == reg.ParentID {
			haveParent = true
		}
		d.Parents = append(d.Parents, web.Option{Value: web.OrgID(o.ID), Label: orgTreeLabel(v.Lang, o)})
	}
	if reg != nil {
		d.Back = regionListURL(reg.ParentID)
		// The current parent may lie outside the editor's scope; keep it choosable.
		if reg.ParentID != 0 && !haveParent {
			d.Parents = append([]web.Option{{Value: web.OrgID(reg.ParentID), Label: reg.ParentName}}, d.Parents...)
		}
		v.Form = regionValues(*reg)
		if d.Coverage, err = s.org.CoveringGroups(r.Context(), p, reg.ID); err != nil {
			return nil, err
		}
	} else {
		v.Form = url.Values{"sort": {"0"}}
		if pid, err := strconv.ParseInt(r.URL.Query().Get("parent"), 10, 64); err == nil && pid > 0 {
			for _, o := range opts {
				if o.ID == pid {
					v.Form.Set("parent_id", web.OrgID(pid))
					v.Form.Set("level", string(org.Level(o.Kind).Child()))
					d.Back = regionListURL(pid)
				}
			}
		}
	}
	v.Data = d
	return v, nil
}

func regionValues(x org.Region) url.Values {
	v := url.Values{}
	if x.ParentID != 0 {
		v.Set("parent_id", web.OrgID(x.ParentID))
	}
	v.Set("level", string(x.Level))
	v.Set("code", x.Code)
	v.Set("name", x.Name)
	v.Set("name_en", x.NameEN)
	v.Set("sort", strconv.Itoa(x.Sort))
	v.Set("lat", orgFloat(x.Lat))
	v.Set("lng", orgFloat(x.Lng))
	return v
}

// regionInputOf reads the region form; values that are not numbers are
// field errors in fe.
func regionInputOf(vals url.Values, fe *errs.Fields) org.RegionInput {
	return org.RegionInput{
		ParentID: web.FormInt64(fe, vals, "parent_id"),
		Level:    org.Level(vals.Get("level")),
		Code:     vals.Get("code"),
		Name:     vals.Get("name"),
		NameEN:   vals.Get("name_en"),
		Sort:     int(web.FormInt64(fe, vals, "sort")),
		Lat:      web.FormFloat(fe, vals, "lat"),
		Lng:      web.FormFloat(fe, vals, "lng"),
	}
}

func (s *Server) regionNew(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "region_form", func() (*web.View, error) { return s.regionFormView(w, r, nil) })
}

func (s *Server) regionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "region_form", "flash.created", func() (*web.View, error) { return s.regionFormView(w, r, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := regionInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			reg, err := s.org.CreateRegion(r.Context(), web.Principal(r), in)
			return regionListURL(reg.ParentID), err
		})
}

// regionOf loads the region named by the path in the caller's scope.
func (s *Server) regionOf(r *http.Request) (org.Region, error) {
	id, err := web.PathID(r, "id", "entity.region")
	if err != nil {
		return org.Region{}, err
	}
	return s.org.GetRegion(r.Context(), web.Principal(r), id)
}

func (s *Server) regionEdit(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.regionOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "region_form", func() (*web.View, error) { return s.regionFormView(w, r, &reg) })
}

func (s *Server) regionUpdate(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.regionOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "region_form", "flash.saved", func() (*web.View, error) { return s.regionFormView(w, r, &reg) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := regionInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			out, err := s.org.UpdateRegion(r.Context(), web.Principal(r), reg.ID, in)
			return regionListURL(out.ParentID), err
		})
}

func (s *Server) regionDelete(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.regionOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Remove(w, r, "region_form", regionListURL(reg.ParentID), func() (*web.View, error) { return s.regionFormView(w, r, &reg) },
		func() error { return s.org.DeleteRegion(r.Context(), web.Principal(r), reg.ID) })
}

// ---- API ----

func (s *Server) apiRegionList(w http.ResponseWriter, r *http.Request) error {
	return web.ListJSON(w, r, regionFilterOf, s.org.ListRegions)
}

func (s *Server) apiRegionGet(w http.ResponseWriter, r *http.Request) error {
	return web.GetJSON(w, r, s.regionOf)
}

func (s *Server) apiRegionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return web.SaveJSON(w, r, org.RegionInput{}, s.org.CreateRegion, func(reg org.Region) string { return "/api/v1/regions/" + web.OrgID(reg.ID) })
}

func (s *Server) apiRegionUpdate(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.regionOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	// Start from the stored values so fields left out keep them.
	in := org.RegionInput{ParentID: reg.ParentID, Level: reg.Level, Code: reg.Code, Name: reg.Name, NameEN: reg.NameEN,
		Sort: reg.Sort, Lat: reg.Lat, Lng: reg.Lng}
	return web.SaveJSON(w, r, in, func(ctx context.Context, p *auth.Principal, in org.RegionInput) (org.Region, error) {
		return s.org.UpdateRegion(ctx, p, reg.ID, in)
	}, nil)
}

func (s *Server) apiRegionDelete(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.regionOf(r)
	if err != nil {
		return err
	}
	return web.DeleteJSON(w, r, func(ctx context.Context, p *auth.Principal) error { return s.org.DeleteRegion(ctx, p, reg.ID) })
}
