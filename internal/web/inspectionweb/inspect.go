package inspectionweb

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) inspectRoutes() {
	s.PublicPage("GET /inspection/static/{hash}/{name}", s.serveAsset)
	s.Page("GET /inspection/my", s.myRound)
	s.Page("GET /inspection/sites/{id}/inspect", s.inspectForm)
	s.Page("POST /inspection/sites/{id}/inspections", s.inspectSubmit)
	s.Page("GET /inspection/inspections", s.inspectionList)
	s.Page("GET /inspection/inspections/{id}", s.inspectionShow)
	s.Page("GET /inspection/photos/{id}", s.inspectionPhoto)
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// The phone pages' own assets, for the templates.
type phoneAssets struct{ JS, CSS string }

func phone() phoneAssets {
	return phoneAssets{JS: assetURL("inspection.js"), CSS: assetURL("inspection.css")}
}

type myRoundData struct {
	Assets    phoneAssets
	Plan      *inspection.Plan
	Week      string
	Recent    []inspection.Inspection
	ToRecheck []inspection.Rectification // resolved by their units, in the group's area
}

// myRound is the inspector's phone home: this week's round of their group,
// what waits to be sent, and their latest inspections.
func (s *Server) myRound(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return err
	}
	week := inspection.WeekOf(s.Now())
	plans, err := s.insp.Plans(r.Context(), p, week)
	if err != nil {
		return err
	}
	v := s.View(w, r, "inspweb.my.title")
	d := &myRoundData{Assets: phone(), Week: week}
	for i := range plans {
		if plans[i].GroupID == p.UnitID {
			d.Plan = &plans[i]
		}
	}
	if d.Recent, _, err = s.insp.ListInspections(r.Context(), p, inspection.InspectionFilter{Size: 10}); err != nil {
		return err
	}
	if d.ToRecheck, _, err = s.insp.ListRectifications(r.Context(), p, inspection.RectFilter{State: inspection.RectToRecheck, Size: 20}); err != nil {
		return err
	}
	v.Data = d
	s.Render(w, r, http.StatusOK, "insp_my", v)
	return nil
}

type inspectFormData struct {
	Assets phoneAssets
	Site   inspection.Site
	Items  []inspection.CheckItem
}

func (s *Server) inspectView(w http.ResponseWriter, r *http.Request, site inspection.Site) (*web.View, error) {
	items, err := s.insp.CheckItems(r.Context(), web.Principal(r), site.SiteTypeID)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.inspect.title")
	v.Title += " · " + v.Name(site.Name, site.NameEN)
	v.Form = url.Values{"key": {newKey()}}
	v.Data = &inspectFormData{Assets: phone(), Site: site, Items: items}
	return v, nil
}

