package grassrootsweb

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

//go:embed visit.js
var visitJS []byte

type visitFormData struct {
	Households []web.Option
	Checks     []web.Option
	Categories []web.Option
	Cadres     []grassroots.Cadre    // the dispatched cadres a visit may name
	Household  *grassroots.Household // when the form was opened from a household
}

type visitListData struct {
	Rows  []grassroots.Visit
	Pager web.Pager
}

type visitShowData struct {
	V        grassroots.Visit
	Replayed bool
}

func (s *Server) visitRoutes() {
	s.Page("GET /grassroots/visits", s.visitList)
	s.Page("GET /grassroots/visits/new", s.visitNew)
	s.Page("POST /grassroots/visits", s.visitCreate)
	s.Page("GET /grassroots/visits/{id}", s.visitShow)
	s.Page("GET /grassroots/visits/{id}/photo", s.visitPhoto)
	s.Page("GET /grassroots/visit.js", s.visitScript)
}

func (s *Server) visitScript(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, err := w.Write(visitJS)
	return err
}

func (s *Server) visitFormView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "gr.visits.new")
	d := &visitFormData{}
	hs, _, err := s.gr.ListHouseholds(r.Context(), p, grassroots.HouseholdFilter{Size: grassroots.MaxPageSize})
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		d.Households = append(d.Households, web.Option{Value: web.I64s(h.ID), Label: strings.TrimSpace(h.Address + " " + h.Building + " " + h.Door + " · " + h.HeadName)})
	}
	for _, c := range grassroots.Checks {
		d.Checks = append(d.Checks, web.Option{Value: c, Label: v.T("gr.check." + c)})
	}
	cats, err := s.gr.Orders.Categories(r.Context(), workorder.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		if c.Pickable(false) {
			d.Categories = append(d.Categories, web.Option{Value: web.I64s(c.ID), Label: v.Name(c.Name, c.NameEN)})
		}
	}
	if d.Cadres, err = s.gr.VisitCadres(r.Context(), p); err != nil {
		return nil, err
	}
	v.Form = url.Values{"visitors": {p.DisplayName}, "visited_at": {s.Now().In(clock.CST).Format("2006-01-02T15:04")},
		"key": {newKey()}}
	if id, err := strconv.ParseInt(r.URL.Query().Get("household"), 10, 64); err == nil && id > 0 {
		h, err := s.gr.GetHousehold(r.Context(), p, id)
		if err != nil {
			return nil, err // another grid's household is not found
		}
		d.Household = &h
		v.Form.Set("household_id", web.I64s(h.ID))
		v.Form.Set("people_reached", strconv.Itoa(h.Members))
	}
	v.Data = d
	return v, nil
}

func (s *Server) visitNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Show(w, r, "gr_visit_form", func() (*web.View, error) { return s.visitFormView(w, r) })
}

