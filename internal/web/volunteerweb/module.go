// Package volunteerweb is the volunteers' web package: the public
// registration page (phone-first), the volunteer's own page, and the
// organisers' list, review, import and API.
package volunteerweb

import (
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Server serves the volunteer pages.
type Server struct {
	*web.Server
	vol *volunteer.Service
	org *org.Service
}

// New returns the module; app passes it to web.New.
func New(vol *volunteer.Service, orgs *org.Service) web.Module {
	s := &Server{vol: vol, org: orgs}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.routes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.volunteers", Href: "/volunteers", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 40},
			{Key: "nav.volunteer_import", Href: "/volunteers/import", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 41},
			{Key: "nav.activities", Href: "/activities", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 39},
			{Key: "nav.projects", Href: "/projects", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 44},
			{Key: "nav.my_activities", Href: "/my/activities", Perm: auth.PermVolunteerSelf, Order: 6},
			{Key: "nav.rankings", Href: "/volunteers/rankings", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 45},
			{Key: "nav.teams", Href: "/teams", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 42},
			{Key: "nav.stations", Href: "/stations", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 43},
			{Key: "nav.pairing_work", Href: "/volunteers/pairings", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 46},
			{Key: "nav.party_members", Href: "/party-members", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 47},
			{Key: "nav.party_reports", Href: "/party-reports", Perm: auth.PermOrgView, Group: "nav.volunteering", Order: 48},
			{Key: "nav.service_orders", Href: "/service-orders", Perm: auth.PermVolunteerOrg, Group: "nav.volunteering", Order: 38},
			{Key: "nav.my_service_orders", Href: "/my/service-orders", Perm: auth.PermVolunteerSelf, Order: 7},
			{Key: "nav.my_volunteer", Href: "/my/volunteer", Perm: auth.PermVolunteerSelf, Order: 5},
		},
		Tiles: s.homeTiles,
		Funcs: template.FuncMap{"hours": hoursText, "hours64": func(m int64) string { return hoursText(int(m)) }, "stars": func(n int) string { return strings.Repeat("★", n) }},
	}
}

// homeTiles: the organiser's registrations waiting and volunteers approved.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermVolunteerOrg) {
		return nil, nil
	}
	c, err := s.vol.Count(r.Context(), p)
	if err != nil {
		return nil, err
	}
	year := strconv.Itoa(s.Now().In(clock.CST).Year())
	figs, err := s.vol.Figures(r.Context(), p, figures.Scope{From: year + "-01-01", To: year + "-12-31"})
	if err != nil {
		return nil, err
	}
	return []web.Tile{
		{Label: v.T("vol.tile.pending"), N: c.Pending, Href: "/volunteers?status=pending"},
		{Label: v.T("vol.tile.approved"), N: c.Approved, Href: "/volunteers?status=approved"},
		{Label: v.T("vol.tile.party"), N: c.Party, Href: "/volunteers?status=approved&party=true"},
		{Label: v.T("vol.tile.hours"), N: int(figs[volunteer.FigHours]), Href: "/volunteers/rankings"},
		{Label: v.T("vol.tile.activities"), N: int(figs[volunteer.FigActivities]), Href: "/activities"},
	}, nil
}

func (s *Server) routes() {
	s.PublicPage("GET /volunteer/register", s.registerPage)
	s.PublicPage("POST /volunteer/register", s.registerSubmit)
	s.PublicPage("GET /volunteer/registered", s.registeredPage)

	s.Page("GET /my/volunteer", s.minePage)

	s.Page("GET /volunteers", s.listPage)
	s.Page("GET /volunteers/rankings", s.rankingsPage)
	s.Page("GET /volunteers/import", s.importPage)
	s.Page("POST /volunteers/import", s.importSubmit)
	s.Page("GET /volunteers/import/template", s.importTemplate)
	s.Page("GET /volunteers/{id}", s.detailPage)
	s.Page("POST /volunteers/{id}/approve", s.approve)
	s.Page("POST /volunteers/{id}/reject", s.reject)
	s.Page("POST /volunteers/{id}/login", s.createLogin)
	s.Page("POST /volunteers/{id}/reveal", s.reveal)
	s.Page("POST /volunteers/{id}/record", s.addEntry)

	s.teamRoutes()
	s.activityRoutes()
	s.attendanceRoutes()
	s.certificateRoutes()
	s.orderRoutes()
	s.pairingRoutes()
	s.partyRoutes()
	s.apiRoutes()
}
