package inspectionweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) rectifyRoutes() {
	s.Page("GET /inspection/rectifications", s.rectList)
	s.Page("GET /inspection/rectifications/{id}", s.rectShow)
	s.Page("POST /inspection/rectifications/{id}/recheck", s.rectRecheck)
	s.Page("GET /inspection/rectifications/{id}/photos/{photo}", s.rectPhoto)
	s.API("GET /api/v1/inspection/rectifications", web.APIDoc{Summary: "The rectifications the caller sees, nearest deadline first", Tag: "inspection",
		Params: []web.Param{{Name: "state", In: "query", Type: "string", Description: "open, returned, recheck, closed or cancelled"},
			{Name: "unit", In: "query", Type: "integer", Description: "the responsible unit"}, {Name: "site", In: "query", Type: "integer", Description: "the site"},
			{Name: "inspection", In: "query", Type: "integer", Description: "the inspection that found it"},
			{Name: "overdue", In: "query", Type: "string", Description: "1: only overdue ones"}},
		Response: web.Obj(map[string]any{"items": map[string]any{"type": "array", "items": web.Obj(map[string]any{"id": web.Integer(),
			"order_code": web.Str(), "state": web.Str(), "due_at": web.DateTime()})}, "total": web.Integer()}),
		Extra: map[int]string{403: "the role lacks inspection.view"}}, s.apiRectList)
}

type rectListData struct {
	Rows   []inspection.Rectification
	Pager  web.Pager
	States []web.Option
}

func (s *Server) rectFilter(r *http.Request) (inspection.RectFilter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := inspection.RectFilter{State: inspection.RectState(q.Get("state")), UnitID: web.FormInt64(&fe, q, "unit"), SiteID: web.FormInt64(&fe, q, "site"),
		InspectionID: web.FormInt64(&fe, q, "inspection"), Overdue: q.Get("overdue") == "1", Page: lq.Page, Size: lq.Size}
	if f.State != "" {
		ok := false
		for _, st := range inspection.RectStates {
			ok = ok || st == f.State
		}
		if !ok {
			fe.Add("state", "field.bad_choice")
		}
	}
	return f, lq, fe.Err()
}

func (s *Server) rectList(w http.ResponseWriter, r *http.Request) error {
	f, lq, err := s.rectFilter(r)
	if err != nil {
		return err
	}
	rows, total, err := s.insp.ListRectifications(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	v := s.View(w, r, "inspweb.rect.list_title")
	v.Form = r.URL.Query()
	v.Data = &rectListData{Rows: rows, Pager: web.NewPager(r, lq, total),
		States: choicesOf(v, inspection.RectStates, func(x inspection.RectState) string { return string(x) })}
	s.Render(w, r, http.StatusOK, "insp_rect_list", v)
	return nil
}

func (s *Server) apiRectList(w http.ResponseWriter, r *http.Request) error {
	f, _, err := s.rectFilter(r)
	if err != nil {
		return err
	}
	rows, total, err := s.insp.ListRectifications(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []inspection.Rectification{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rows, "total": total})
	return nil
}

type rectData struct {
	Assets phoneAssets
	X      inspection.Rectification
}

func (s *Server) rectOf(r *http.Request) (inspection.Rectification, error) {
	id, err := web.PathID(r, "id", "inspection.entity.rectification")
	if err != nil {
		return inspection.Rectification{}, err
	}
	return s.insp.GetRectification(r.Context(), web.Principal(r), id)
}

func (s *Server) rectView(w http.ResponseWriter, r *http.Request, x inspection.Rectification) *web.View {
	v := s.View(w, r, "inspweb.rect.title")
	v.Title += " · " + x.OrderCode
	if v.Form == nil {
		v.Form = url.Values{}
	}
	v.Form.Set("key", newKey())
	v.Data = &rectData{Assets: phone(), X: x}
	return v
}

func (s *Server) rectShow(w http.ResponseWriter, r *http.Request) error {
	x, err := s.rectOf(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "insp_rect", s.rectView(w, r, x))
	return nil
}

// rectRecheck records the inspector's recheck from the phone (a form post
// with a photo; the answer is JSON when asked for).
func (s *Server) rectRecheck(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return err
	}
	x, err := s.rectOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	vals := r.PostForm
	var fe errs.Fields
	in := inspection.RecheckInput{Key: vals.Get("key"), Note: vals.Get("note")}
	switch vals.Get("verdict") {
	case "pass":
		in.Passed = true
	case "fail":
	default:
		fe.Add("verdict", "field.required")
	}
	if strings.TrimSpace(vals.Get("lat")) != "" || strings.TrimSpace(vals.Get("lng")) != "" {
		in.Lat, in.Lng = web.FormFloat(&fe, vals, "lat"), web.FormFloat(&fe, vals, "lng")
	}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["photo"]; len(fhs) > 0 && fhs[0].Size > 0 {
			c, err := web.InspectPhoto(fhs[0])
			if e := errs.As(err); e != nil && e.Code == errs.Invalid {
				fe.Add("photo", e.Key, e.Args...)
			} else if err != nil {
				return err
			} else if e := errs.As(photo.CheckPixelBudget([]*photo.Checked{c})); e != nil {
				fe.Add("photo", e.Key, e.Args...)
			} else {
				pp, err := c.Prepare(r.Context())
				if e := errs.As(err); e != nil && e.Code == errs.Invalid {
					fe.Add("photo", e.Key, e.Args...)
				} else if err != nil {
					return err
				}
				in.Photo = pp
			}
		}
	}
	err = fe.Err()
	if err == nil {
		x, err = s.insp.Recheck(r.Context(), p, x.ID, in)
	}
	to := "/inspection/rectifications/" + strconv.FormatInt(x.ID, 10)
	if err == nil {
		if wantsJSON(r) {
			web.WriteJSON(w, http.StatusOK, map[string]any{"id": x.ID, "url": to, "state": x.State, "order_state": x.OrderState})
			return nil
		}
		return s.Redirect(w, r, to, "inspweb.flash.rechecked")
	}
	if wantsJSON(r) {
		return s.jsonFail(w, r, err)
	}
	v := s.rectView(w, r, x)
	v.Form = r.PostForm
	return s.FormFailed(w, r, "insp_rect", v, err)
}

// rectPhoto serves a photo of the rectification (the finding's, the unit's
// evidence, a recheck's) to those who see it.
func (s *Server) rectPhoto(w http.ResponseWriter, r *http.Request) error {
	x, err := s.rectOf(r)
	if err != nil {
		return err
	}
	id, err := web.PathID(r, "photo", "photo.entity")
	if err != nil {
		return err
	}
	if !x.HasPhoto(id) {
		return errs.NotFoundf("photo.entity")
	}
	variant := photo.Public
	if r.URL.Query().Get("v") == "thumb" {
		variant = photo.Thumb
	}
	return web.ServePhoto(w, r, s.photos, id, variant, "private, max-age=3600")
}
