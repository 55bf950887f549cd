package orgweb

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/pii"
)

// orgRoutes registers the organisation pages and API (regions, units,
// pairings). Every route that names a row loads it through the service
// first, so a row outside the caller's data scope answers 404 before any
// permission or input is looked at.
func (s *Server) orgRoutes() {
	s.Page("GET /regions", s.regionList)
	s.Page("GET /regions/new", s.regionNew)
	s.Page("POST /regions", s.regionCreate)
	s.Page("GET /regions/{id}/edit", s.regionEdit)
	s.Page("POST /regions/{id}", s.regionUpdate)
	s.Page("POST /regions/{id}/delete", s.regionDelete)

	s.Page("GET /units", s.unitList)
	s.Page("GET /units/new", s.unitNew)
	s.Page("POST /units", s.unitCreate)
	s.Page("GET /units/{id}/edit", s.unitEdit)
	s.Page("POST /units/{id}", s.unitUpdate)
	s.Page("POST /units/{id}/delete", s.unitDelete)

	s.Page("GET /pairings", s.pairingList)
	s.Page("GET /pairings/new", s.pairingNew)
	s.Page("POST /pairings", s.pairingCreate)
	s.Page("GET /pairings/{id}/edit", s.pairingEdit)
	s.Page("POST /pairings/{id}", s.pairingUpdate)
	s.Page("POST /pairings/{id}/delete", s.pairingDelete)

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

	regionIn := web.Obj(map[string]any{
		"parent_id": web.Integer(), "level": enum(levels), "code": web.Str(), "name": web.Str(), "name_en": web.Str(),
		"sort": web.Integer(), "lat": nullNum(), "lng": nullNum(),
	})
	regionProps := map[string]any{
		"id": web.Integer(), "parent_id": web.Integer(), "level": enum(levels), "code": web.Str(), "name": web.Str(), "name_en": web.Str(),
		"path": web.Str(), "sort": web.Integer(), "lat": nullNum(), "lng": nullNum(), "created_at": web.DateTime(), "updated_at": web.DateTime(),
		"parent_name": web.Str(), "child_count": web.Integer(),
	}
	region := web.Obj(regionProps)

	unitIn := web.Obj(map[string]any{
		"parent_id": web.Integer(), "kind": enum(kinds), "code": web.Str(), "name": web.Str(), "name_en": web.Str(), "region_id": web.Integer(),
		"contact_name": web.Str(), "contact_phone": web.Str(), "active": web.Boolean(), "sort": web.Integer(),
	})
	phone := map[string]any{"type": "string", "description": "masked (138****8000) unless the caller holds org.manage or contact.view"}
	unit := web.Obj(map[string]any{
		"id": web.Integer(), "parent_id": web.Integer(), "kind": enum(kinds), "code": web.Str(), "name": web.Str(), "name_en": web.Str(),
		"region_id": web.Integer(), "path": web.Str(), "contact_name": web.Str(), "contact_phone": phone,
		"active": web.Boolean(), "sort": web.Integer(), "created_at": web.DateTime(), "updated_at": web.DateTime(),
		"region_name": web.Str(), "region_path": web.Str(), "parent_name": web.Str(), "child_count": web.Integer(),
	})

	pairingIn := web.Obj(map[string]any{
		"unit_id": web.Integer(), "region_id": map[string]any{"type": "integer", "description": "a community"},
		"started_on": map[string]any{"type": "string", "format": "date"}, "note": web.Str(),
	}, "unit_id", "region_id")
	pairingUpd := web.Obj(map[string]any{"started_on": map[string]any{"type": "string", "format": "date"}, "note": web.Str()})
	pairing := web.Obj(map[string]any{
		"id": web.Integer(), "unit_id": web.Integer(), "region_id": web.Integer(), "started_on": web.Str(), "note": web.Str(), "created_at": web.DateTime(),
		"unit_code": web.Str(), "unit_name": web.Str(), "region_code": web.Str(), "region_name": web.Str(), "region_path": web.Str(),
	})

	read := map[int]string{403: "the role lacks org.view", 404: "no such row in the caller's data scope"}
	write := map[int]string{400: "invalid input; error.fields names each bad field", 403: "the role lacks org.manage",
		404: "no such row in the caller's data scope", 409: "the row is still referred to, or already exists"}
	with := func(m map[int]string, k int, v string) map[int]string { m = maps.Clone(m); m[k] = v; return m }

	s.API("GET /api/v1/regions", web.APIDoc{
		Summary: "Regions in the caller's scope in tree order (city → district → street → community → grid)", Tag: tag,
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "parent", In: "query", Type: "integer", Description: "only the direct children of this region; 0 for the cities"},
			web.Param{Name: "level", In: "query", Description: "one of " + strings.Join(levels, ", ")},
		),
		Response: web.ListOf(region), Extra: with(read, 400, "a bad filter value"),
	}, s.apiRegionList)
	s.API("POST /api/v1/regions", web.APIDoc{
		Summary: "Create a region; its level must be one below its parent's", Tag: tag,
		Body: regionIn, Response: region, Status: http.StatusCreated, Extra: write,
	}, s.apiRegionCreate)
	s.API("GET /api/v1/regions/{id}", web.APIDoc{Summary: "One region", Tag: tag, Response: region, Extra: read}, s.apiRegionGet)
	s.API("PUT /api/v1/regions/{id}", web.APIDoc{
		Summary: "Change a region; fields left out keep their values; a new parent moves the whole subtree", Tag: tag,
		Body: regionIn, Response: region, Extra: write,
	}, s.apiRegionUpdate)
	s.API("DELETE /api/v1/regions/{id}", web.APIDoc{
		Summary: "Delete a region without sub-regions that nothing refers to", Tag: tag, Status: http.StatusNoContent, Extra: write,
	}, s.apiRegionDelete)

	s.API("GET /api/v1/units", web.APIDoc{
		Summary: "Units in the caller's scope in tree order", Tag: tag,
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "kind", In: "query", Description: "one of " + strings.Join(kinds, ", ")},
			web.Param{Name: "region", In: "query", Type: "integer", Description: "only units whose region lies in this region's subtree"},
			web.Param{Name: "parent", In: "query", Type: "integer", Description: "only the direct sub-units of this unit; 0 for the top level"},
			web.Param{Name: "active", In: "query", Type: "boolean", Description: "true: active units only; false: inactive only"},
		),
		Response: web.ListOf(unit), Extra: with(read, 400, "a bad filter value"),
	}, s.apiUnitList)
	s.API("POST /api/v1/units", web.APIDoc{
		Summary: "Create a unit in a region, optionally under a parent unit", Tag: tag,
		Body: unitIn, Response: unit, Status: http.StatusCreated, Extra: write,
	}, s.apiUnitCreate)
	s.API("GET /api/v1/units/{id}", web.APIDoc{Summary: "One unit", Tag: tag, Response: unit, Extra: read}, s.apiUnitGet)
	s.API("PUT /api/v1/units/{id}", web.APIDoc{
		Summary: "Change a unit; fields left out keep their values; a new parent moves the whole subtree", Tag: tag,
		Body: unitIn, Response: unit, Extra: write,
	}, s.apiUnitUpdate)
	s.API("DELETE /api/v1/units/{id}", web.APIDoc{
		Summary: "Delete a unit without sub-units that no user or pairing refers to", Tag: tag, Status: http.StatusNoContent, Extra: write,
	}, s.apiUnitDelete)

	s.API("GET /api/v1/pairings", web.APIDoc{
		Summary: "Pairings (结对共建) whose unit or community is in the caller's scope", Tag: tag,
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "unit", In: "query", Type: "integer", Description: "only this unit's pairings"},
			web.Param{Name: "region", In: "query", Type: "integer", Description: "only communities in this region's subtree"},
		),
		Response: web.ListOf(pairing), Extra: with(read, 400, "a bad filter value"),
	}, s.apiPairingList)
	s.API("POST /api/v1/pairings", web.APIDoc{
		Summary: "Pair a unit with a community; a second pairing of the same two is 409", Tag: tag,
		Body: pairingIn, Response: pairing, Status: http.StatusCreated, Extra: write,
	}, s.apiPairingCreate)
	s.API("GET /api/v1/pairings/{id}", web.APIDoc{Summary: "One pairing", Tag: tag, Response: pairing, Extra: read}, s.apiPairingGet)
	s.API("PUT /api/v1/pairings/{id}", web.APIDoc{
		Summary: "Change a pairing's start date and note (the unit and the community are fixed); fields left out keep their values", Tag: tag,
		Body: pairingUpd, Response: pairing, Extra: write,
	}, s.apiPairingUpdate)
	s.API("DELETE /api/v1/pairings/{id}", web.APIDoc{
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
	n := web.FormInt64(f, vals, field)
	if n < 0 {
		f.Add(field, "field.bad_choice")
		return nil
	}
	return &n
}

// filterID reads an optional positive id filter; "" or "0" is 0.
func orgFilterID(f *errs.Fields, vals url.Values, field string) int64 {
	n := web.FormInt64(f, vals, field)
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
	b := web.QueryBool(vals, field)
	if b == nil {
		f.Add(field, "field.bad_choice")
	}
	return b
}

// unitPhone is the contact phone as the viewer may read it in the API and
// exports: whole for those who manage the organisation or may see contact
// details, masked for everyone else.
func orgUnitPhone(p *auth.Principal, phone string) string {
	if p.Can(auth.PermOrgManage) || p.Can(auth.PermContactView) {
		return phone
	}
	return pii.MaskPhone(phone)
}

func orgFloat(x *float64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatFloat(*x, 'f', -1, 64)
}

// orgCrumb is one ancestor in a breadcrumb.
type orgCrumb struct {
	ID   int64
	Name string
}

// treeLabel is an option's name indented by its depth with full-width spaces.
func orgTreeLabel(l i18n.Lang, o org.Option) string {
	name := o.Name
	if l == i18n.EN && o.NameEN != "" {
		name = o.NameEN
	}
	label := strings.Repeat("　", o.Depth) + name + " (" + o.Code + ")"
	if !o.Active {
		label += " " + i18n.T(l, "orgweb.inactive_mark")
	}
	return label
}

func orgTreeChoices(l i18n.Lang, opts []org.Option) []web.Option {
	out := make([]web.Option, 0, len(opts))
	for _, o := range opts {
		out = append(out, web.Option{Value: web.OrgID(o.ID), Label: orgTreeLabel(l, o)})
	}
	return out
}
