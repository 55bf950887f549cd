package volunteerweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

// Working Party members in their home community: the registrations and
// their cards and service forms (/party-members, organisers), and the
// quarterly reports to employer units (/party-reports: the community sends,
// the unit signs for).

func (s *Server) partyRoutes() {
	s.Page("GET /party-members", s.partyList)
	s.Page("GET /party-members/new", s.partyNew)
	s.Page("POST /party-members", s.partyCreate)
	s.Page("GET /party-members/{id}", s.partyPage)
	s.Page("POST /party-members/{id}/services", s.partyService)
	s.partySelfRoutes()
	s.Page("GET /party-reports", s.partyReports)
	s.Page("POST /party-reports", s.partyReportsSend)
	s.Page("GET /party-reports/{id}", s.partyReport)
	s.Page("POST /party-reports/{id}/sign", s.partyReportSign)
}

type partyListData struct {
	Rows        []volunteer.PartyMember
	Pager       web.Pager
	Communities []web.Option
}

func (s *Server) partyList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	v := s.View(w, r, "vol.party.title")
	v.Form = r.URL.Query()
	lq := web.ListQueryOf(r)
	d := &partyListData{}
	v.Data = d
	var err error
	if d.Communities, err = s.regionChoices(r, v, org.LevelDistrict, org.LevelStreet, org.LevelCommunity); err != nil {
		return err
	}
	var fe errs.Fields
	f := volunteer.PartyFilter{Q: lq.Q, Page: lq.Page, Size: lq.Size, RegionID: optID(&fe, r.URL.Query(), "region")}
	if err := fe.Err(); err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "vol_party_list", v, err)
	}
	rows, total, err := s.vol.PartyMembers(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "vol_party_list", v)
	return nil
}

type partyFormData struct {
	Communities, Units, Roles, Posts []web.Option
	// Action, Back, Submit and Intro: the form's target, the way back and
	// the keys of its button and intro (the community's registration, an
	// edit, or the member's own on the public page).
	Action, Back, Submit, Intro string
}

func (s *Server) partyFormView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	return s.partyForm(w, r, false)
}

// partyForm is the registration's form; public: the member's own, whose
// communities are every community (the caller fills them in).
func (s *Server) partyForm(w http.ResponseWriter, r *http.Request, public bool) (*web.View, error) {
	v := s.View(w, r, "vol.party.new")
	d := &partyFormData{Roles: options(v.Lang, "volunteer.party.role.", volunteer.PartyRoles), Posts: options(v.Lang, "volunteer.party.post.", volunteer.PartyPosts),
		Action: "/party-members", Back: "/party-members", Submit: "vol.party.register", Intro: "vol.party.form_intro"}
	var err error
	if !public {
		if d.Communities, err = s.regionChoices(r, v, org.LevelCommunity); err != nil {
			return nil, err
		}
	}
	units, err := s.vol.Employers(r.Context())
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		d.Units = append(d.Units, web.Option{Value: strconv.FormatInt(u.ID, 10), Label: v.Name(u.Name, u.NameEN)})
	}
	v.Data = d
	return v, nil
}

func (s *Server) partyNew(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Show(w, r, "vol_party_form", func() (*web.View, error) { return s.partyFormView(w, r) })
}

func (s *Server) partyCreate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Submit(w, r, "vol_party_form", "vol.flash.party_registered", func() (*web.View, error) { return s.partyFormView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.PartyInput{Name: vals.Get("name"), Phone: vals.Get("phone"), UnitID: optID(fe, vals, "unit_id"),
				RegionID: optID(fe, vals, "region_id"), Grid: vals.Get("grid"), Building: vals.Get("building"), Roles: vals["roles"], Posts: vals["posts"]}
			if err := fe.Err(); err != nil {
				return "", err
			}
			m, err := s.vol.RegisterPartyMember(r.Context(), web.Principal(r), in)
			return "/party-members/" + strconv.FormatInt(m.ID, 10), err
		})
}

type partyData struct {
	M        volunteer.PartyMember
	Services []volunteer.PartyService
	Minutes  int
}

