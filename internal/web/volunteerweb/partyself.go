package volunteerweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

// A working Party member's own registration on a phone (/party/register,
// public), the community's review of it (/party-applications), the service
// card (一卡: /party-members/{id}/card and its PDF) and editing or moving a
// registration (/party-members/{id}/edit, /volunteers/edit/{id}).

func (s *Server) partySelfRoutes() {
	s.PublicPage("GET /party/register", s.partyApplyForm)
	s.PublicPage("POST /party/register", s.partyApplySubmit)
	s.PublicPage("GET /party/registered", s.partyApplied)
	s.Page("GET /party-applications", s.partyApps)
	s.Page("POST /party-applications/{id}/approve", s.partyAppApprove)
	s.Page("POST /party-applications/{id}/reject", s.partyAppReject)
	s.Page("GET /party-members/{id}/card", s.partyCard)
	s.Page("GET /party-members/{id}/card.pdf", s.partyCardPDF)
	s.Page("GET /party-members/{id}/edit", s.partyEdit)
	s.Page("POST /party-members/{id}/edit", s.partyEditSubmit)
	s.Page("GET /volunteers/edit/{id}", s.volunteerEdit) // not /volunteers/{id}/edit: that GET would clash with /volunteers/pairings/{id}
	s.Page("POST /volunteers/{id}/edit", s.volunteerEditSubmit)
}

func partyInputOf(fe *errs.Fields, vals url.Values) volunteer.PartyInput {
	return volunteer.PartyInput{Name: vals.Get("name"), Phone: vals.Get("phone"), UnitID: optID(fe, vals, "unit_id"),
		RegionID: optID(fe, vals, "region_id"), Grid: vals.Get("grid"), Building: vals.Get("building"), Roles: vals["roles"], Posts: vals["posts"]}
}

// ---- the member's own registration ----

func (s *Server) partyApplyView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v, err := s.partyForm(w, r, true)
	if err != nil {
		return nil, err
	}
	v.Title = v.T("vol.party.apply_title")
	d := v.Data.(*partyFormData)
	d.Action, d.Back, d.Submit, d.Intro = "/party/register", "", "vol.party.apply_submit", "vol.party.apply_intro"
	cs, err := s.vol.Communities(r.Context())
	if err != nil {
		return nil, err
	}
	d.Communities = nil
	for _, c := range cs {
		d.Communities = append(d.Communities, web.Option{Value: strconv.FormatInt(c.ID, 10),
			Label: v.Name(c.District, c.DistrictEN) + " · " + v.Name(c.Street, c.StreetEN) + " · " + v.Name(c.Name, c.NameEN)})
	}
	return v, nil
}

func (s *Server) partyApplyForm(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_party_form", func() (*web.View, error) { return s.partyApplyView(w, r) })
}

func (s *Server) partyApplySubmit(w http.ResponseWriter, r *http.Request) error {
	return s.Submit(w, r, "vol_party_form", "", func() (*web.View, error) { return s.partyApplyView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := partyInputOf(fe, vals)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.vol.ApplyPartyMember(r.Context(), web.ClientIP(r), in)
			return "/party/registered", err
		})
}

func (s *Server) partyApplied(w http.ResponseWriter, r *http.Request) error {
	s.Render(w, r, http.StatusOK, "vol_party_applied", s.View(w, r, "vol.party.applied_title"))
	return nil
}

// ---- the community's review ----

func (s *Server) partyAppsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	rows, err := s.vol.PartyApplications(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.party.apps_title")
	v.Data = rows
	return v, nil
}

func (s *Server) partyApps(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Show(w, r, "vol_party_apps", func() (*web.View, error) { return s.partyAppsView(w, r) })
}

func (s *Server) partyAppApprove(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.party_application")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_party_apps", "vol.flash.party_registered", func() (*web.View, error) { return s.partyAppsView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			m, err := s.vol.ApprovePartyApplication(r.Context(), web.Principal(r), id)
			return "/party-members/" + strconv.FormatInt(m, 10), err
		})
}

func (s *Server) partyAppReject(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.party_application")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_party_apps", "vol.flash.party_rejected", func() (*web.View, error) { return s.partyAppsView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return "/party-applications", s.vol.RejectPartyApplication(r.Context(), web.Principal(r), id, vals.Get("reason"))
		})
}

// ---- the service card ----

type cardData struct {
	M            volunteer.PartyMember
	Roles, Posts string
}

