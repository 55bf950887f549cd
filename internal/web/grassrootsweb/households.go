package grassrootsweb

import (
	"context"
	"github.com/wenming-city/wenming/internal/clock"
	"net/http"
	"net/url"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/web"
)

type listData struct {
	Rows    []grassroots.Household
	Pager   web.Pager
	Regions []web.Choice
	Tags    []web.Option
	TagName map[string]string
}

type formData struct {
	Household *grassroots.Household
	Grids     []web.Choice
	TenHeads  []web.Option
	BldHeads  []web.Option
}

type showData struct {
	H         grassroots.Household
	People    []grassroots.Person
	Tags      []grassroots.Tag
	TagKinds  []web.Option
	TagName   map[string]string
	Relations []web.Option
	Genders   []web.Option
	Phone     string           // the household's phone once revealed
	Revealed  map[int64]string // a member's ID number or phone once revealed
	Today     string
}

func (s *Server) tagChoices(r *http.Request, l i18n.Lang) ([]web.Option, map[string]string, error) {
	kinds, err := s.gr.TagKinds(r.Context())
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	out := make([]web.Option, 0, len(kinds))
	for _, k := range kinds {
		n := k.Name
		if l == i18n.EN {
			n = k.NameEN
		}
		names[k.Code] = n
		out = append(out, web.Option{Value: k.Code, Label: n})
	}
	return out, names, nil
}

func listFilterOf(r *http.Request) (grassroots.HouseholdFilter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := grassroots.HouseholdFilter{RegionID: web.FormInt64(&fe, q, "region"), Tag: strings.TrimSpace(q.Get("tag")),
		HeadID: web.FormInt64(&fe, q, "head"), Q: lq.Q, Page: lq.Page, Size: lq.Size}
	return f, lq, fe.Err()
}

func (s *Server) householdList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermGridVisit); err != nil {
		return err
	}
	v := s.View(w, r, "gr.households.title")
	v.Form = r.URL.Query()
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return err
	}
	d := &listData{Regions: web.TreeChoices(v, opts)}
	if d.Tags, d.TagName, err = s.tagChoices(r, v.Lang); err != nil {
		return err
	}
	v.Data = d
	f, lq, err := listFilterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "gr_household_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.householdExport(w, r, f, d.TagName)
	}
	rows, total, err := s.gr.ListHouseholds(r.Context(), p, f)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			d.Pager = web.NewPager(r, lq, 0)
			return s.FormFailed(w, r, "gr_household_list", v, fieldErr("region", "field.bad_choice"))
		}
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "gr_household_list", v)
	return nil
}

func fieldErr(field, key string) error {
	var f errs.Fields
	f.Add(field, key)
	return f.Err()
}