func (s *Server) partyView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	id, err := web.PathID(r, "id", "entity.party_member")
	if err != nil {
		return nil, err
	}
	p := web.Principal(r)
	m, err := s.vol.PartyMember(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	svc, err := s.vol.PartyServices(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.party.member")
	d := &partyData{M: m, Services: svc}
	for _, x := range svc {
		d.Minutes += x.Minutes
	}
	v.Data = d
	if v.Form.Get("day") == "" {
		v.Form.Set("day", s.Now().In(clock.CST).Format("2006-01-02"))
	}
	return v, nil
}

func (s *Server) partyPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Show(w, r, "vol_party_member", func() (*web.View, error) { return s.partyView(w, r) })
}

func (s *Server) partyService(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.party_member")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_party_member", "flash.saved", func() (*web.View, error) { return s.partyView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			minutes := formInt(fe, vals, "minutes")
			if err := fe.Err(); err != nil {
				return "", err
			}
			return "/party-members/" + strconv.FormatInt(id, 10),
				s.vol.RecordPartyService(r.Context(), web.Principal(r), id, vals.Get("day"), vals.Get("content"), minutes)
		})
}

type partyReportsData struct {
	Rows        []volunteer.PartyReport
	Organiser   bool
	Communities []web.Option
	Quarters    []web.Option
}

func (s *Server) partyReportsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	rows, err := s.vol.PartyReports(r.Context(), p)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.party.reports")
	d := &partyReportsData{Rows: rows, Organiser: p.Can(auth.PermVolunteerOrg)}
	if d.Organiser {
		if d.Communities, err = s.regionChoices(r, v, org.LevelCommunity); err != nil {
			return nil, err
		}
		for q := 1; q <= 4; q++ {
			d.Quarters = append(d.Quarters, web.Option{Value: strconv.Itoa(q), Label: v.T("vol.pairing.q", q)})
		}
		today := s.Now().In(clock.CST)
		year, q := today.Year(), (int(today.Month())+2)/3-1
		if q == 0 {
			year, q = year-1, 4
		}
		if v.Form.Get("year") == "" {
			v.Form.Set("year", strconv.Itoa(year))
			v.Form.Set("quarter", strconv.Itoa(q))
		}
	}
	v.Data = d
	return v, nil
}

func (s *Server) partyReports(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_party_reports", func() (*web.View, error) { return s.partyReportsView(w, r) })
}

func (s *Server) partyReportsSend(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	vals := r.PostForm
	region, year, quarter := optID(&fe, vals, "region_id"), formInt(&fe, vals, "year"), formInt(&fe, vals, "quarter")
	fe.Check(region != 0 || vals.Get("region_id") != "", "region_id", "field.required")
	n := 0
	err := fe.Err()
	if err == nil {
		n, err = s.vol.SendPartyReports(r.Context(), web.Principal(r), region, year, quarter)
	}
	if err != nil {
		v, verr := s.partyReportsView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "vol_party_reports", v, err)
	}
	return s.RedirectWith(w, r, "/party-reports", "vol.flash.party_reports_sent", strconv.Itoa(n))
}

func (s *Server) partyReportView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	id, err := web.PathID(r, "id", "entity.party_report")
	if err != nil {
		return nil, err
	}
	p := web.Principal(r)
	rep, err := s.vol.PartyReportOf(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.party.report")
	v.Data = &partyReportData{R: rep, CanSign: rep.SignedAt == nil && p.UnitID == rep.UnitID}
	return v, nil
}

type partyReportData struct {
	R       volunteer.PartyReport
	CanSign bool
}

func (s *Server) partyReport(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_party_report", func() (*web.View, error) { return s.partyReportView(w, r) })
}

func (s *Server) partyReportSign(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.party_report")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := s.vol.SignPartyReport(r.Context(), web.Principal(r), id); err != nil {
		return s.Refused(w, r, "vol_party_report", func() (*web.View, error) { return s.partyReportView(w, r) }, err)
	}
	return s.Redirect(w, r, "/party-reports/"+strconv.FormatInt(id, 10), "vol.flash.party_signed")
}