func (s *Server) inspectForm(w http.ResponseWriter, r *http.Request) error {
	site, err := s.siteOf(r)
	if err != nil {
		return err
	}
	if err := auth.Require(web.Principal(r), auth.PermInspect); err != nil {
		return err
	}
	return s.Show(w, r, "insp_inspect", func() (*web.View, error) { return s.inspectView(w, r, site) })
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// inspectSubmit stores a checklist sent from the phone (a form post, or
// the offline outbox's fetch asking for JSON).
func (s *Server) inspectSubmit(w http.ResponseWriter, r *http.Request) error {
	site, err := s.siteOf(r)
	if err != nil {
		return err
	}
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	x, err := s.submit(r, site)
	if err == nil {
		to := "/inspection/inspections/" + strconv.FormatInt(x.ID, 10)
		if wantsJSON(r) {
			status := http.StatusCreated
			if x.Replayed {
				status = http.StatusOK
			}
			web.WriteJSON(w, status, map[string]any{"id": x.ID, "url": to, "replayed": x.Replayed, "rate": x.RateText(), "far": x.Far})
			return nil
		}
		return s.Redirect(w, r, to, "inspweb.flash.submitted")
	}
	if wantsJSON(r) {
		return s.jsonFail(w, r, err)
	}
	v, verr := s.inspectView(w, r, site)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_inspect", v, err)
}

// jsonFail answers a refusal to the phone's fetch as JSON, with every
// field's message in the message too (the outbox shows one line).
func (s *Server) jsonFail(w http.ResponseWriter, r *http.Request, err error) error {
	code, msg, fields := s.Message(r, err)
	if code == errs.Internal {
		return err
	}
	var body struct {
		Error struct {
			Code    errs.Code         `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields,omitempty"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message, body.Error.Fields = code, msg, fields
	if len(fields) > 0 {
		var parts []string
		for _, m := range fields {
			parts = append(parts, m)
		}
		body.Error.Message = msg + " " + strings.Join(parts, " ")
	}
	web.WriteJSON(w, web.StatusOf(code), body)
	return nil
}

func (s *Server) submit(r *http.Request, site inspection.Site) (inspection.Inspection, error) {
	p := web.Principal(r)
	vals := r.PostForm
	var fe errs.Fields
	in := inspection.SubmitInput{SiteID: site.ID, Key: vals.Get("key"), Note: vals.Get("note"), InspectedAt: s.Now()}
	if t := strings.TrimSpace(vals.Get("inspected_at")); t != "" {
		at, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			fe.Add("inspected_at", "inspection.submit.bad_time")
		}
		in.InspectedAt = at
	}
	if strings.TrimSpace(vals.Get("lat")) != "" || strings.TrimSpace(vals.Get("lng")) != "" {
		in.Lat, in.Lng = web.FormFloat(&fe, vals, "lat"), web.FormFloat(&fe, vals, "lng")
		if in.Lat == nil || in.Lng == nil {
			in.Lat, in.Lng = nil, nil
			fe.Add("lat", "inspection.submit.bad_position")
		}
	}
	if a := strings.TrimSpace(vals.Get("accuracy")); a != "" {
		if n, err := strconv.Atoi(a); err == nil && n >= 0 && n < 1000000 {
			in.Accuracy = &n
		}
	}
	items, err := s.insp.CheckItems(r.Context(), p, site.SiteTypeID)
	if err != nil {
		return inspection.Inspection{}, err
	}
	var checked []*photo.Checked
	var owners []int
	for _, it := range items {
		f := "item_" + strconv.FormatInt(it.ID, 10)
		res := inspection.ResultInput{ItemID: it.ID, Outcome: inspection.Outcome(vals.Get(f)), Note: vals.Get(f + "_note")}
		if res.Outcome == inspection.OutcomeFail {
			res.Count = formInt(&fe, vals, f+"_count")
			if r.MultipartForm != nil {
				if fhs := r.MultipartForm.File[f+"_photo"]; len(fhs) > 0 && fhs[0].Size > 0 {
					c, err := web.InspectPhoto(fhs[0])
					if e := errs.As(err); e != nil && e.Code == errs.Invalid {
						fe.Add(f+"_photo", e.Key, e.Args...)
					} else if err != nil {
						return inspection.Inspection{}, err
					} else {
						checked = append(checked, c)
						owners = append(owners, len(in.Results))
					}
				}
			}
		}
		in.Results = append(in.Results, res)
	}
	if e := errs.As(photo.CheckPixelBudget(checked)); e != nil {
		fe.Add("note", e.Key, e.Args...)
	}
	if err := fe.Err(); err != nil {
		return inspection.Inspection{}, err
	}
	for i, c := range checked {
		pp, err := c.Prepare(r.Context())
		if e := errs.As(err); e != nil && e.Code == errs.Invalid {
			fe.Add("item_"+strconv.FormatInt(in.Results[owners[i]].ItemID, 10)+"_photo", e.Key, e.Args...)
			continue
		} else if err != nil {
			return inspection.Inspection{}, err
		}
		in.Results[owners[i]].Photo = pp
	}
	if err := fe.Err(); err != nil {
		return inspection.Inspection{}, err
	}
	return s.insp.Submit(r.Context(), p, in)
}

type inspectionData struct {
	X     inspection.Inspection
	Rects []inspection.Rectification
}

func (s *Server) inspectionOf(r *http.Request) (inspection.Inspection, error) {
	id, err := web.PathID(r, "id", "inspection.entity.inspection")
	if err != nil {
		return inspection.Inspection{}, err
	}
	return s.insp.GetInspection(r.Context(), web.Principal(r), id)
}

func (s *Server) inspectionShow(w http.ResponseWriter, r *http.Request) error {
	x, err := s.inspectionOf(r)
	if err != nil {
		return err
	}
	rects, _, err := s.insp.ListRectifications(r.Context(), web.Principal(r), inspection.RectFilter{InspectionID: x.ID, Size: 100})
	if err != nil {
		return err
	}
	v := s.View(w, r, "inspweb.inspection.title")
	v.Title += " · " + v.Name(x.SiteName, x.SiteEN)
	v.Data = &inspectionData{X: x, Rects: rects}
	s.Render(w, r, http.StatusOK, "insp_inspection", v)
	return nil
}

// inspectionPhoto serves a finding's photo to those who see the inspection.
func (s *Server) inspectionPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "photo.entity")
	if err != nil {
		return err
	}
	insp, err := strconv.ParseInt(r.URL.Query().Get("i"), 10, 64)
	if err != nil {
		return errs.NotFoundf("photo.entity")
	}
	x, err := s.insp.GetInspection(r.Context(), web.Principal(r), insp)
	if err != nil {
		return err
	}
	for _, res := range x.Results {
		if res.PhotoID == id {
			variant := photo.Public
			if r.URL.Query().Get("v") == "thumb" {
				variant = photo.Thumb
			}
			return web.ServePhoto(w, r, s.photos, id, variant, "private, max-age=3600")
		}
	}
	return errs.NotFoundf("photo.entity")
}

type inspectionListData struct {
	Rows  []inspection.Inspection
	Pager web.Pager
}

func (s *Server) inspectionList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := inspection.InspectionFilter{SiteID: web.FormInt64(&fe, q, "site"), GroupID: web.FormInt64(&fe, q, "group"), Week: q.Get("week"),
		Far: q.Get("far") == "1", Page: lq.Page, Size: lq.Size}
	if err := fe.Err(); err != nil {
		return err
	}
	rows, total, err := s.insp.ListInspections(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	v := s.View(w, r, "inspweb.inspections.title")
	v.Form = q
	v.Data = &inspectionListData{Rows: rows, Pager: web.NewPager(r, lq, total)}
	s.Render(w, r, http.StatusOK, "insp_inspection_list", v)
	return nil
}
