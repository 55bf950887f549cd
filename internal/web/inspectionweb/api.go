package inspectionweb

import (
	"context"
	"net/http"
	"slices"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) apiRoutes() {
	const tag = "inspection"
	read := map[int]string{403: "the role lacks inspection.view", 404: "no such row in the caller's data scope"}
	pts := func(d string) map[string]any {
		return map[string]any{"type": "integer", "description": d + ", in hundredths of a point"}
	}
	index := web.Obj(map[string]any{"id": web.Integer(), "code": web.Str(), "name": web.Str(), "version": web.Integer(),
		"state": map[string]any{"type": "string", "enum": []string{"draft", "active", "retired"}}, "note": web.Str(),
		"created_at": web.DateTime(), "updated_at": web.DateTime(), "nodes": web.Integer(), "total_centi": pts("the parts' points"), "name_en": web.Str()})
	node := web.Obj(map[string]any{"id": web.Integer(), "index_id": web.Integer(), "parent_id": web.Integer(), "parent_code": web.Str(),
		"level": map[string]any{"type": "string", "enum": []string{"part", "section", "indicator", "content"}}, "code": web.Str(), "name": web.Str(),
		"points_centi": pts("points"), "method": web.Str(), "sort": web.Integer(), "depth": web.Integer(), "children": web.Integer(), "name_en": web.Str()})
	siteType := web.Obj(map[string]any{"id": web.Integer(), "code": web.Str(), "name": web.Str(), "name_en": web.Str(), "active": web.Boolean(),
		"sort": web.Integer(), "created_at": web.DateTime(), "updated_at": web.DateTime(), "items": web.Integer(), "sites": web.Integer(),
		"points_centi": pts("the checklist's points")})
	item := web.Obj(map[string]any{"id": web.Integer(), "site_type_id": web.Integer(), "indicator_code": web.Str(), "indicator_name": web.Str(),
		"title": web.Str(), "rule": web.Str(), "points_centi": pts("points"), "deduct_centi": pts("deduction per finding"),
		"cap_centi": pts("the most the findings may take"), "severity": web.Str(), "allow_na": web.Boolean(), "sort": web.Integer(),
		"title_en": web.Str(), "rule_en": web.Str(), "indicator_name_en": web.Str()})
	num := map[string]any{"type": "number", "nullable": true}
	site := web.Obj(map[string]any{"id": web.Integer(), "code": web.Str(), "name": web.Str(), "site_type_id": web.Integer(), "site_type_name": web.Str(),
		"shape": map[string]any{"type": "string", "enum": []string{"point", "line"}}, "lat": num, "lng": num, "line": web.Str(), "address": web.Str(),
		"region_id": web.Integer(), "region_name": web.Str(), "region_path": web.Str(), "unit_id": web.Integer(), "unit_name": web.Str(),
		"group_id": web.Integer(), "group_name": web.Str(), "active": web.Boolean(), "created_at": web.DateTime(), "updated_at": web.DateTime(),
		"name_en": web.Str(), "site_type_name_en": web.Str(), "address_en": web.Str(), "region_name_en": web.Str(), "unit_name_en": web.Str(),
		"group_name_en": web.Str()})

	s.API("GET /api/v1/inspection/indexes", web.APIDoc{Summary: "Every version of every evaluation index", Tag: tag,
		Response: map[string]any{"type": "array", "items": index}, Extra: read}, s.apiIndexes)
	s.API("GET /api/v1/inspection/indexes/{id}/nodes", web.APIDoc{Summary: "A version's tree in tree order", Tag: tag,
		Response: map[string]any{"type": "array", "items": node}, Extra: read}, s.apiNodes)
	s.API("GET /api/v1/inspection/site-types", web.APIDoc{Summary: "Site types", Tag: tag,
		Response: map[string]any{"type": "array", "items": siteType}, Extra: read}, s.apiSiteTypes)
	s.API("GET /api/v1/inspection/site-types/{id}/items", web.APIDoc{Summary: "A site type's checklist", Tag: tag,
		Response: map[string]any{"type": "array", "items": item}, Extra: read}, s.apiItems)
	s.API("GET /api/v1/inspection/sites", web.APIDoc{Summary: "Sites the caller sees (data scope, or the supervision group covering them)", Tag: tag,
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "type", In: "query", Type: "integer", Description: "only this site type"},
			web.Param{Name: "region", In: "query", Type: "integer", Description: "only sites in this region's subtree"},
			web.Param{Name: "unit", In: "query", Type: "integer", Description: "only this responsible unit's sites"},
			web.Param{Name: "group", In: "query", Type: "integer", Description: "only the sites this supervision group covers"}),
		Response: web.ListOf(site), Extra: read}, s.apiSites)
	s.API("GET /api/v1/inspection/sites/{id}", web.APIDoc{Summary: "One site", Tag: tag, Response: site, Extra: read}, s.apiSite)
}

func (s *Server) apiIndexes(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.insp.ListIndexes(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, nonNil(rows))
	return nil
}

func (s *Server) apiNodes(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexOf(r)
	if err != nil {
		return err
	}
	ns, err := s.insp.Nodes(r.Context(), web.Principal(r), x.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, nonNil(ns))
	return nil
}

func (s *Server) apiSiteTypes(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.insp.ListSiteTypes(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, nonNil(rows))
	return nil
}

func (s *Server) apiItems(w http.ResponseWriter, r *http.Request) error {
	t, err := s.siteTypeOf(r)
	if err != nil {
		return err
	}
	rows, err := s.insp.CheckItems(r.Context(), web.Principal(r), t.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, nonNil(rows))
	return nil
}

func (s *Server) apiSites(w http.ResponseWriter, r *http.Request) error {
	return web.ListJSON(w, r, siteFilterOf, func(ctx context.Context, p *auth.Principal, f inspection.SiteFilter) ([]inspection.Site, int, error) {
		rows, total, err := s.insp.ListSites(ctx, p, f)
		return nonNil(rows), total, err
	})
}

func (s *Server) apiSite(w http.ResponseWriter, r *http.Request) error {
	return web.GetJSON(w, r, s.siteOf)
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