// householdExport writes the list's households in the import's columns
// (ID numbers masked), so a sheet exported shows what an import expects.
func (s *Server) householdExport(w http.ResponseWriter, r *http.Request, f grassroots.HouseholdFilter, tagName map[string]string) error {
	f.Page, f.Size = 1, grassroots.AllRows
	rows, _, err := s.gr.ListHouseholds(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	cols := []export.Column{{Header: i18n.T(l, "gr.col.grid"), Width: 24}}
	for _, c := range grassroots.ImportColumns {
		if c == "id_number" || c == "tags_from" {
			continue
		}
		cols = append(cols, export.Column{Header: i18n.T(l, "gr.col."+c), Width: 16})
	}
	cols = append(cols, export.Column{Header: i18n.T(l, "gr.col.members"), Width: 8})
	out := make([][]any, 0, len(rows))
	codes, err := s.gridCodes(r)
	if err != nil {
		return err
	}
	for _, h := range rows {
		tags := make([]string, len(h.Tags))
		for i, t := range h.Tags {
			tags[i] = tagName[t]
		}
		out = append(out, []any{h.RegionName, codes[h.RegionID], h.Address, h.Building, h.Door, h.HeadName, h.Phone,
			strings.Join(tags, "、"), h.Note, h.Members})
	}
	return export.ServeXLSX(w, i18n.T(l, "gr.households.title"), s.Now(), cols, out)
}

func (s *Server) gridCodes(r *http.Request) (map[int64]string, error) {
	opts, err := s.org.RegionOptions(r.Context(), web.Principal(r))
	m := map[int64]string{}
	for _, o := range opts {
		m[o.ID] = o.Code
	}
	return m, err
}

func (s *Server) formView(w http.ResponseWriter, r *http.Request, h *grassroots.Household) (*web.View, error) {
	p := web.Principal(r)
	title := "gr.households.new"
	if h != nil {
		title = "gr.households.edit"
	}
	v := s.View(w, r, title)
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &formData{Household: h}
	for _, c := range web.TreeChoices(v, opts) {
		d.Grids = append(d.Grids, c)
	}
	d.Grids = gridsOnly(v, opts)
	heads, err := s.gr.Heads(r.Context(), p, 0)
	if err != nil {
		return nil, err
	}
	for _, x := range heads {
		o := web.Option{Value: web.I64s(x.ID), Label: x.Name + " · " + x.RegionName}
		if x.Kind == grassroots.HeadTen {
			d.TenHeads = append(d.TenHeads, o)
		} else {
			d.BldHeads = append(d.BldHeads, o)
		}
	}
	if h != nil {
		v.Form = url.Values{"region_id": {web.I64s(h.RegionID)}, "address": {h.Address}, "building": {h.Building}, "door": {h.Door},
			"head_name": {h.HeadName}, "note": {h.Note}}
		if h.TenHeadID != 0 {
			v.Form.Set("ten_head_id", web.I64s(h.TenHeadID))
		}
		if h.BuildingHeadID != 0 {
			v.Form.Set("building_head_id", web.I64s(h.BuildingHeadID))
		}
	} else {
		v.Form = url.Values{}
		if len(d.Grids) == 1 {
			v.Form.Set("region_id", d.Grids[0].Value)
		}
	}
	v.Data = d
	return v, nil
}

// gridsOnly lists the grids of the scope, labelled with their community.
func gridsOnly(v *web.View, opts []org.Option) []web.Choice {
	byID := map[int64]org.Option{}
	for _, o := range opts {
		byID[o.ID] = o
	}
	var out []web.Choice
	for _, o := range opts {
		if o.Kind != string(org.LevelGrid) {
			continue
		}
		label := v.Name(o.Name, o.NameEN)
		if c, ok := byID[o.ParentID]; ok {
			label = v.Name(c.Name, c.NameEN) + " · " + label
		}
		out = append(out, web.Choice{Value: web.I64s(o.ID), Label: label + " (" + o.Code + ")"})
	}
	return out
}

func inputOf(vals url.Values, fe *errs.Fields) grassroots.HouseholdInput {
	return grassroots.HouseholdInput{RegionID: web.FormInt64(fe, vals, "region_id"), Address: vals.Get("address"),
		Building: vals.Get("building"), Door: vals.Get("door"), HeadName: vals.Get("head_name"), Phone: vals.Get("phone"),
		TenHeadID: web.FormInt64(fe, vals, "ten_head_id"), BuildingHeadID: web.FormInt64(fe, vals, "building_head_id"), Note: vals.Get("note")}
}

func requireGrid(r *http.Request) error { return auth.Require(web.Principal(r), auth.PermGridVisit) }

func (s *Server) householdNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Show(w, r, "gr_household_form", func() (*web.View, error) { return s.formView(w, r, nil) })
}

func (s *Server) householdCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Submit(w, r, "gr_household_form", "flash.created", func() (*web.View, error) { return s.formView(w, r, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := inputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			h, err := s.gr.CreateHousehold(r.Context(), web.Principal(r), in)
			return "/grassroots/households/" + web.I64s(h.ID), err
		})
}

// householdOf loads the household named by the path in the caller's scope.
func (s *Server) householdOf(r *http.Request) (grassroots.Household, error) {
	id, err := web.PathID(r, "id", "entity.household")
	if err != nil {
		return grassroots.Household{}, err
	}
	return s.gr.GetHousehold(r.Context(), web.Principal(r), id)
}

func (s *Server) showView(w http.ResponseWriter, r *http.Request, h grassroots.Household) (*web.View, error) {
	v := s.View(w, r, "gr.households.view")
	d := &showData{H: h, Revealed: map[int64]string{}, Today: s.Now().In(clock.CST).Format("2006-01-02")}
	var err error
	if d.People, err = s.gr.People(r.Context(), web.Principal(r), h.ID); err != nil {
		return nil, err
	}
	if d.Tags, err = s.gr.Tags(r.Context(), web.Principal(r), h.ID); err != nil {
		return nil, err
	}
	if d.TagKinds, d.TagName, err = s.tagChoices(r, v.Lang); err != nil {
		return nil, err
	}
	for _, x := range grassroots.Relations {
		d.Relations = append(d.Relations, web.Option{Value: x, Label: v.T("grassroots.relation." + x)})
	}
	for _, x := range grassroots.Genders {
		d.Genders = append(d.Genders, web.Option{Value: x, Label: v.T("grassroots.gender." + x)})
	}
	v.Form = url.Values{"started_on": {d.Today}}
	v.Data = d
	return v, nil
}

