package grassrootsweb

import (
	"net/http"
	"slices"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"

	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) apiRoutes() {
	const tag = "grassroots"
	household := web.Obj(map[string]any{
		"id": web.Integer(), "region_id": web.Integer(), "region_path": web.Str(), "region_name": web.Str(), "region_name_en": web.Str(),
		"community": web.Str(), "community_en": web.Str(), "address": web.Str(),
		"building": web.Str(), "door": web.Str(), "head_name": web.Str(),
		"phone":       map[string]any{"type": "string", "description": "masked (138****8000)"},
		"ten_head_id": web.Integer(), "ten_head_name": web.Str(), "building_head_id": web.Integer(), "building_head_name": web.Str(),
		"note": web.Str(), "members": web.Integer(), "tags": map[string]any{"type": "array", "items": web.Str()},
		"created_at": web.DateTime(), "updated_at": web.DateTime(),
	})
	read := map[int]string{403: "the role lacks grid.visit", 404: "no such household in the caller's data scope"}
	s.API("GET /api/v1/grassroots/households", web.APIDoc{
		Summary: "Households in the caller's scope (phones masked)", Tag: tag,
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "region", In: "query", Type: "integer", Description: "only this region's subtree"},
			web.Param{Name: "tag", In: "query", Description: "only households with this tag in force today (lifted, monitored …)"},
			web.Param{Name: "head", In: "query", Type: "integer", Description: "only the households of this ten-household or building head"},
		),
		Response: web.ListOf(household), Extra: map[int]string{400: "a bad filter value", 403: read[403]},
	}, s.apiHouseholdList)
	s.API("GET /api/v1/grassroots/figures", web.APIDoc{
		Summary: "The grassroots figures (households and people visited, needs, disputes settled, meetings and audience, cadres, villages) " +
			"over a period, in the caller's scope; the same numbers as the pages", Tag: tag,
		Params: []web.Param{
			{Name: "from", In: "query", Description: "first day, YYYY-MM-DD (China Standard Time)"},
			{Name: "to", In: "query", Description: "last day, YYYY-MM-DD"},
			{Name: "region", In: "query", Type: "integer", Description: "only this region's subtree"},
		},
		Response: web.Obj(map[string]any{"from": web.Str(), "to": web.Str(), "region_id": web.Integer(),
			"figures": map[string]any{"type": "object", "additionalProperties": web.Integer()}}),
		Extra: map[int]string{400: "a bad date", 403: "the role lacks grid.visit and dashboard.view", 404: "no such region in the caller's scope"},
	}, s.apiFigures)
	s.API("GET /api/v1/grassroots/households/{id}", web.APIDoc{Summary: "One household", Tag: tag, Response: household, Extra: read},
		s.apiHouseholdGet)
}

func (s *Server) apiHouseholdList(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return web.ListJSON(w, r, listFilterOf, s.gr.ListHouseholds)
}

func (s *Server) apiFigures(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe errs.Fields
	sc := figures.Scope{From: q.Get("from"), To: q.Get("to"), RegionID: web.FormInt64(&fe, q, "region")}
	if err := fe.Err(); err != nil {
		return err
	}
	m, err := s.gr.FigureSet(r.Context(), web.Principal(r), sc)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"from": sc.From, "to": sc.To, "region_id": sc.RegionID, "figures": m})
	return nil
}

func (s *Server) apiHouseholdGet(w http.ResponseWriter, r *http.Request) error {
	return web.GetJSON(w, r, s.householdOf)
}
