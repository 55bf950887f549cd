package inspectionweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) siteRoutes() {
	s.Page("GET /inspection/sites", s.siteList)
	s.Page("GET /inspection/sites/new", s.siteNew)
	s.Page("POST /inspection/sites", s.siteCreate)
	s.Page("GET /inspection/sites/{id}", s.siteShow)
	s.Page("POST /inspection/sites/{id}", s.siteUpdate)
	s.Page("POST /inspection/sites/{id}/delete", s.siteDelete)
}

type siteListData struct {
	Rows      []inspection.Site
	Pager     web.Pager
	Types     []web.Option
	Regions   []web.Choice
	Groups    []web.Option
	CanManage bool
}

// siteFilterOf reads the list's filters (and the API's).
func siteFilterOf(r *http.Request) (inspection.SiteFilter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := inspection.SiteFilter{SiteTypeID: web.FormInt64(&fe, q, "type"), RegionID: web.FormInt64(&fe, q, "region"),
		UnitID: web.FormInt64(&fe, q, "unit"), GroupID: web.FormInt64(&fe, q, "group"), Q: lq.Q, Page: lq.Page, Size: lq.Size}
	return f, lq, fe.Err()
}

func (s *Server) typeChoices(r *http.Request, v *web.View) ([]web.Option, error) {
	types, err := s.insp.ListSiteTypes(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, 0, len(types))
	for _, t := range types {
		out = append(out, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: v.Name(t.Name, t.NameEN)})
	}
	return out, nil
}

func (s *Server) groupChoices(r *http.Request, v *web.View, units []org.Option) []web.Option {
	var out []web.Option
	for _, u := range units {
		if u.Kind == string(org.KindSupervisionGroup) {
			out = append(out, web.Option{Value: strconv.FormatInt(u.ID, 10), Label: v.Name(u.Name, u.NameEN)})
		}
	}
	return out
}

func (s *Server) siteList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	ctx := r.Context()
	v := s.View(w, r, "inspweb.sites.title")
	v.Form = r.URL.Query()
	types, err := s.typeChoices(r, v)
	if err != nil {
		return err
	}
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return err
	}
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return err
	}
	d := &siteListData{Types: types, Regions: web.TreeChoices(v, regions), Groups: s.groupChoices(r, v, units), CanManage: canManage(r)}
	v.Data = d
	f, lq, err := siteFilterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "insp_site_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.siteExport(w, r, f)
	}
	rows, total, err := s.insp.ListSites(ctx, p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "insp_site_list", v)
	return nil
}

