package volunteerweb

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) apiRoutes() {
	const tag = "volunteers"
	vol := web.Obj(map[string]any{
		"id": web.Integer(), "number": map[string]any{"type": "string", "description": "ZY + year + 6 digits; empty until approved"},
		"status": map[string]any{"type": "string", "enum": strs(volunteer.Statuses)}, "name": web.Str(),
		"gender": map[string]any{"type": "string", "enum": strs(volunteer.Genders)}, "birth_date": map[string]any{"type": "string", "format": "date"},
		"id_type": map[string]any{"type": "string", "enum": strs(volunteer.IDTypes)}, "id_number_masked": web.Str(),
		"phone": map[string]any{"type": "string", "description": "masked (139****5678)"}, "region_id": web.Integer(), "region_name": web.Str(),
		"skills": web.Arr(web.Str()), "availability": web.Arr(web.Str()), "party_member": web.Boolean(),
		"guardian_name": web.Str(), "guardian_phone": map[string]any{"type": "string", "description": "masked"}, "guardian_consent": web.Boolean(),
		"source": web.Str(), "reject_reason": web.Str(), "user_id": web.Integer(), "reviewed_at": web.DateTime(), "created_at": web.DateTime(),
	})
	read := map[int]string{403: "the role lacks volunteer.organise", 404: "no such volunteer in the caller's data scope"}
	s.API("GET /api/v1/volunteers", web.APIDoc{
		Summary: "Volunteers whose home area is in the caller's scope, newest first", Tag: tag,
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "status", In: "query", Description: "one of " + strings.Join(strs(volunteer.Statuses), ", ")},
			web.Param{Name: "region", In: "query", Type: "integer", Description: "only home areas in this region's subtree"},
			web.Param{Name: "party", In: "query", Type: "boolean", Description: "party members only (true) or the others (false)"},
		),
		Response: web.ListOf(vol), Extra: map[int]string{400: "a bad filter value", 403: read[403]},
	}, s.apiList)
	s.API("GET /api/v1/volunteers/{id}", web.APIDoc{Summary: "One volunteer", Tag: tag, Response: vol, Extra: read}, s.apiGet)
	s.API("POST /api/v1/volunteers/{id}/approve", web.APIDoc{
		Summary: "Approve a pending registration: the volunteer number is given in the same transaction", Tag: tag, Response: vol,
		Extra: map[int]string{403: read[403], 404: read[404], 409: "no longer pending"},
	}, s.apiApprove)
}

func masked(x volunteer.Volunteer) volunteer.Volunteer {
	x.Phone, x.GuardianPhone = pii.MaskPhone(x.Phone), pii.MaskPhone(x.GuardianPhone)
	return x
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request) error {
	return web.ListJSON(w, r, filterOf, func(ctx context.Context, p *auth.Principal, f volunteer.Filter) ([]volunteer.Volunteer, int, error) {
		rows, n, err := s.vol.List(ctx, p, f)
		for i := range rows {
			rows[i] = masked(rows[i])
		}
		if rows == nil {
			rows = []volunteer.Volunteer{}
		}
		return rows, n, err
	})
}

func (s *Server) apiGet(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return web.GetJSON(w, r, func(r *http.Request) (volunteer.Volunteer, error) {
		x, err := s.volunteerOf(r)
		return masked(x), err
	})
}

func (s *Server) apiApprove(w http.ResponseWriter, r *http.Request) error {
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	if x, err = s.vol.Approve(r.Context(), web.Principal(r), x.ID); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, masked(x))
	return nil
}
