package orderweb

import (
	"errors"
	"github.com/wenming-city/wenming/internal/web"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/open311"
	"github.com/wenming-city/wenming/internal/workorder"
)

func (s *Server) publicAPIRoutes() {
	category := web.Obj(map[string]any{"code": web.Str(), "name": web.Str(), "group": web.Str(), "group_code": web.Str()})
	event := web.Obj(map[string]any{"at": web.DateTime(), "action": web.Str(), "to_state": web.Str(), "note": web.Str(), "unit_name": web.Str(),
		"photo_ids": web.Arr(web.Integer())})
	publicOrder := web.Obj(map[string]any{"code": web.Str(), "category_name": web.Str(), "category_name_en": web.Str(), "title": web.Str(),
		"description": web.Str(), "region_name": web.Str(), "state": web.Str(), "unit_name": web.Str(), "resolve_due_at": web.DateTime(),
		"resolution": web.Str(), "satisfaction": web.Str(), "parent_code": web.Str(), "created_at": web.DateTime(), "closed_at": web.DateTime(),
		"events": web.Arr(event)})
	tooMany := map[int]string{http.StatusTooManyRequests: "too many reports from this address; try again later"}

	s.PublicAPI("GET /api/v1/public/categories", web.APIDoc{Summary: "Categories a citizen may choose, by group, named in the request's language",
		Tag: "public", Response: web.ListOf(category)}, s.apiPublicCategories)
	s.PublicAPI("POST /api/v1/public/reports", web.APIDoc{
		Summary: "File a citizen's report: a JSON body, or multipart/form-data with the same fields and up to 6 files named photos. " +
			"201 only after the report is committed. An Idempotency-Key header makes a retry within 24 h get the first answer " +
			"(409 when the key was used for another body).",
		Tag: "public", Status: http.StatusCreated, Extra: tooMany,
		Body: web.Obj(map[string]any{"category": web.Str(), "description": web.Str(), "lat": web.Number(), "lng": web.Number(), "address": web.Str(),
			"name": web.Str(), "phone": web.Str(), "answers": map[string]any{"type": "object",
				"description": "answers to the category's extra questions (GET /api/v1/workorder-categories/{id}/questions): " +
					"code → a string, or an array of keys for a multi-value list; in multipart: attribute[code] or attribute[code][]. " +
					"Messages name the field attribute[code].",
				"additionalProperties": map[string]any{"oneOf": []any{web.Str(), web.Arr(web.Str())}}}}, "category", "description"),
		Response: web.Obj(map[string]any{"code": web.Str(), "id": web.Integer()}, "code", "id")}, s.apiPublicReport)
	s.PublicAPI("GET /api/v1/public/reports/{code}", web.APIDoc{Summary: "The public view of a report by its tracking code (no personal data)",
		Tag: "public", Response: publicOrder}, s.apiPublicView)
	s.PublicAPI("POST /api/v1/public/reports/{code}/rating", web.APIDoc{
		Summary: "The citizen's rating of a verified report (once per resolution; dissatisfied reopens it). " +
			"phone_tail: the last 4 digits of the phone given with the report, if one was.",
		Tag: "public", Extra: map[int]string{http.StatusConflict: "the report cannot be rated now, or was rated already",
			http.StatusTooManyRequests: "too many wrong phone digits"},
		Body:     web.Obj(map[string]any{"rating": map[string]any{"type": "string", "enum": workorder.CitizenRatings}, "comment": web.Str(), "phone_tail": web.Str()}, "rating"),
		Response: publicOrder}, s.apiPublicRate)
	s.PublicAPI("GET /api/v1/public/nearby", web.APIDoc{Summary: "Open reports of a category within about 50 m of a point, closest first",
		Tag: "public", Params: []web.Param{
			{Name: "category", In: "query", Type: "string", Description: "category code", Required: true},
			{Name: "lat", In: "query", Type: "number", Description: "latitude (WGS-84)", Required: true},
			{Name: "lng", In: "query", Type: "number", Description: "longitude (WGS-84)", Required: true}},
		Response: web.ListOf(web.Obj(map[string]any{"code": web.Str(), "title": web.Str(), "category_name": web.Str(), "category_name_en": web.Str(),
			"state": web.Str(), "state_name": web.Str(), "distance_m": web.Integer(), "created_at": web.DateTime(), "track_url": web.Str()}))},
		s.apiPublicNearby)
	s.PublicAPI("GET /api/v1/public/locate", web.APIDoc{Summary: "The regions a report at a point would be placed in, from the district down " +
		"(by the embedded boundaries, then the nearest street, community and grid centre); an empty list outside the city",
		Tag: "public", Params: []web.Param{
			{Name: "lat", In: "query", Type: "number", Description: "latitude (WGS-84)", Required: true},
			{Name: "lng", In: "query", Type: "number", Description: "longitude (WGS-84)", Required: true}},
		Response: web.Obj(map[string]any{"label": web.Str(), "regions": web.Arr(web.Obj(map[string]any{
			"id": web.Integer(), "code": web.Str(), "name": web.Str(), "level": web.Str()}))})},
		s.apiPublicLocate)
}

// apiLocated is where a point lies: the regions from the district down,
// named in the request's language, and the path as one label.
type apiLocated struct {
	Label   string          `json:"label"`
	Regions []apiLocatedReg `json:"regions"`
}

