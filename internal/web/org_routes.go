package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
)

// orgRoutes registers the organisation pages and API (regions, units,
// pairings). Every route that names a row loads it through the service
// first, so a row outside the caller's data scope answers 404 before any
// permission or input is looked at.
func (s *Server) orgRoutes() {
	s.page("GET /regions", s.regionList)
	s.page("GET /regions/new", s.regionNew)
	s.page("POST /regions", s.regionCreate)
	s.page("GET /regions/{id}/edit", s.regionEdit)
	s.page("POST /regions/{id}", s.regionUpdate)
	s.page("POST /regions/{id}/delete", s.regionDelete)

	s.page("GET /units", s.unitList)
	s.page("GET /units/new", s.unitNew)
	s.page("POST /units", s.unitCreate)
	s.page("GET /units/{id}/edit", s.unitEdit)
	s.page("POST /units/{id}", s.unitUpdate)
	s.page("POST /units/{id}/delete", s.unitDelete)

	s.page("GET /pairings", s.pairingList)
	s.page("GET /pairings/new", s.pairingNew)
	s.page("POST /pairings", s.pairingCreate)
	s.page("GET /pairings/{id}/edit", s.pairingEdit)
	s.page("POST /pairings/{id}", s.pairingUpdate)
	s.page("POST /pairings/{id}/delete", s.pairingDelete)

	s.orgAPIRoutes()
}

func (s *Server) orgAPIRoutes() {
	const tag = "organisation"
	levels := make([]string, len(org.Levels))
	for i, l := range org.Levels {
		levels[i] = string(l)
	}
	kinds := make([]string, len(org.UnitKinds))
	for i, k := range org.UnitKinds {
		kinds[i] = string(k)
	}
	enum := func(vals []string) map[string]any { return map[string]any{"type": "string", "enum": vals} }
	nullNum := func() map[string]any { return map[string]any{"type": "number", "nullable": true} }

	regionIn := obj(map[string]any{
		"parent_id": integer(), "level": enum(levels), "code": str(), "name": str(), "name_en": str(),
		"sort": integer(), "lat": nullNum(), "lng": nullNum(),
	})
	regionProps := map[string]any{
		"id": integer(), "parent_id": integer(), "level": enum(levels), "code": str(), "name": str(), "name_en": str(),
		"path": str(), "sort": integer(), "lat": nullNum(), "lng": nullNum(), "created_at": dateTime(), "updated_at": dateTime(),
		"parent_name": str(), "child_count": integer(),
	}
	region := obj(regionProps)

	unitIn := obj(map[string]any{
		"parent_id": integer(), "kind": enum(kinds), "code": str(), "name": str(), "name_en": str(), "region_id": integer(),
		"contact_name": str(), "contact_phone": str(), "active": boolean(), "sort": integer(),
	})
	phone := map[string]any{"type": "string", "description": "masked (138****8000) unless the caller holds org.manage or contact.view"}
	unit := obj(map[string]any{
		"id": integer(), "parent_id": integer(), "kind": enum(kinds), "code": str(), "name": str(), "name_en": str(),
		"region_id": integer(), "path": str(), "contact_name": str(), "contact_phone": phone,
		"active": boolean(), "sort": integer(), "created_at": dateTime(), "updated_at": dateTime(),
		"region_name": str(), "region_path": str(), "parent_name": str(), "child_count": integer(),
	})

	pairingIn := obj(map[string]any{
		"unit_id": integer(), "region_id": map[string]any{"type": "integer", "description": "a community"},
		"started_on": map[string]any{"type": "string", "format": "date"}, "note": str(),
	}, "unit_id", "region_id")
	pairingUpd := obj(map[string]any{"started_on": map[string]any{"type": "string", "format": "date"}, "note": str()})
	pairing := obj(map[string]any{
		"id": integer(), "unit_id": integer(), "region_id": integer(), "started_on": str(), "note": str(), "created_at": dateTime(),
		"unit_code": str(), "unit_name": str(), "region_code": str(), "region_name": str(), "region_path": str(),
	})

	read := map[int]string{403: "the role lacks org.view", 404: "no such row in the caller's data scope"}
	write := map[int]string{400: "invalid input; error.fields names each bad field", 403: "the role lacks org.manage",
		404: "no such row in the caller's data scope", 409: "the row is still referred to, or already exists"}
	with := func(m map[int]string, k int, v string) map[int]string { m = maps.Clone(m); m[k] = v; return m }

	s.api("GET /api/v1/regions", APIDoc{
		Summary: "Regions in the caller's scope in tree order (city → district → street → community → grid)", Tag: tag,
		Params: append(slices.Clone(pagingParams),
			Param{Name: "parent", In: "query", Type: "integer", Description: "only the direct children of this region; 0 for the cities"},
			Param{Name: "level", In: "query", Description: "one of " + strings.Join(levels, ", ")},
		),
		Response: listOf(region), Extra: with(read, 400, "a bad filter value"),
	}, s.apiRegionList)
	s.api("POST /api/v1/regions", APIDoc{
		Summary: "Create a region; its level must be one below its parent's", Tag: tag,
		Body: regionIn, Response: region, Status: http.StatusCreated, Extra: write,
	}, s.apiRegionCreate)
	s.api("GET /api/v1/regions/{id}", APIDoc{Summary: "One region", Tag: tag, Response: region, Extra: read}, s.apiRegionGet)
	s.api("PUT /api/v1/regions/{id}", APIDoc{
		Summary: "Change a region; fields left out keep their values; a new parent moves the whole subtree", Tag: tag,
		Body: regionIn, Response: region, Extra: write,
	}, s.apiRegionUpdate)
	s.api("DELETE /api/v1/regions/{id}", APIDoc{
		Summary: "Delete a region without sub-regions that nothing refers to", Tag: tag, Status: http.StatusNoContent, Extra: write,
	}, s.apiRegionDelete)

	s.api("GET /api/v1/units", APIDoc{
		Summary: "Units in the caller's scope in tree order", Tag: tag,
		Params: append(slices.Clone(pagingParams),
			Param{Name: "kind", In: "query", Description: "one of " + strings.Join(kinds, ", ")},
			Param{Name: "region", In: "query", Type: "integer", Description: "only units whose region lies in this region's subtree"},
			Param{Name: "parent", In: "query", Type: "integer", Description: "only the direct sub-units of this unit; 0 for the top level"},
			Param{Name: "active", In: "query", Type: "boolean", Description: "true: active units only; false: inactive only"},
		),
		Response: listOf(unit), Extra: with(read, 400, "a bad filter value"),
	}, s.apiUnitList)
	s.api("POST /api/v1/units", APIDoc{
		Summary: "Create a unit in a region, optionally under a parent unit", Tag: tag,
		Body: unitIn, Response: unit, Status: http.StatusCreated, Extra: write,
	}, s.apiUnitCreate)
	s.api("GET /api/v1/units/{id}", APIDoc{Summary: "One unit", Tag: tag, Response: unit, Extra: read}, s.apiUnitGet)
	s.api("PUT /api/v1/units/{id}", APIDoc{
		Summary: "Change a unit; fields left out keep their values; a new parent moves the whole subtree", Tag: tag,
		Body: unitIn, Response: unit, Extra: write,
	}, s.apiUnitUpdate)
	s.api("DELETE /api/v1/units/{id}", APIDoc{
		Summary: "Delete a unit without sub-units that no user or pairing refers to", Tag: tag, Status: http.StatusNoContent, Extra: write,
	}, s.apiUnitDelete)

	s.api("GET /api/v1/pairings", APIDoc{
		Summary: "Pairings (结对共建) whose unit or community is in the caller's scope", Tag: tag,
		Params: append(slices.Clone(pagingParams),
			Param{Name: "unit", In: "query", Type: "integer", Description: "only this unit's pairings"},
			Param{Name: "region", In: "query", Type: "integer", Description: "only communities in this region's subtree"},
		),
		Response: listOf(pairing), Extra: with(read, 400, "a bad filter value"),
	}, s.apiPairingList)
	s.api("POST /api/v1/pairings", APIDoc{
		Summary: "Pair a unit with a community; a second pairing of the same two is 409", Tag: tag,
		Body: pairingIn, Response: pairing, Status: http.StatusCreated, Extra: write,
	}, s.apiPairingCreate)
	s.api("GET /api/v1/pairings/{id}", APIDoc{Summary: "One pairing", Tag: tag, Response: pairing, Extra: read}, s.apiPairingGet)
	s.api("PUT /api/v1/pairings/{id}", APIDoc{
		Summary: "Change a pairing's start date and note (the unit and the community are fixed); fields left out keep their values", Tag: tag,
		Body: pairingUpd, Response: pairing, Extra: write,
	}, s.apiPairingUpdate)
	s.api("DELETE /api/v1/pairings/{id}", APIDoc{
		Summary: "End a pairing", Tag: tag, Status: http.StatusNoContent, Extra: write,
	}, s.apiPairingDelete)
}