// visitInputOf reads the visit form (fields errors in fe) and its photo.
func visitInputOf(r *http.Request, fe *errs.Fields) grassroots.VisitInput {
	vals := r.PostForm
	in := grassroots.VisitInput{HouseholdID: web.FormInt64(fe, vals, "household_id"), Visitors: vals.Get("visitors"),
		Checks: vals["checks"], Findings: vals.Get("findings"), Needs: vals.Get("needs"), Key: vals.Get("key"),
		Lat: web.FormFloat(fe, vals, "lat"), Lng: web.FormFloat(fe, vals, "lng")}
	in.CadreIDs = formIDs(fe, vals, "cadre_ids")
	if web.FormBool(vals, "file_order") || in.Needs != "" {
		in.CategoryID = web.FormInt64(fe, vals, "category_id")
	}
	if n := strings.TrimSpace(vals.Get("people_reached")); n != "" {
		in.PeopleReached = int(web.FormInt64(fe, vals, "people_reached"))
	}
	if at := strings.TrimSpace(vals.Get("visited_at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, clock.CST)
		if err != nil {
			fe.Add("visited_at", "field.bad_date")
		} else {
			in.VisitedAt = t
		}
	}
	return in
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (s *Server) visitCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	in := visitInputOf(r, &fe)
	files := web.PhotoFiles(r)
	if len(files) > 1 {
		fe.Add("photos", "gr.err.one_photo")
	}
	if err := fe.Err(); err == nil && len(files) == 1 {
		c, err := web.InspectPhoto(files[0])
		if err == nil {
			err = photo.CheckPixelBudget([]*photo.Checked{c})
		}
		if err == nil {
			in.Photo, err = c.Prepare(r.Context())
		}
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				return err
			}
			_, msg, _ := s.Message(r, err)
			fe.Add("photos", "gr.err.photo", msg)
		}
	}
	var v grassroots.Visit
	var replayed bool
	err := fe.Err()
	if err == nil {
		v, replayed, err = s.gr.LogVisit(r.Context(), web.Principal(r), in)
	}
	if err != nil && v.ID != 0 {
		// Saved, but its work order could not be filed yet: the page says
		// so, and the next send of the same key tries again.
		s.Log.Warn("visit saved, work order not filed", "visit", v.ID, "err", err)
		err = nil
	}
	if wantsJSON(r) {
		if err != nil {
			code, msg, fields := s.Message(r, web.WithFields(fe, err))
			web.WriteJSON(w, web.StatusOf(code), map[string]any{"error": map[string]any{"code": code, "message": msg, "fields": fields}})
			return nil
		}
		status := http.StatusCreated
		if replayed {
			status = http.StatusOK
		}
		web.WriteJSON(w, status, map[string]any{"id": v.ID, "url": "/grassroots/visits/" + web.I64s(v.ID), "replayed": replayed})
		return nil
	}
	if err != nil {
		view, verr := s.visitFormView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "gr_visit_form", view, web.WithFields(fe, err))
	}
	return s.Redirect(w, r, "/grassroots/visits/"+web.I64s(v.ID), "flash.created")
}

func (s *Server) visitOf(r *http.Request) (grassroots.Visit, error) {
	id, err := web.PathID(r, "id", "entity.visit")
	if err != nil {
		return grassroots.Visit{}, err
	}
	return s.gr.GetVisit(r.Context(), web.Principal(r), id)
}

func (s *Server) visitShow(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visitOf(r)
	if err != nil {
		return err
	}
	view := s.View(w, r, "gr.visits.view")
	view.Data = &visitShowData{V: v}
	s.Render(w, r, http.StatusOK, "gr_visit", view)
	return nil
}

func (s *Server) visitPhoto(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visitOf(r)
	if err != nil {
		return err
	}
	if v.PhotoID == 0 {
		return errs.NotFoundf("photo.entity")
	}
	variant := photo.Variant(r.URL.Query().Get("v"))
	if variant != photo.Thumb {
		variant = photo.Public
	}
	return web.ServePhoto(w, r, s.gr.Photos, v.PhotoID, variant, "private, max-age=3600")
}

func (s *Server) visitList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermGridVisit); err != nil {
		return err
	}
	v := s.View(w, r, "gr.visits.title")
	v.Form = r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := grassroots.VisitFilter{HouseholdID: web.FormInt64(&fe, r.URL.Query(), "household"), Page: lq.Page, Size: lq.Size}
	d := &visitListData{}
	v.Data = d
	if err := fe.Err(); err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "gr_visit_list", v, err)
	}
	if f.HouseholdID > 0 {
		if _, err := s.gr.GetHousehold(r.Context(), p, f.HouseholdID); err != nil {
			return err // another grid's household's visits: not found, not an empty list
		}
	}
	rows, total, err := s.gr.ListVisits(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "gr_visit_list", v)
	return nil
}

// newKey is a fresh draft key (the visit's idempotency key).
func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// formIDs reads a field's ids (checkboxes or a multiple select).
func formIDs(fe *errs.Fields, vals url.Values, name string) []int64 {
	var out []int64
	for _, x := range vals[name] {
		id, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil || id <= 0 {
			fe.Add(name, "field.bad_choice")
			return nil
		}
		out = append(out, id)
	}
	return out
}
