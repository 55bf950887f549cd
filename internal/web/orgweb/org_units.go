package orgweb

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
)

type unitListData struct {
	Rows      []org.Unit
	Pager     web.Pager
	Kinds     []web.Option
	Regions   []web.Option
	CanManage bool
}

type unitFormData struct {
	Unit      *org.Unit // nil on create
	Parents   []web.Option
	Regions   []web.Option
	Kinds     []web.Option
	CanManage bool
	// A supervision group's areas (org_areas.go).
	IsGroup      bool
	Areas        []org.Area
	AreaChoices  []web.Option
	AreaSelected map[string]bool
}

func orgKindChoices(l i18n.Lang) []web.Option {
	out := make([]web.Option, 0, len(org.UnitKinds))
	for _, k := range org.UnitKinds {
		out = append(out, web.Option{Value: string(k), Label: i18n.T(l, k.Key())})
	}
	return out
}

// unitFilterOf reads the filters of the unit list and the API.
func unitFilterOf(r *http.Request) (org.UnitFilter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := org.UnitFilter{
		Kind: org.UnitKind(strings.TrimSpace(q.Get("kind"))), RegionID: orgFilterID(&fe, q, "region"),
		ParentID: orgOptionalID(&fe, q, "parent"), Active: orgQueryActive(&fe, q, "active"),
		Q: lq.Q, Page: lq.Page, Size: lq.Size,
	}
	if f.Kind != "" && !f.Kind.Valid() {
		fe.Add("kind", "field.bad_choice")
	}
	return f, lq, fe.Err()
}

func (s *Server) unitList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return err
	}
	ctx := r.Context()
	v := s.View(w, r, "units.title")
	v.Form = r.URL.Query()
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return err
	}
	d := &unitListData{Kinds: orgKindChoices(v.Lang), Regions: orgTreeChoices(v.Lang, regions), CanManage: web.CanManageOrg(p)}
	v.Data = d
	f, lq, err := unitFilterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "unit_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.unitExport(w, r, f)
	}
	rows, total, err := s.org.ListUnits(ctx, p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "unit_list", v)
	return nil
}

// unitExport answers with every matching unit as a workbook.
func (s *Server) unitExport(w http.ResponseWriter, r *http.Request, f org.UnitFilter) error {
	p := web.Principal(r)
	f.Page, f.Size = 1, org.AllRows
	rows, _, err := s.org.ListUnits(r.Context(), p, f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	cols := []export.Column{
		{Header: i18n.T(l, "org.field.code"), Width: 14},
		{Header: i18n.T(l, "org.field.name"), Width: 24},
		{Header: i18n.T(l, "org.field.name_en"), Width: 30},
		{Header: i18n.T(l, "org.field.kind"), Width: 16},
		{Header: i18n.T(l, "org.field.region_id"), Width: 16},
		{Header: i18n.T(l, "org.field.parent_id"), Width: 24},
		{Header: i18n.T(l, "org.field.contact_name"), Width: 12},
		{Header: i18n.T(l, "org.field.contact_phone"), Width: 16},
		{Header: i18n.T(l, "org.field.active"), Width: 8},
		{Header: i18n.T(l, "org.field.sort"), Width: 8},
	}
	out := make([][]any, 0, len(rows))
	for _, u := range rows {
		out = append(out, []any{u.Code, u.Name, u.NameEN, i18n.T(l, u.Kind.Key()), u.RegionName, u.ParentName,
			u.ContactName, orgUnitPhone(p, u.ContactPhone), web.YesNo(l, u.Active), u.Sort})
	}
	return export.ServeXLSX(w, i18n.T(l, "nav.units"), s.Now(), cols, out)
}

// unitFormView prepares the unit form; u is nil on create.
func (s *Server) unitFormView(w http.ResponseWriter, r *http.Request, u *org.Unit) (*web.View, error) {
	p := web.Principal(r)
	title := "units.new"
	if u != nil {
		title = "units.edit"
		if !web.CanManageOrg(p) {
			title = "units.view"
		}
	}
	v := s.View(w, r, title)
	ctx := r.Context()
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	d := &unitFormData{Unit: u, Kinds: orgKindChoices(v.Lang), CanManage: web.CanManageOrg(p)}
	skip := map[int64]bool{}
	haveParent, haveRegion := false, false
	for _, o := range units {
		if u != nil && (o.ID == u.ID || skip[o.ParentID]) {
			skip[o.ID] = true
			continue
		}
		haveParent = haveParent || (u != nil && o.ID == u.ParentID)
		d.Parents = append(d.Parents, web.Option{Value: web.OrgID(o.ID), Label: orgTreeLabel(v.Lang, o)})
	}
	for _, o := range regions {
		haveRegion = haveRegion || (u != nil && o.ID == u.RegionID)
		d.Regions = append(d.Regions, web.Option{Value: web.OrgID(o.ID), Label: orgTreeLabel(v.Lang, o)})
	}
	if u != nil {
		// An unchanged parent or region may lie outside the editor's scope; keep them choosable.
		if u.ParentID != 0 && !haveParent {
			d.Parents = append([]web.Option{{Value: web.OrgID(u.ParentID), Label: u.ParentName}}, d.Parents...)
		}
		if !haveRegion {
			d.Regions = append([]web.Option{{Value: web.OrgID(u.RegionID), Label: u.RegionName}}, d.Regions...)
		}
		v.Form = unitValues(*u)
		if err := s.unitAreasView(r, v, d); err != nil {
			return nil, err
		}
	} else {
		v.Form = url.Values{"sort": {"0"}, "active": {"1"}}
		q := r.URL.Query()
		for _, k := range []string{"parent_id", "region_id", "kind"} {
			if x := q.Get(k); x != "" {
				v.Form.Set(k, x)
			}
		}
	}
	v.Data = d
	return v, nil
}

func unitValues(u org.Unit) url.Values {
	v := url.Values{}
	if u.ParentID != 0 {
		v.Set("parent_id", web.OrgID(u.ParentID))
	}
	v.Set("kind", string(u.Kind))
	v.Set("code", u.Code)
	v.Set("name", u.Name)
	v.Set("name_en", u.NameEN)
	v.Set("region_id", web.OrgID(u.RegionID))
	v.Set("contact_name", u.ContactName)
	v.Set("contact_phone", u.ContactPhone)
	if u.Active {
		v.Set("active", "1")
	}
	v.Set("sort", strconv.Itoa(u.Sort))
	return v
}

func unitInputOf(vals url.Values, fe *errs.Fields) org.UnitInput {
	return org.UnitInput{
		ParentID:     web.FormInt64(fe, vals, "parent_id"),
		Kind:         org.UnitKind(vals.Get("kind")),
		Code:         vals.Get("code"),
		Name:         vals.Get("name"),
		NameEN:       vals.Get("name_en"),
		RegionID:     web.FormInt64(fe, vals, "region_id"),
		ContactName:  vals.Get("contact_name"),
		ContactPhone: vals.Get("contact_phone"),
		Active:       web.FormBool(vals, "active"),
		Sort:         int(web.FormInt64(fe, vals, "sort")),
	}
}

func (s *Server) unitNew(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "unit_form", func() (*web.View, error) { return s.unitFormView(w, r, nil) })
}