func (s *Server) partyMemberOf(r *http.Request) (volunteer.PartyMember, error) {
	id, err := web.PathID(r, "id", "entity.party_member")
	if err != nil {
		return volunteer.PartyMember{}, err
	}
	return s.vol.PartyMember(r.Context(), web.Principal(r), id)
}

func (s *Server) partyCard(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	m, err := s.partyMemberOf(r)
	if err != nil {
		return err
	}
	v := s.View(w, r, "vol.party.card_title")
	names := func(prefix string, xs []string) string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = v.T(prefix + x)
		}
		return strings.Join(out, v.T("vol.list_sep"))
	}
	v.Data = &cardData{M: m, Roles: names("volunteer.party.role.", m.Roles), Posts: names("volunteer.party.post.", m.Posts)}
	s.Render(w, r, http.StatusOK, "vol_party_card", v)
	return nil
}

func (s *Server) partyCardPDF(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	m, err := s.partyMemberOf(r)
	if err != nil {
		return err
	}
	pdf, err := m.CardPDF()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape("党员服务卡-"+m.CardNo+".pdf"))
	_, err = w.Write(pdf)
	return err
}

// ---- editing and moving ----

func (s *Server) partyEditView(w http.ResponseWriter, r *http.Request, m volunteer.PartyMember) (*web.View, error) {
	v, err := s.partyFormView(w, r)
	if err != nil {
		return nil, err
	}
	v.Title = v.T("vol.party.edit_title")
	d := v.Data.(*partyFormData)
	path := "/party-members/" + strconv.FormatInt(m.ID, 10)
	d.Action, d.Back, d.Submit, d.Intro = path+"/edit", path, "btn.save", "vol.party.edit_intro"
	if r.Method == http.MethodGet {
		v.Form = url.Values{"name": {m.Name}, "phone": {m.Phone}, "unit_id": {strconv.FormatInt(m.UnitID, 10)},
			"region_id": {strconv.FormatInt(m.RegionID, 10)}, "grid": {m.Grid}, "building": {m.Building}, "roles": m.Roles, "posts": m.Posts}
	}
	return v, nil
}

func (s *Server) partyEdit(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	m, err := s.partyMemberOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "vol_party_form", func() (*web.View, error) { return s.partyEditView(w, r, m) })
}

func (s *Server) partyEditSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	m, err := s.partyMemberOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_party_form", "vol.flash.saved", func() (*web.View, error) { return s.partyEditView(w, r, m) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := partyInputOf(fe, vals)
			if err := fe.Err(); err != nil {
				return "", err
			}
			return "/party-members/" + strconv.FormatInt(m.ID, 10), s.vol.UpdatePartyMember(r.Context(), web.Principal(r), m.ID, in)
		})
}

type volEditData struct {
	V                      volunteer.Volunteer
	Regions, Skills, Slots []web.Option
}

func (s *Server) volunteerEditView(w http.ResponseWriter, r *http.Request, x volunteer.Volunteer) (*web.View, error) {
	v := s.View(w, r, "vol.edit.title")
	d := &volEditData{V: x, Skills: options(v.Lang, "volunteer.skill.", volunteer.Skills), Slots: options(v.Lang, "volunteer.slot.", volunteer.Slots)}
	var err error
	if d.Regions, err = s.regionChoices(r, v, org.LevelDistrict, org.LevelStreet, org.LevelCommunity); err != nil {
		return nil, err
	}
	if r.Method == http.MethodGet {
		v.Form = url.Values{"phone": {x.Phone}, "region_id": {strconv.FormatInt(x.RegionID, 10)}, "skills": x.Skills, "availability": x.Availability}
		if x.PartyMember {
			v.Form.Set("party_member", "1")
		}
	}
	v.Data = d
	return v, nil
}

func (s *Server) volunteerEdit(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "vol_edit", func() (*web.View, error) { return s.volunteerEditView(w, r, x) })
}

func (s *Server) volunteerEditSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_edit", "vol.flash.saved", func() (*web.View, error) { return s.volunteerEditView(w, r, x) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.EditInput{Phone: vals.Get("phone"), RegionID: optID(fe, vals, "region_id"), Skills: vals["skills"],
				Availability: vals["availability"], PartyMember: web.FormBool(vals, "party_member")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			return "/volunteers/" + strconv.FormatInt(x.ID, 10), s.vol.UpdateVolunteer(r.Context(), web.Principal(r), x.ID, in)
		})
}
