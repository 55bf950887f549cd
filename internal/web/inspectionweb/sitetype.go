package inspectionweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) siteTypeRoutes() {
	s.Page("GET /inspection/site-types", s.siteTypeList)
	s.Page("GET /inspection/site-types/new", s.siteTypeNew)
	s.Page("POST /inspection/site-types", s.siteTypeCreate)
	s.Page("GET /inspection/site-types/{id}", s.siteTypeShow)
	s.Page("POST /inspection/site-types/{id}", s.siteTypeUpdate)
	s.Page("POST /inspection/site-types/{id}/delete", s.siteTypeDelete)
	s.Page("GET /inspection/site-types/{id}/items/new", s.itemNew)
	s.Page("POST /inspection/site-types/{id}/items", s.itemCreate)
	s.Page("GET /inspection/site-types/{id}/items/{item}/edit", s.itemEdit)
	s.Page("POST /inspection/site-types/{id}/items/{item}", s.itemUpdate)
	s.Page("POST /inspection/site-types/{id}/items/{item}/delete", s.itemDelete)
}

type siteTypeListData struct {
	Rows      []inspection.SiteType
	CanManage bool
}

func (s *Server) siteTypeList(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_site_type_list", func() (*web.View, error) {
		rows, err := s.insp.ListSiteTypes(r.Context(), web.Principal(r))
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "inspweb.site_types.title")
		v.Data = &siteTypeListData{Rows: rows, CanManage: canManage(r)}
		return v, nil
	})
}

type siteTypeData struct {
	Type      *inspection.SiteType
	Items     []inspection.CheckItem
	CanManage bool
}

func (s *Server) siteTypeView(w http.ResponseWriter, r *http.Request, t *inspection.SiteType) (*web.View, error) {
	title := "inspweb.site_types.new"
	d := &siteTypeData{Type: t, CanManage: canManage(r)}
	v := s.View(w, r, title)
	if t != nil {
		v.Title = v.T("inspweb.site_types.show") + " · " + v.Name(t.Name, t.NameEN)
		items, err := s.insp.CheckItems(r.Context(), web.Principal(r), t.ID)
		if err != nil {
			return nil, err
		}
		d.Items = items
		v.Form = url.Values{"code": {t.Code}, "name": {t.Name}, "name_en": {t.NameEN}, "sort": {strconv.Itoa(t.Sort)}}
		if t.Active {
			v.Form.Set("active", "1")
		}
	} else {
		v.Form = url.Values{"active": {"1"}, "sort": {"0"}}
	}
	v.Data = d
	return v, nil
}

func siteTypeInputOf(vals url.Values, fe *errs.Fields) inspection.SiteTypeInput {
	return inspection.SiteTypeInput{Code: vals.Get("code"), Name: vals.Get("name"), NameEN: vals.Get("name_en"),
		Active: web.FormBool(vals, "active"), Sort: formInt(fe, vals, "sort")}
}

func (s *Server) siteTypeOf(r *http.Request) (inspection.SiteType, error) {
	id, err := web.PathID(r, "id", "inspection.entity.site_type")
	if err != nil {
		return inspection.SiteType{}, err
	}
	return s.insp.GetSiteType(r.Context(), web.Principal(r), id)
}

func (s *Server) siteTypeNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "insp_site_type_form", func() (*web.View, error) { return s.siteTypeView(w, r, nil) })
}

func (s *Server) siteTypeCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_site_type_form", "flash.created", func() (*web.View, error) { return s.siteTypeView(w, r, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := siteTypeInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			t, err := s.insp.SaveSiteType(r.Context(), web.Principal(r), 0, in)
			return "/inspection/site-types/" + strconv.FormatInt(t.ID, 10), err
		})
}

func (s *Server) siteTypeShow(w http.ResponseWriter, r *http.Request) error {
	t, err := s.siteTypeOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_site_type_form", func() (*web.View, error) { return s.siteTypeView(w, r, &t) })
}

func (s *Server) siteTypeUpdate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.siteTypeOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_site_type_form", "flash.saved", func() (*web.View, error) { return s.siteTypeView(w, r, &t) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := siteTypeInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.insp.SaveSiteType(r.Context(), web.Principal(r), t.ID, in)
			return "/inspection/site-types/" + strconv.FormatInt(t.ID, 10), err
		})
}

func (s *Server) siteTypeDelete(w http.ResponseWriter, r *http.Request) error {
	t, err := s.siteTypeOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Remove(w, r, "insp_site_type_form", "/inspection/site-types", func() (*web.View, error) { return s.siteTypeView(w, r, &t) },
		func() error { return s.insp.DeleteSiteType(r.Context(), web.Principal(r), t.ID) })
}