// ---- shared helpers of the organisation pages ----

// optionalID reads an optional id filter: "" is nil, "0" points to 0 (the
// top level), a bad value is a field error.
func orgOptionalID(f *errs.Fields, vals url.Values, field string) *int64 {
	if strings.TrimSpace(vals.Get(field)) == "" {
		return nil
	}
	n := formInt64(f, vals, field)
	if n < 0 {
		f.Add(field, "field.bad_choice")
		return nil
	}
	return &n
}

// filterID reads an optional positive id filter; "" or "0" is 0.
func orgFilterID(f *errs.Fields, vals url.Values, field string) int64 {
	n := formInt64(f, vals, field)
	if n < 0 {
		f.Add(field, "field.bad_choice")
		return 0
	}
	return n
}

// queryActive reads the active filter; anything but yes/no is an error.
func orgQueryActive(f *errs.Fields, vals url.Values, field string) *bool {
	if strings.TrimSpace(vals.Get(field)) == "" {
		return nil
	}
	b := queryBool(vals, field)
	if b == nil {
		f.Add(field, "field.bad_choice")
	}
	return b
}

// deleteFailed answers a refused delete (still has children, still in use)
// on the row's edit page with the reason; other errors go to fail.
func (s *Server) orgDeleteFailed(w http.ResponseWriter, r *http.Request, page string, v *View, err error) error {
	code := errs.CodeOf(err)
	if code != errs.Conflict {
		return err
	}
	_, msg, _ := s.message(r, err)
	v.ErrorMsg = msg
	s.render(w, r, statusOf(code), page, v)
	return nil
}

// unitPhone is the contact phone as the viewer may read it in the API and
// exports: whole for those who manage the organisation or may see contact
// details, masked for everyone else.
func orgUnitPhone(p *auth.Principal, phone string) string {
	if p.Can(auth.PermOrgManage) || p.Can(auth.PermContactView) {
		return phone
	}
	return account.MaskPhone(phone)
}

// yesNo is a boolean in the viewer's language.
func orgYesNo(l i18n.Lang, b bool) string {
	if b {
		return i18n.T(l, "yes")
	}
	return i18n.T(l, "no")
}

func orgFloat(x *float64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatFloat(*x, 'f', -1, 64)
}

// nameIn picks the Chinese or English name.
func orgName(l i18n.Lang, zh, en string) string {
	if l == i18n.EN && en != "" {
		return en
	}
	return zh
}
