// Package inspectionweb is the web package of inspection and evaluation
// (督查测评): the evaluation index and its workbook import and export, site
// types with their checklists, and the sites.
package inspectionweb

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Server serves the inspection pages and API.
type Server struct {
	*web.Server
	insp   *inspection.Service
	org    *org.Service
	photos *photo.Service
}

// New returns the module; app passes it to web.New.
func New(insp *inspection.Service, orgs *org.Service, photos *photo.Service) web.Module {
	s := &Server{insp: insp, org: orgs, photos: photos}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.indexRoutes()
			s.siteTypeRoutes()
			s.siteRoutes()
			s.apiRoutes()
			s.inspectRoutes()
			s.planRoutes()
			s.rectifyRoutes()
			s.noticeRoutes()
			s.evalRoutes()
			s.evalBoardRoutes()
			s.dispatchRoutes()
			s.patrolRoutes()
			s.surveyRoutes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.inspection_my", Href: "/inspection/my", Perm: auth.PermInspect, Group: "nav.inspection", Order: 36},
			{Key: "nav.inspection_plans", Href: "/inspection/plans", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 37},
			{Key: "nav.inspection_inspections", Href: "/inspection/inspections", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 38},
			{Key: "nav.inspection_rectifications", Href: "/inspection/rectifications", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 39},
			{Key: "nav.inspection_notices", Href: "/inspection/notices", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 39},
			{Key: "nav.inspection_evaluations", Href: "/inspection/evaluations", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 39},
			{Key: "nav.inspection_patrols", Href: "/inspection/patrols", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 38},
			{Key: "nav.inspection_surveys", Href: "/inspection/surveys", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 39},
			{Key: "nav.inspection_dispatch", Href: "/inspection/dispatch", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 39},
			{Key: "nav.inspection_my_notices", Href: "/inspection/notices", Perm: auth.PermOrderHandle, Order: 21},
			{Key: "nav.inspection_sites", Href: "/inspection/sites", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 40},
			{Key: "nav.inspection_site_types", Href: "/inspection/site-types", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 41},
			{Key: "nav.inspection_indexes", Href: "/inspection/indexes", Perm: auth.PermInspectionView, Group: "nav.inspection", Order: 42},
		},
		Tiles: s.homeTiles,
	}
}

// homeTiles: an inspector's round this week (to inspect, inspected), and
// for everyone who reads inspections the sites they see and this month's
// inspections.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermInspectionView) && !p.Can(auth.PermInspectionManage) {
		return nil, nil
	}
	var out []web.Tile
	now := s.Now()
	if p.Can(auth.PermInspect) && p.UnitID != 0 {
		plans, err := s.insp.Plans(r.Context(), p, inspection.WeekOf(now))
		if err != nil {
			return nil, err
		}
		for _, pl := range plans {
			if pl.GroupID == p.UnitID {
				out = append(out, web.Tile{Label: v.T("inspweb.tile.to_inspect"), N: pl.Pending, Href: "/inspection/my", Group: "home.my_work"},
					web.Tile{Label: v.T("inspweb.tile.inspected"), N: pl.Done, Href: "/inspection/plans/" + strconv.FormatInt(pl.ID, 10), Group: "home.my_work"})
			}
		}
	}
	sites, _, err := s.insp.Counts(r.Context(), p)
	if err != nil {
		return nil, err
	}
	month := time.Date(now.In(clock.CST).Year(), now.In(clock.CST).Month(), 1, 0, 0, 0, 0, clock.CST)
	t, err := s.insp.FigureTotals(r.Context(), p, figures.Scope{From: month.Format(time.DateOnly), To: now.In(clock.CST).Format(time.DateOnly)})
	if err != nil {
		return nil, err
	}
	return append(out, web.Tile{Label: v.T("inspweb.tile.sites"), N: sites, Href: "/inspection/sites"},
		web.Tile{Label: v.T("inspweb.tile.held_month"), N: int(t.Held), Href: "/inspection/inspections"}), nil
}

func canManage(r *http.Request) bool { return web.Principal(r).Can(auth.PermInspectionManage) }

func requireManage(r *http.Request) error {
	return auth.Require(web.Principal(r), auth.PermInspectionManage)
}

// formPoints reads a points field ("2.5"); a bad value is a field error.
func formPoints(f *errs.Fields, vals map[string][]string, field string) inspection.Points {
	s := ""
	if v := vals[field]; len(v) > 0 {
		s = strings.TrimSpace(v[0])
	}
	if s == "" {
		f.Add(field, "field.required")
		return 0
	}
	p, ok := inspection.ParsePoints(s)
	if !ok {
		f.Add(field, "inspection.import.bad_points")
	}
	return p
}

func formInt(f *errs.Fields, vals map[string][]string, field string) int {
	s := ""
	if v := vals[field]; len(v) > 0 {
		s = strings.TrimSpace(v[0])
	}
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.Add(field, "field.bad_number")
	}
	return n
}

func choicesOf[T interface{ Key() string }](v *web.View, xs []T, val func(T) string) []web.Option {
	out := make([]web.Option, 0, len(xs))
	for _, x := range xs {
		out = append(out, web.Option{Value: val(x), Label: v.T(x.Key())})
	}
	return out
}
