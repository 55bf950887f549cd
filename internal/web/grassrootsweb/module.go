// Package grassrootsweb is the grassroots governance web package: households
// per grid with their members, tags and heads, the .xlsx import and export.
package grassrootsweb

import (
	"embed"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/figures"
	"html/template"
	"net/http"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Server serves the grassroots pages and API.
type Server struct {
	*web.Server
	gr  *grassroots.Service
	org *org.Service
}

// New returns the module; app passes it to web.New.
func New(gr *grassroots.Service, orgs *org.Service) web.Module {
	s := &Server{gr: gr, org: orgs}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.routes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.gr_households", Href: "/grassroots/households", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 40},
			{Key: "nav.gr_heads", Href: "/grassroots/heads", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 41},
			{Key: "nav.gr_import", Href: "/grassroots/import", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 42},
			{Key: "nav.gr_visit_new", Href: "/grassroots/visits/new", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 38},
			{Key: "nav.gr_visits", Href: "/grassroots/visits", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 39},
			{Key: "nav.gr_disputes", Href: "/grassroots/disputes", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 45},
			{Key: "nav.gr_campaigns", Href: "/grassroots/campaigns", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 46},
			{Key: "nav.gr_cadres", Href: "/grassroots/cadres", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 47},
			{Key: "nav.gr_plans", Href: "/grassroots/plans", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 43},
			{Key: "nav.gr_coverage", Href: "/grassroots/coverage", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 44},
			{Key: "nav.gr_figures", Href: "/grassroots/figures", Perm: auth.PermGridVisit, Group: "nav.grassroots", Order: 48},
		},
		Tiles: s.homeTiles,
		Funcs: template.FuncMap{
			"deref": func(x *float64) float64 {
				if x == nil {
					return 0
				}
				return *x
			},
			"list": func(xs ...string) []string { return xs },
			"index1": func(xs []string, i int) string {
				if i < 0 || i >= len(xs) {
					return ""
				}
				return xs[i]
			},
		},
	}
}

func (s *Server) routes() {
	s.Page("GET /grassroots/households", s.householdList)
	s.Page("GET /grassroots/households/new", s.householdNew)
	s.Page("POST /grassroots/households", s.householdCreate)
	s.Page("GET /grassroots/households/{id}", s.householdShow)
	s.Page("GET /grassroots/households/{id}/edit", s.householdEdit)
	s.Page("POST /grassroots/households/{id}", s.householdUpdate)
	s.Page("POST /grassroots/households/{id}/delete", s.householdDelete)
	s.Page("POST /grassroots/households/{id}/phone", s.householdPhone)
	s.Page("POST /grassroots/households/{id}/people", s.personAdd)
	s.Page("POST /grassroots/households/{id}/people/{pid}/delete", s.personDelete)
	s.Page("POST /grassroots/households/{id}/people/{pid}/reveal", s.personReveal)
	s.Page("POST /grassroots/households/{id}/people/{pid}/phone", s.personPhone)
	s.Page("POST /grassroots/households/{id}/tags", s.tagAdd)
	s.Page("POST /grassroots/households/{id}/tags/{tid}/end", s.tagEnd)

	s.Page("GET /grassroots/heads", s.headList)
	s.Page("POST /grassroots/heads", s.headCreate)
	s.Page("POST /grassroots/heads/{id}/delete", s.headDelete)

	s.Page("GET /grassroots/import", s.importForm)
	s.Page("POST /grassroots/import", s.importUpload)
	s.Page("GET /grassroots/import/template.xlsx", s.importTemplate)
	s.Page("GET /grassroots/import.js", s.importScript)

	s.Page("GET /grassroots/figures", s.figuresPage)

	s.visitRoutes()
	s.planRoutes()
	s.disputeRoutes()
	s.campaignRoutes()
	s.apiRoutes()
}

// homeTiles show the grid worker's households, this quarter's visits and
// the disputes still open, all in the viewer's scope.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermGridVisit) {
		return nil, nil
	}
	ctx := r.Context()
	_, n, err := s.gr.ListHouseholds(ctx, p, grassroots.HouseholdFilter{Size: 1})
	if err != nil {
		return nil, err
	}
	now := s.Now().In(clock.CST)
	qs := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, clock.CST)
	sc := figures.Scope{From: qs.Format(time.DateOnly), To: qs.AddDate(0, 3, -1).Format(time.DateOnly)}
	visited, err := s.gr.Figure(ctx, p, grassroots.FigHouseholdsVisited, sc)
	if err != nil {
		return nil, err
	}
	people, err := s.gr.Figure(ctx, p, grassroots.FigPeopleVisited, sc)
	if err != nil {
		return nil, err
	}
	open := 0
	for _, st := range []grassroots.DState{grassroots.DRegistered, grassroots.DAssigned, grassroots.DMediating} {
		ds, err := s.gr.Disputes(ctx, p, string(st))
		if err != nil {
			return nil, err
		}
		open += len(ds)
	}
	cov := "/grassroots/coverage?from=" + sc.From + "&to=" + sc.To
	return []web.Tile{
		{Label: v.T("nav.gr_households"), N: n, Href: "/grassroots/households"},
		{Label: v.T("gr.tile.visited"), N: int(visited), Href: cov},
		{Label: v.T("gr.tile.people"), N: int(people), Href: cov},
		{Label: v.T("gr.tile.open_disputes"), N: open, Href: "/grassroots/disputes"},
	}, nil
}