func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "unit_form", "flash.created", func() (*web.View, error) { return s.unitFormView(w, r, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := unitInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.org.CreateUnit(r.Context(), web.Principal(r), in)
			return "/units", err
		})
}

// unitOf loads the unit named by the path in the caller's scope.
func (s *Server) unitOf(r *http.Request) (org.Unit, error) {
	id, err := web.PathID(r, "id", "entity.unit")
	if err != nil {
		return org.Unit{}, err
	}
	return s.org.GetUnit(r.Context(), web.Principal(r), id)
}

func (s *Server) unitEdit(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "unit_form", func() (*web.View, error) { return s.unitFormView(w, r, &u) })
}

func (s *Server) unitUpdate(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "unit_form", "flash.saved", func() (*web.View, error) { return s.unitFormView(w, r, &u) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := unitInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.org.UpdateUnit(r.Context(), web.Principal(r), u.ID, in)
			return "/units", err
		})
}

func (s *Server) unitDelete(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Remove(w, r, "unit_form", "/units", func() (*web.View, error) { return s.unitFormView(w, r, &u) },
		func() error { return s.org.DeleteUnit(r.Context(), web.Principal(r), u.ID) })
}

// ---- API ----

// unitJSON is a unit as the caller may read it (see orgUnitPhone).
func unitJSON(p *auth.Principal, u org.Unit) org.Unit {
	u.ContactPhone = orgUnitPhone(p, u.ContactPhone)
	return u
}

func (s *Server) apiUnitList(w http.ResponseWriter, r *http.Request) error {
	return web.ListJSON(w, r, unitFilterOf, func(ctx context.Context, p *auth.Principal, f org.UnitFilter) ([]org.Unit, int, error) {
		rows, total, err := s.org.ListUnits(ctx, p, f)
		for i := range rows {
			rows[i] = unitJSON(p, rows[i])
		}
		return rows, total, err
	})
}

func (s *Server) apiUnitGet(w http.ResponseWriter, r *http.Request) error {
	return web.GetJSON(w, r, func(r *http.Request) (org.Unit, error) {
		u, err := s.unitOf(r)
		return unitJSON(web.Principal(r), u), err
	})
}

func (s *Server) apiUnitCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	// A new unit is active unless the body says otherwise.
	return web.SaveJSON(w, r, org.UnitInput{Active: true}, func(ctx context.Context, p *auth.Principal, in org.UnitInput) (org.Unit, error) {
		u, err := s.org.CreateUnit(ctx, p, in)
		return unitJSON(p, u), err
	}, func(u org.Unit) string { return "/api/v1/units/" + web.OrgID(u.ID) })
}

func (s *Server) apiUnitUpdate(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	// Start from the stored values so fields left out keep them.
	in := org.UnitInput{ParentID: u.ParentID, Kind: u.Kind, Code: u.Code, Name: u.Name, NameEN: u.NameEN, RegionID: u.RegionID,
		ContactName: u.ContactName, ContactPhone: u.ContactPhone, Active: u.Active, Sort: u.Sort}
	return web.SaveJSON(w, r, in, func(ctx context.Context, p *auth.Principal, in org.UnitInput) (org.Unit, error) {
		out, err := s.org.UpdateUnit(ctx, p, u.ID, in)
		return unitJSON(p, out), err
	}, nil)
}

func (s *Server) apiUnitDelete(w http.ResponseWriter, r *http.Request) error {
	u, err := s.unitOf(r)
	if err != nil {
		return err
	}
	return web.DeleteJSON(w, r, func(ctx context.Context, p *auth.Principal) error { return s.org.DeleteUnit(ctx, p, u.ID) })
}