func (s *Server) householdShow(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "gr_household", func() (*web.View, error) { return s.showView(w, r, h) })
}

func (s *Server) householdEdit(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "gr_household_form", func() (*web.View, error) { return s.formView(w, r, &h) })
}

func (s *Server) householdUpdate(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_household_form", "flash.saved", func() (*web.View, error) { return s.formView(w, r, &h) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := inputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.gr.UpdateHousehold(r.Context(), web.Principal(r), h.ID, in)
			return "/grassroots/households/" + web.I64s(h.ID), err
		})
}

func (s *Server) householdDelete(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	return s.Remove(w, r, "gr_household", "/grassroots/households", func() (*web.View, error) { return s.showView(w, r, h) },
		func() error { return s.gr.DeleteHousehold(r.Context(), web.Principal(r), h.ID) })
}

func (s *Server) householdPhone(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	phone, err := s.gr.HouseholdPhone(r.Context(), web.Principal(r), h.ID)
	if err != nil {
		return err
	}
	v, err := s.showView(w, r, h)
	if err != nil {
		return err
	}
	v.Data.(*showData).Phone = phone
	s.Render(w, r, http.StatusOK, "gr_household", v)
	return nil
}

func (s *Server) personAdd(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_household", "flash.created", func() (*web.View, error) { return s.showView(w, r, h) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.PersonInput{Name: vals.Get("name"), Relation: vals.Get("relation"), Gender: vals.Get("gender"),
				IDNumber: vals.Get("id_number"), Phone: vals.Get("phone")}
			_, err := s.gr.AddPerson(r.Context(), web.Principal(r), h.ID, in)
			return "/grassroots/households/" + web.I64s(h.ID), err
		})
}

func (s *Server) personID(r *http.Request) (int64, error) {
	return web.PathID(r, "pid", "entity.resident")
}

func (s *Server) personDelete(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	pid, err := s.personID(r)
	if err != nil {
		return err
	}
	return s.Remove(w, r, "gr_household", "/grassroots/households/"+web.I64s(h.ID), func() (*web.View, error) { return s.showView(w, r, h) },
		func() error { return s.gr.RemovePerson(r.Context(), web.Principal(r), h.ID, pid) })
}

func (s *Server) personReveal(w http.ResponseWriter, r *http.Request) error {
	return s.reveal(w, r, s.gr.RevealID)
}

func (s *Server) personPhone(w http.ResponseWriter, r *http.Request) error {
	return s.reveal(w, r, s.gr.RevealPhone)
}

func (s *Server) reveal(w http.ResponseWriter, r *http.Request, open func(ctx context.Context, p *auth.Principal, hid, pid int64) (string, error)) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	pid, err := s.personID(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	val, err := open(r.Context(), web.Principal(r), h.ID, pid)
	if err != nil {
		return s.Refused(w, r, "gr_household", func() (*web.View, error) { return s.showView(w, r, h) }, err)
	}
	v, err := s.showView(w, r, h)
	if err != nil {
		return err
	}
	v.Data.(*showData).Revealed[pid] = val
	s.Render(w, r, http.StatusOK, "gr_household", v)
	return nil
}

func (s *Server) tagAdd(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_household", "flash.created", func() (*web.View, error) { return s.showView(w, r, h) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.TagInput{PersonID: web.FormInt64(fe, vals, "person_id"), Tag: vals.Get("tag"),
				StartedOn: vals.Get("started_on"), EndedOn: vals.Get("ended_on")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.gr.AddTag(r.Context(), web.Principal(r), h.ID, in)
			return "/grassroots/households/" + web.I64s(h.ID), err
		})
}

func (s *Server) tagEnd(w http.ResponseWriter, r *http.Request) error {
	h, err := s.householdOf(r)
	if err != nil {
		return err
	}
	tid, err := web.PathID(r, "tid", "entity.household_tag")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_household", "flash.saved", func() (*web.View, error) { return s.showView(w, r, h) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			err := s.gr.EndTag(r.Context(), web.Principal(r), h.ID, tid, vals.Get("ended_on"))
			return "/grassroots/households/" + web.I64s(h.ID), err
		})
}
