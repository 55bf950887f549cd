package orgweb

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
)

type pairingListData struct {
	Rows      []org.Pairing
	Pager     web.Pager
	Units     []web.Option
	Regions   []web.Option
	CanManage bool
}

type pairingFormData struct {
	Pairing     *org.Pairing // nil on create
	Units       []web.Option
	Communities []web.Option
	CanManage   bool
}

// pairingFilterOf reads the filters of the pairing list and the API.
func pairingFilterOf(r *http.Request) (org.PairingFilter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := org.PairingFilter{UnitID: orgFilterID(&fe, q, "unit"), RegionID: orgFilterID(&fe, q, "region"),
		Q: lq.Q, Page: lq.Page, Size: lq.Size}
	return f, lq, fe.Err()
}

func (s *Server) pairingList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return err
	}
	ctx := r.Context()
	v := s.View(w, r, "pairings.title")
	v.Form = r.URL.Query()
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return err
	}
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return err
	}
	d := &pairingListData{Units: orgTreeChoices(v.Lang, units), Regions: orgTreeChoices(v.Lang, regions), CanManage: web.CanManageOrg(p)}
	v.Data = d
	f, lq, err := pairingFilterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "pairing_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.pairingExport(w, r, f)
	}
	rows, total, err := s.org.ListPairings(ctx, p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "pairing_list", v)
	return nil
}

// pairingExport answers with every matching pairing as a workbook.
func (s *Server) pairingExport(w http.ResponseWriter, r *http.Request, f org.PairingFilter) error {
	f.Page, f.Size = 1, org.AllRows
	rows, _, err := s.org.ListPairings(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	cols := []export.Column{
		{Header: i18n.T(l, "pairings.col.unit_code"), Width: 14},
		{Header: i18n.T(l, "org.field.unit_id"), Width: 24},
		{Header: i18n.T(l, "pairings.col.community_code"), Width: 18},
		{Header: i18n.T(l, "org.field.community"), Width: 18},
		{Header: i18n.T(l, "org.field.started_on"), Width: 12},
		{Header: i18n.T(l, "org.field.note"), Width: 40},
		{Header: i18n.T(l, "pairings.col.created"), Width: 18},
	}
	out := make([][]any, 0, len(rows))
	for _, x := range rows {
		out = append(out, []any{x.UnitCode, x.UnitName, x.RegionCode, x.RegionName, x.StartedOn, x.Note, x.CreatedAt})
	}
	return export.ServeXLSX(w, i18n.T(l, "nav.pairings"), s.Now(), cols, out)
}

// pairingFormView prepares the pairing form; x is nil on create (the unit
// and the community are chosen only then).
func (s *Server) pairingFormView(w http.ResponseWriter, r *http.Request, x *org.Pairing) (*web.View, error) {
	p := web.Principal(r)
	title := "pairings.new"
	if x != nil {
		title = "pairings.edit"
		if !web.CanManageOrg(p) {
			title = "pairings.view"
		}
	}
	v := s.View(w, r, title)
	d := &pairingFormData{Pairing: x, CanManage: web.CanManageOrg(p)}
	if x == nil {
		ctx := r.Context()
		units, err := s.org.UnitOptions(ctx, p)
		if err != nil {
			return nil, err
		}
		regions, err := s.org.RegionOptions(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, o := range units {
			if o.Active {
				d.Units = append(d.Units, web.Option{Value: web.OrgID(o.ID), Label: orgTreeLabel(v.Lang, o)})
			}
		}
		// Only communities can be paired; each is labelled with its street.
		names := make(map[int64]string, len(regions))
		for _, o := range regions {
			names[o.ID] = v.Name(o.Name, o.NameEN)
		}
		for _, o := range regions {
			if org.Level(o.Kind) != org.LevelCommunity {
				continue
			}
			label := v.Name(o.Name, o.NameEN) + " (" + o.Code + ")"
			if street, ok := names[o.ParentID]; ok {
				label = street + " · " + label
			}
			d.Communities = append(d.Communities, web.Option{Value: web.OrgID(o.ID), Label: label})
		}
		v.Form = url.Values{}
		q := r.URL.Query()
		for _, k := range []string{"unit_id", "region_id"} {
			if val := q.Get(k); val != "" {
				v.Form.Set(k, val)
			}
		}
	} else {
		v.Form = url.Values{"started_on": {x.StartedOn}, "note": {x.Note}}
	}
	v.Data = d
	return v, nil
}

func (s *Server) pairingNew(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "pairing_form", func() (*web.View, error) { return s.pairingFormView(w, r, nil) })
}

func (s *Server) pairingCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "pairing_form", "flash.created", func() (*web.View, error) { return s.pairingFormView(w, r, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := org.PairingInput{UnitID: web.FormInt64(fe, vals, "unit_id"), RegionID: web.FormInt64(fe, vals, "region_id"),
				StartedOn: vals.Get("started_on"), Note: vals.Get("note")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.org.CreatePairing(r.Context(), web.Principal(r), in)
			return "/pairings", err
		})
}

// pairingOf loads the pairing named by the path in the caller's scope.
func (s *Server) pairingOf(r *http.Request) (org.Pairing, error) {
	id, err := web.PathID(r, "id", "entity.pairing")
	if err != nil {
		return org.Pairing{}, err
	}
	return s.org.GetPairing(r.Context(), web.Principal(r), id)
}

func (s *Server) pairingEdit(w http.ResponseWriter, r *http.Request) error {
	x, err := s.pairingOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "pairing_form", func() (*web.View, error) { return s.pairingFormView(w, r, &x) })
}

func (s *Server) pairingUpdate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.pairingOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "pairing_form", "flash.saved", func() (*web.View, error) { return s.pairingFormView(w, r, &x) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := org.PairingUpdate{StartedOn: vals.Get("started_on"), Note: vals.Get("note")}
			_, err := s.org.UpdatePairing(r.Context(), web.Principal(r), x.ID, in)
			return "/pairings", err
		})
}

func (s *Server) pairingDelete(w http.ResponseWriter, r *http.Request) error {
	x, err := s.pairingOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return s.Remove(w, r, "pairing_form", "/pairings", func() (*web.View, error) { return s.pairingFormView(w, r, &x) },
		func() error { return s.org.DeletePairing(r.Context(), web.Principal(r), x.ID) })
}

// ---- API ----

func (s *Server) apiPairingList(w http.ResponseWriter, r *http.Request) error {
	return web.ListJSON(w, r, pairingFilterOf, s.org.ListPairings)
}

func (s *Server) apiPairingGet(w http.ResponseWriter, r *http.Request) error {
	return web.GetJSON(w, r, s.pairingOf)
}

func (s *Server) apiPairingCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	return web.SaveJSON(w, r, org.PairingInput{}, s.org.CreatePairing, func(x org.Pairing) string { return "/api/v1/pairings/" + web.OrgID(x.ID) })
}

func (s *Server) apiPairingUpdate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.pairingOf(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	in := org.PairingUpdate{StartedOn: x.StartedOn, Note: x.Note}
	return web.SaveJSON(w, r, in, func(ctx context.Context, p *auth.Principal, in org.PairingUpdate) (org.Pairing, error) {
		return s.org.UpdatePairing(ctx, p, x.ID, in)
	}, nil)
}

func (s *Server) apiPairingDelete(w http.ResponseWriter, r *http.Request) error {
	x, err := s.pairingOf(r)
	if err != nil {
		return err
	}
	return web.DeleteJSON(w, r, func(ctx context.Context, p *auth.Principal) error { return s.org.DeletePairing(ctx, p, x.ID) })
}
