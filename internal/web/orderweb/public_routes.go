package orderweb

import (
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/geo"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The citizen side, without an account: /report (phone first, works
// without JavaScript), /track by code with the rating form, and the public
// API under /api/v1/public.
func (s *Server) publicRoutes() {
	s.PublicPage("GET /report", s.reportPage)
	s.PublicPage("POST /report", s.reportSubmit)
	s.PublicPage("GET /report/sent/{code}", s.reportSent)
	s.PublicPage("GET /track", s.trackLookup)
	s.PublicPage("GET /track/{code}", s.trackPage)
	s.PublicPage("POST /track/{code}/rating", s.trackRate)
	s.PublicPage("GET /track/{code}/photos/{id}", s.trackPhoto)
	s.publicAPIRoutes()

}

// maxReportBody bounds a report's body: six photos of at most 10 MB and
// the text fields.
const maxReportBody = workorder.PublicMaxPhotos*photo.MaxBytes + 1<<20

// categoryGroup is one <optgroup> of the category select.
type categoryGroup struct {
	Code, Name string
	Items      []categoryItem
}

type categoryItem struct{ Code, Name string }

// publicCategories lists the categories citizens may choose, by group, in
// the language.
func (s *Server) publicCategories(ctx context.Context, l i18n.Lang) ([]categoryGroup, error) {
	cats, err := s.orders.Categories(ctx, workorder.CategoryFilter{PublicOnly: true, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var out []categoryGroup
	idx := map[int64]int{}
	for _, c := range cats {
		if c.IsGroup() {
			idx[c.ID] = len(out)
			out = append(out, categoryGroup{Code: c.Code, Name: c.LocalName(string(l))})
			continue
		}
		i, ok := idx[c.ParentID]
		if !ok {
			continue // its group is hidden
		}
		out[i].Items = append(out[i].Items, categoryItem{Code: c.Code, Name: c.LocalName(string(l))})
	}
	return slices.DeleteFunc(out, func(g categoryGroup) bool { return len(g.Items) == 0 }), nil
}

// reportFields are the form's text fields, the same in the form and the API.
type reportFields struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Lat         *float64 `json:"lat"`
	Lng         *float64 `json:"lng"`
	Address     string   `json:"address"`
	Name        string   `json:"name"`
	Phone       string   `json:"phone"`
	// Answers to the category's extra questions: JSON "answers" (code →
	// string or array), the forms' answer.<category>.<code> inputs, the
	// API's multipart attribute[code] / attribute[code][].
	Answers workorder.Answers `json:"answers"`
}

// fieldNames maps the service's field names to the form's.
var fieldNames = map[string]string{"category_id": "category"}

// renameFields gives an error's field messages the form's field names.
func renameFields(err error) error {
	return mapFieldErrors(err, func(k string) string {
		if n, ok := fieldNames[k]; ok {
			return n
		}
		return k
	})
}

// fieldsFromForm reads the text fields of a form (urlencoded or multipart),
// adding a message for a number that is not one.
func fieldsFromForm(f *errs.Fields, vals url.Values) reportFields {
	return reportFields{
		Category: strings.TrimSpace(vals.Get("category")), Description: vals.Get("description"),
		Lat: web.FormFloat(f, vals, "lat"), Lng: web.FormFloat(f, vals, "lng"),
		Address: vals.Get("address"), Name: vals.Get("name"), Phone: vals.Get("phone"),
	}
}

// publicReport is a report checked and ready to store.
type publicReport struct {
	in     workorder.PublicReport
	photos []*photo.Prepared
}

// checkReport turns the fields and files into a report: every field
// message at once (a bad photo is named by its number), then, only when
// everything else is right and the address may report, the photos are
// checked and re-encoded in memory. Nothing is written.
func (s *Server) checkReport(r *http.Request, f *errs.Fields, rf reportFields, files []*multipart.FileHeader, ch workorder.Channel) (*publicReport, error) {
	ctx := r.Context()
	in := workorder.PublicReport{SubmitInput: workorder.SubmitInput{Channel: ch, Description: rf.Description,
		Address: rf.Address, Lat: rf.Lat, Lng: rf.Lng, ReporterName: rf.Name, ReporterPhone: rf.Phone, IP: web.ClientIP(r)},
		PhotoCount: len(files)}
	if rf.Category == "" {
		f.Add("category", "field.required")
	} else if c, err := s.orders.CategoryByCode(ctx, rf.Category); err == nil && c.Pickable(true) {
		in.CategoryID = c.ID
	} else if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	} else {
		f.Add("category", "field.bad_choice")
	}
	if in.CategoryID != 0 {
		a, err := s.orders.CheckAnswersFor(ctx, in.CategoryID, rf.Answers, f)
		if err != nil {
			return nil, err
		}
		in.Answers = a
	}
	var sf errs.Fields
	workorder.CheckReport(in, &sf)
	if e := errs.As(renameFields(sf.Err())); e != nil {
		for k, v := range e.Fields {
			if k != "category" {
				f.Add(k, v.Key, v.Args...)
			}
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := s.orders.ReportAllowed(ctx, in.IP); err != nil {
		return nil, err
	}
	// Every photo's header first, then the request's pixel budget, and only
	// then the decoding (bounded by photo's decode slots).
	checked := make([]*photo.Checked, 0, len(files))
	for i, fh := range files {
		c, err := web.InspectPhoto(fh)
		if e := errs.As(err); e != nil && e.Code == errs.Invalid {
			f.Add("photos", "pub.field.photo_n", i+1, i18n.T(web.Lang(r), e.Key, e.Args...))
			continue
		} else if err != nil {
			return nil, err
		}
		checked = append(checked, c)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if e := errs.As(photo.CheckPixelBudget(checked)); e != nil {
		f.Add("photos", e.Key, e.Args...)
		return nil, f.Err()
	}
	rep := &publicReport{in: in}
	for i, c := range checked {
		p, err := c.Prepare(ctx)
		if e := errs.As(err); e != nil && e.Code == errs.Invalid {
			f.Add("photos", "pub.field.photo_n", i+1, i18n.T(web.Lang(r), e.Key, e.Args...))
			continue
		} else if err != nil {
			return nil, err
		}
		rep.photos = append(rep.photos, p)
	}
	return rep, f.Err()
}

// store writes the checked report: workorder.SubmitPublic stores the
// photos with the order (and removes their blobs when it is refused).
func (s *Server) store(ctx context.Context, rep *publicReport) (workorder.Submitted, error) {
	if err := s.uploadPhotos(ctx, rep); err != nil {
		return workorder.Submitted{}, err
	}
	out, err := s.orders.SubmitPublic(ctx, rep.in)
	return out, renameFields(err)
}

// uploadPhotos hands the checked photos to the report; the work orders
// store them (workorder.SubmitPublic), so it writes nothing itself.
func (s *Server) uploadPhotos(_ context.Context, rep *publicReport) error {
	rep.in.Photos = rep.photos
	return nil
}

// reportData is the report page.
type reportData struct {
	Groups    []categoryGroup
	Map       *cityMap
	MaxPhotos int
	MaxLen    int
	MaxMB     int
	// Questions are the extra questions of the categories that have any,
	// by category code (questions.js shows the chosen one's).
	Questions []questionBlock
	// PhotosLost: the form came back with an error after photos were
	// chosen; browsers cannot keep them, so the citizen is asked again.
	PhotosLost bool
}

func (s *Server) reportView(w http.ResponseWriter, r *http.Request) (*web.View, *reportData, error) {
	v := s.View(w, r, "pub.report.title")
	groups, err := s.publicCategories(r.Context(), v.Lang)
	if err != nil {
		return nil, nil, err
	}
	places, err := s.orders.MapPlaces(r.Context())
	if err != nil {
		return nil, nil, err
	}
	d := &reportData{Groups: groups, MaxPhotos: workorder.PublicMaxPhotos, MaxLen: workorder.MaxDescriptionLen,
		MaxMB: photo.MaxBytes >> 20}
	d.Map = newCityMap(places, geo.Embedded(), string(v.Lang))
	tiles, _ := s.TileSetting(r.Context())
	d.Map.useTiles(tiles)
	cats, err := s.orders.Categories(r.Context(), workorder.CategoryFilter{PublicOnly: true, ActiveOnly: true})
	if err != nil {
		return nil, nil, err
	}
	if d.Questions, err = s.questionBlocks(r.Context(), v, cats, func(c workorder.Category) string { return c.Code }); err != nil {
		return nil, nil, err
	}
	v.Data = d
	return v, d, nil
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	v, d, err := s.reportView(w, r)
	if err != nil {
		return err
	}
	// ?category=&lat=&lng= prefill (links from a map or a poster's QR code).
	for _, k := range []string{"category", "lat", "lng", "address"} {
		if x := r.URL.Query().Get(k); x != "" {
			v.Form.Set(k, x)
		}
	}
	d.Map.pin(v.Form)
	v.Form.Set("draft", newDraftID())
	s.Render(w, r, http.StatusOK, "pub_report", v)
	return nil
}

// reportSubmit takes the form (multipart, with or without JavaScript).
// Success goes to /report/sent/{code} so a reload does not file it twice.
func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var f errs.Fields
	rf := fieldsFromForm(&f, r.PostForm)
	rf.Answers = answersFromForm(r.PostForm, rf.Category)
	files := web.PhotoFiles(r)
	ch := workorder.ChannelWeb
	if len(files) > 0 && rf.Lat != nil {
		ch = workorder.ChannelSnap // 随手拍: a photo and a place from a phone
	}
	code, err := s.reportOnce(r, &f, rf, files, ch)
	if err != nil {
		v, d, verr := s.reportView(w, r)
		if verr != nil {
			return verr
		}
		d.PhotosLost = len(files) > 0
		d.Map.pin(r.PostForm)
		r.PostForm.Del("csrf")
		if errs.CodeOf(err) == errs.Conflict {
			r.PostForm.Set("draft", newDraftID()) // sent already: another send is a new report
		}
		return s.FormFailed(w, r, "pub_report", v, answerFieldsToForm(err, rf.Category))
	}
	http.Redirect(w, r, "/report/sent/"+code, http.StatusSeeOther)
	return nil
}

func (s *Server) reportSent(w http.ResponseWriter, r *http.Request) error {
	po, err := s.orders.PublicView(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	v := s.View(w, r, "pub.sent.title")
	v.Data = po
	s.Render(w, r, http.StatusOK, "pub_report_sent", v)
	return nil
}

// trackData is the tracking page.
type trackData struct {
	Code       string
	Order      *workorder.PublicOrder
	Events     []trackEvent
	CanRate    bool
	NeedTail   bool
	Ratings    []workorder.Rating
	MaxComment int
}

// trackEvent is one step of the public timeline, in words.
type trackEvent struct {
	At                            time.Time
	Action, State, Note, UnitName string
	Photos                        []trackPhoto
}

type trackPhoto struct{ URL, Thumb string }

func trackEvents(v *web.View, po *workorder.PublicOrder) []trackEvent {
	out := make([]trackEvent, 0, len(po.Events))
	base := "/track/" + url.PathEscape(po.Code) + "/photos/"
	for _, e := range po.Events {
		te := trackEvent{At: e.At, Action: v.T(workorder.Action(e.Action).Key()), Note: e.Note, UnitName: e.UnitName}
		if e.ToState != "" {
			te.State = v.T(e.ToState.Key())
		}
		for _, id := range e.PhotoIDs {
			u := base + strconv.FormatInt(id, 10)
			te.Photos = append(te.Photos, trackPhoto{URL: u, Thumb: u + "?size=thumb"})
		}
		out = append(out, te)
	}
	return out
}

func (s *Server) trackLookup(w http.ResponseWriter, r *http.Request) error {
	if code := workorder.NormaliseCode(r.URL.Query().Get("code")); code != "" {
		http.Redirect(w, r, "/track/"+url.PathEscape(code), http.StatusSeeOther)
		return nil
	}
	v := s.View(w, r, "pub.track.title")
	v.Data = &trackData{}
	s.Render(w, r, http.StatusOK, "pub_track", v)
	return nil
}

// trackView loads the order behind a code for the tracking page; an
// unknown code is the lookup form with a 404 message, returned as done.
func (s *Server) trackView(w http.ResponseWriter, r *http.Request) (*web.View, bool, error) {
	code := workorder.NormaliseCode(r.PathValue("code"))
	v := s.View(w, r, "pub.track.title")
	d := &trackData{Code: code, Ratings: workorder.CitizenRatings, MaxComment: workorder.MaxCommentLen}
	v.Data = d
	po, err := s.orders.PublicView(r.Context(), code)
	if errs.Is(err, errs.NotFound) {
		v.Errors = map[string]string{"code": v.T("pub.track.not_found", r.PathValue("code"))}
		v.Form.Set("code", r.PathValue("code"))
		s.Render(w, r, http.StatusNotFound, "pub_track", v)
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	d.Order, d.Events, d.CanRate = &po, trackEvents(v, &po), workorder.CanRate(po.State)
	if d.CanRate {
		if d.NeedTail, err = s.orders.NeedsPhoneTail(r.Context(), code); err != nil {
			return nil, false, err
		}
	}
	return v, false, nil
}

func (s *Server) trackPage(w http.ResponseWriter, r *http.Request) error {
	v, done, err := s.trackView(w, r)
	if err != nil || done {
		return err
	}
	s.Render(w, r, http.StatusOK, "pub_track", v)
	return nil
}

func (s *Server) trackRate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := workorder.CitizenRating{Rating: workorder.Rating(r.PostFormValue("rating")), Comment: r.PostFormValue("comment"),
		PhoneTail: r.PostFormValue("phone_tail"), IP: web.ClientIP(r)}
	_, err := s.orders.RateByCode(r.Context(), r.PathValue("code"), in)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return err
		}
		v, done, verr := s.trackView(w, r)
		if verr != nil || done {
			return verr
		}
		r.PostForm.Del("csrf")
		r.PostForm.Del("phone_tail")
		return s.FormFailed(w, r, "pub_track", v, err)
	}
	return s.Redirect(w, r, "/track/"+url.PathEscape(workorder.NormaliseCode(r.PathValue("code"))), "pub.rate.thanks")
}

// trackPhoto serves the public rendition (or ?size=thumb) of a photo on
// the order's public timeline; other photos do not exist here.
func (s *Server) trackPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "photo.entity")
	if err != nil {
		return err
	}
	po, err := s.orders.PublicView(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	found := false
	for _, e := range po.Events {
		found = found || slices.Contains(e.PhotoIDs, id)
	}
	if !found || s.photos == nil {
		return errs.NotFoundf("photo.entity")
	}
	variant := photo.Public
	if r.URL.Query().Get("size") == "thumb" {
		variant = photo.Thumb
	}
	return web.ServePhoto(w, r, s.photos, id, variant, "private, max-age=86400")
}

// mapFieldErrors returns err with its field messages moved to the names
// rename gives (a form's inputs are not always named as the service's
// fields); any other error is returned as it is.
func mapFieldErrors(err error, rename func(field string) string) error {
	e := errs.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make(map[string]errs.FieldError, len(e.Fields))
	for k, v := range e.Fields {
		out.Fields[rename(k)] = v
	}
	return &out
}