func (s *Server) siteExport(w http.ResponseWriter, r *http.Request, f inspection.SiteFilter) error {
	f.Page, f.Size = 1, inspection.AllRows
	rows, _, err := s.insp.ListSites(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	t := func(k string) string { return i18n.T(l, k) }
	cols := []export.Column{{Header: t("inspweb.field.code"), Width: 10}, {Header: t("inspweb.field.name"), Width: 28},
		{Header: t("inspweb.field.site_type"), Width: 16}, {Header: t("inspweb.field.shape"), Width: 10},
		{Header: t("inspweb.field.region"), Width: 16}, {Header: t("inspweb.field.unit"), Width: 24},
		{Header: t("inspweb.field.group"), Width: 14}, {Header: t("inspweb.field.address"), Width: 30},
		{Header: t("inspweb.field.lat"), Width: 12}, {Header: t("inspweb.field.lng"), Width: 12}, {Header: t("inspweb.field.active"), Width: 8}}
	out := make([][]any, 0, len(rows))
	for _, x := range rows {
		var lat, lng any = "", ""
		if x.Lat != nil {
			lat, lng = *x.Lat, *x.Lng
		}
		n := func(zh, en string) string { return web.LocalName(l, zh, en) }
		out = append(out, []any{x.Code, n(x.Name, x.NameEN), n(x.SiteTypeName, x.SiteTypeEN), t(x.Shape.Key()), n(x.RegionName, x.RegionEN),
			n(x.UnitName, x.UnitEN), n(x.GroupName, x.GroupEN), n(x.Address, x.AddressEN), lat, lng, web.YesNo(l, x.Active)})
	}
	return export.ServeXLSX(w, t("inspweb.sites.title"), s.Now(), cols, out)
}

type siteFormData struct {
	Site      *inspection.Site
	Types     []web.Option
	Shapes    []web.Option
	Regions   []web.Choice
	Units     []web.Choice
	CanManage bool
}

func floatText(x *float64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatFloat(*x, 'f', -1, 64)
}

func (s *Server) siteView(w http.ResponseWriter, r *http.Request, x *inspection.Site) (*web.View, error) {
	p := web.Principal(r)
	ctx := r.Context()
	title := "inspweb.sites.new"
	if x != nil {
		title = "inspweb.sites.show"
	}
	v := s.View(w, r, title)
	types, err := s.typeChoices(r, v)
	if err != nil {
		return nil, err
	}
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	d := &siteFormData{Site: x, Types: types, Regions: web.TreeChoices(v, regions), Units: web.TreeChoices(v, units), CanManage: canManage(r),
		Shapes: choicesOf(v, []inspection.Shape{inspection.ShapePoint, inspection.ShapeLine}, func(s inspection.Shape) string { return string(s) })}
	if x != nil {
		v.Title += " · " + v.Name(x.Name, x.NameEN)
		v.Form = url.Values{"code": {x.Code}, "name": {x.Name}, "site_type_id": {web.I64s(x.SiteTypeID)}, "shape": {string(x.Shape)},
			"lat": {floatText(x.Lat)}, "lng": {floatText(x.Lng)}, "line": {x.Line}, "address": {x.Address}, "name_en": {x.NameEN}, "address_en": {x.AddressEN},
			"region_id": {web.I64s(x.RegionID)}, "unit_id": {web.I64s(x.UnitID)}}
		if x.Active {
			v.Form.Set("active", "1")
		}
	} else {
		v.Form = url.Values{"shape": {string(inspection.ShapePoint)}, "active": {"1"}}
	}
	v.Data = d
	return v, nil
}

func siteInputOf(vals url.Values, fe *errs.Fields) inspection.SiteInput {
	in := inspection.SiteInput{Code: vals.Get("code"), Name: vals.Get("name"), SiteTypeID: web.FormInt64(fe, vals, "site_type_id"),
		Shape: inspection.Shape(vals.Get("shape")), Line: vals.Get("line"), Address: vals.Get("address"), NameEN: vals.Get("name_en"), AddressEN: vals.Get("address_en"),
		RegionID: web.FormInt64(fe, vals, "region_id"), UnitID: web.FormInt64(fe, vals, "unit_id"), Active: web.FormBool(vals, "active")}
	if in.Shape == inspection.ShapePoint {
		in.Lat, in.Lng = web.FormFloat(fe, vals, "lat"), web.FormFloat(fe, vals, "lng")
	}
	return in
}

func (s *Server) siteOf(r *http.Request) (inspection.Site, error) {
	id, err := web.PathID(r, "id", "inspection.entity.site")
	if err != nil {
		return inspection.Site{}, err
	}
	return s.insp.GetSite(r.Context(), web.Principal(r), id)
}

func (s *Server) siteNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "insp_site_form", func() (*web.View, error) { return s.siteView(w, r, nil) })
}

func (s *Server) siteCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_site_form", "flash.created", func() (*web.View, error) { return s.siteView(w, r, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := siteInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			x, err := s.insp.SaveSite(r.Context(), web.Principal(r), 0, in)
			return "/inspection/sites/" + strconv.FormatInt(x.ID, 10), err
		})
}

func (s *Server) siteShow(w http.ResponseWriter, r *http.Request) error {
	x, err := s.siteOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_site_form", func() (*web.View, error) { return s.siteView(w, r, &x) })
}

func (s *Server) siteUpdate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.siteOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_site_form", "flash.saved", func() (*web.View, error) { return s.siteView(w, r, &x) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := siteInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.insp.SaveSite(r.Context(), web.Principal(r), x.ID, in)
			return "/inspection/sites/" + strconv.FormatInt(x.ID, 10), err
		})
}

func (s *Server) siteDelete(w http.ResponseWriter, r *http.Request) error {
	x, err := s.siteOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Remove(w, r, "insp_site_form", "/inspection/sites", func() (*web.View, error) { return s.siteView(w, r, &x) },
		func() error { return s.insp.DeleteSite(r.Context(), web.Principal(r), x.ID) })
}