// ---- check items ----

type itemFormData struct {
	Type       inspection.SiteType
	Item       *inspection.CheckItem
	Indicators []web.Option
	Severities []web.Option
}

func (s *Server) itemView(w http.ResponseWriter, r *http.Request, t inspection.SiteType, c *inspection.CheckItem) (*web.View, error) {
	inds, err := s.insp.ActiveIndicators(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	title := "inspweb.item.new"
	if c != nil {
		title = "inspweb.item.edit"
	}
	v := s.View(w, r, title)
	d := &itemFormData{Type: t, Item: c, Severities: choicesOf(v, inspection.Severities, func(x inspection.Severity) string { return string(x) })}
	for _, n := range inds {
		d.Indicators = append(d.Indicators, web.Option{Value: n.Code, Label: web.Indent(n.Depth-2) + n.Code + " " + v.Name(n.Name, n.NameEN)})
	}
	if c != nil {
		v.Form = url.Values{"indicator_code": {c.IndicatorCode}, "title": {c.Title}, "rule": {c.Rule}, "title_en": {c.TitleEN}, "rule_en": {c.RuleEN}, "points": {c.Points.String()},
			"deduct": {c.Deduct.String()}, "cap": {c.Cap.String()}, "severity": {string(c.Severity)}, "sort": {strconv.Itoa(c.Sort)}}
		if c.AllowNA {
			v.Form.Set("allow_na", "1")
		}
		if c.IndicatorName == "" {
			d.Indicators = append([]web.Option{{Value: c.IndicatorCode, Label: c.IndicatorCode}}, d.Indicators...)
		}
	} else {
		v.Form = url.Values{"severity": {string(inspection.SeverityNormal)}, "sort": {strconv.Itoa(t.Items + 1)}}
	}
	v.Data = d
	return v, nil
}

func itemInputOf(vals url.Values, fe *errs.Fields) inspection.CheckItemInput {
	return inspection.CheckItemInput{IndicatorCode: vals.Get("indicator_code"), Title: vals.Get("title"), Rule: vals.Get("rule"),
		TitleEN: vals.Get("title_en"), RuleEN: vals.Get("rule_en"),
		Points: formPoints(fe, vals, "points"), Deduct: formPoints(fe, vals, "deduct"), Cap: formPoints(fe, vals, "cap"),
		Severity: inspection.Severity(vals.Get("severity")), AllowNA: web.FormBool(vals, "allow_na"), Sort: formInt(fe, vals, "sort")}
}

func (s *Server) itemOf(r *http.Request) (inspection.SiteType, inspection.CheckItem, error) {
	t, err := s.siteTypeOf(r)
	if err != nil {
		return t, inspection.CheckItem{}, err
	}
	id, err := web.PathID(r, "item", "inspection.entity.check_item")
	if err != nil {
		return t, inspection.CheckItem{}, err
	}
	c, err := s.insp.GetCheckItem(r.Context(), web.Principal(r), t.ID, id)
	return t, c, err
}

func (s *Server) itemNew(w http.ResponseWriter, r *http.Request) error {
	t, err := s.siteTypeOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "insp_item_form", func() (*web.View, error) { return s.itemView(w, r, t, nil) })
}

func (s *Server) itemCreate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.siteTypeOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_item_form", "flash.created", func() (*web.View, error) { return s.itemView(w, r, t, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := itemInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.insp.SaveCheckItem(r.Context(), web.Principal(r), t.ID, 0, in)
			return "/inspection/site-types/" + strconv.FormatInt(t.ID, 10), err
		})
}

func (s *Server) itemEdit(w http.ResponseWriter, r *http.Request) error {
	t, c, err := s.itemOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_item_form", func() (*web.View, error) { return s.itemView(w, r, t, &c) })
}

func (s *Server) itemUpdate(w http.ResponseWriter, r *http.Request) error {
	t, c, err := s.itemOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_item_form", "flash.saved", func() (*web.View, error) { return s.itemView(w, r, t, &c) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := itemInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.insp.SaveCheckItem(r.Context(), web.Principal(r), t.ID, c.ID, in)
			return "/inspection/site-types/" + strconv.FormatInt(t.ID, 10), err
		})
}

func (s *Server) itemDelete(w http.ResponseWriter, r *http.Request) error {
	t, c, err := s.itemOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Remove(w, r, "insp_item_form", "/inspection/site-types/"+strconv.FormatInt(t.ID, 10),
		func() (*web.View, error) { return s.itemView(w, r, t, &c) },
		func() error { return s.insp.DeleteCheckItem(r.Context(), web.Principal(r), t.ID, c.ID) })
}