type apiLocatedReg struct {
	ID    int64  `json:"id"`
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

func (s *Server) apiPublicLocate(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f errs.Fields
	lat, lng := web.FormFloat(&f, q, "lat"), web.FormFloat(&f, q, "lng")
	f.Check(lat != nil || f.Has("lat"), "lat", "field.required")
	f.Check(lng != nil || f.Has("lng"), "lng", "field.required")
	if err := f.Err(); err != nil {
		return err
	}
	chain, err := s.orders.Locate(r.Context(), *lat, *lng)
	if err != nil {
		return err
	}
	lang := string(web.Lang(r))
	out := apiLocated{Regions: []apiLocatedReg{}}
	names := make([]string, 0, len(chain))
	for _, p := range chain {
		out.Regions = append(out.Regions, apiLocatedReg{ID: p.ID, Code: p.Code, Name: p.LocalName(lang), Level: p.Level})
		names = append(names, p.LocalName(lang))
	}
	out.Label = strings.Join(names, " › ")
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// apiCategory is a category as the public API lists it.
type apiCategory struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Group     string `json:"group"`
	GroupCode string `json:"group_code"`
}

func (s *Server) apiPublicCategories(w http.ResponseWriter, r *http.Request) error {
	groups, err := s.publicCategories(r.Context(), web.Lang(r))
	if err != nil {
		return err
	}
	var items []apiCategory
	for _, g := range groups {
		for _, c := range g.Items {
			items = append(items, apiCategory{Code: c.Code, Name: c.Name, Group: g.Name, GroupCode: g.Code})
		}
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(items, len(items), web.ListQuery{Page: 1, Size: max(len(items), 1)}))
	return nil
}

// decodeReportJSON reads the JSON body of POST /api/v1/public/reports: one
// object with known fields only (decodeJSON's rules). A value of the wrong
// type, an unknown field or a string that is not text is a message on its
// field; anything else that is not such an object is err.bad_json.
func decodeReportJSON(body io.Reader) (reportFields, error) {
	var rf reportFields
	b, err := web.ReadJSONBody(body)
	if err != nil {
		return reportFields{}, err
	}
	if err := web.DecodeJSONBytes(b, &rf); err != nil {
		return reportFields{}, err
	}
	return rf, nil
}

func (s *Server) apiPublicReport(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	var rf reportFields
	var f errs.Fields
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return errs.E(errs.TooLarge, "err.form_too_large", tooBig.Limit>>20)
			}
			return errs.E(errs.Invalid, "err.invalid_form")
		}
		if err := web.CheckValues(r.Form); err != nil {
			return err
		}
		web.StripValuesBidi(r.Form)
		web.StripValuesBidi(r.PostForm)
		rf = fieldsFromForm(&f, r.PostForm)
		rf.Answers = open311.Attributes(r.PostForm) // the Open311 form of answers
	} else {
		var err error
		if rf, err = decodeReportJSON(r.Body); err != nil {
			return err
		}
	}
	if r.Header.Get("Idempotency-Key") != "" {
		return s.apiPublicReportOnce(w, r, &f, rf)
	}
	rep, err := s.checkReport(r, &f, rf, web.PhotoFiles(r), workorder.ChannelAPI)
	if err != nil {
		return err
	}
	out, err := s.store(r.Context(), rep)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/public/reports/"+out.Code)
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) apiPublicView(w http.ResponseWriter, r *http.Request) error {
	po, err := s.orders.PublicView(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, po)
	return nil
}

func (s *Server) apiPublicRate(w http.ResponseWriter, r *http.Request) error {
	var in workorder.CitizenRating
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	in.IP = web.ClientIP(r)
	po, err := s.orders.RateByCode(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, po)
	return nil
}

// apiNearby is an open report near a point, as the API lists it.
type apiNearby struct {
	workorder.NearbyOrder
	StateName string `json:"state_name"`
	TrackURL  string `json:"track_url"`
}

func (s *Server) apiPublicNearby(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f errs.Fields
	lat, lng := web.FormFloat(&f, q, "lat"), web.FormFloat(&f, q, "lng")
	f.Check(lat != nil || f.Has("lat"), "lat", "field.required")
	f.Check(lng != nil || f.Has("lng"), "lng", "field.required")
	f.Check(lat == nil || *lat >= -90 && *lat <= 90, "lat", "field.out_of_range", -90, 90)
	f.Check(lng == nil || *lng >= -180 && *lng <= 180, "lng", "field.out_of_range", -180, 180)
	var catID int64
	if code := strings.TrimSpace(q.Get("category")); code == "" {
		f.Add("category", "field.required")
	} else if c, err := s.orders.CategoryByCode(r.Context(), code); err == nil && c.Pickable(true) {
		catID = c.ID
	} else if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	} else {
		f.Add("category", "field.bad_choice")
	}
	if err := f.Err(); err != nil {
		return err
	}
	found, err := s.orders.Nearby(r.Context(), catID, *lat, *lng, workorder.NearbyRadius)
	if err != nil {
		return renameFields(err)
	}
	items := make([]apiNearby, 0, len(found))
	for _, n := range found {
		items = append(items, apiNearby{NearbyOrder: n, StateName: i18n.T(web.Lang(r), n.State.Key()),
			TrackURL: "/track/" + url.PathEscape(n.Code)})
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(items, len(items), web.ListQuery{Page: 1, Size: workorder.MaxNearby}))
	return nil
}
