// Package ratingweb is the star rating's web package: the appraiser's
// rounds (scoring a round on a desktop, publication, appeals, adjustments,
// closing), subjects with their history, stars and qualifications,
// templates, and the rated person's own page (/my/ratings).
package ratingweb

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/rating"
	"github.com/wenming-city/wenming/internal/scoring"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Server is the star rating's web package.
type Server struct {
	*web.Server
	rating *rating.Service
}

// New returns the module; app passes it to web.New.
func New(r *rating.Service) web.Module {
	s := &Server{rating: r}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.routes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.ratings", Href: "/ratings", Perm: auth.PermAppraise, Group: "nav.ratings_group", Order: 300},
			{Key: "nav.rating_subjects", Href: "/ratings/subjects", Perm: auth.PermAppraise, Group: "nav.ratings_group", Order: 301},
			{Key: "nav.rating_templates", Href: "/ratings/templates", Perm: auth.PermAppraise, Group: "nav.ratings_group", Order: 302},
			{Key: "nav.my_ratings", Href: "/my/ratings", Group: "nav.ratings_group", Order: 303},
		},
		Tiles: s.homeTiles,
		Funcs: template.FuncMap{
			"ratingStates": func() []string { return []string{"scoring", "published", "closed"} },
			"ratingStars": func(n int) string {
				return strings.Repeat("★", max(n, 0)) + strings.Repeat("☆", max(5-n, 0))
			},
			"ratingDelta": func(n int) string {
				switch {
				case n > 0:
					return "↑" + strconv.Itoa(n)
				case n < 0:
					return "↓" + strconv.Itoa(-n)
				}
				return "—"
			},
			"ratingChange": func(c scoring.Cents) string {
				if c > 0 {
					return "+" + c.String()
				}
				return c.String()
			},
			"ratingMark": func(form url.Values, entry int64, crit string) string {
				return form.Get("m." + strconv.FormatInt(entry, 10) + "." + crit)
			},
			"ratingCrit": func(e rating.Entry, code string) string {
				if v, ok := e.ByCrit[code]; ok {
					return v.String()
				}
				return "—"
			},
			"ratingKey": func(entry int64, crit string) string { return "m." + strconv.FormatInt(entry, 10) + "." + crit },
			"moveDir": func(delta int) string {
				if delta < 0 {
					return "down"
				}
				return "up"
			},
		},
	}
}

func (s *Server) routes() {
	s.Page("GET /ratings", s.roundList)
	s.Page("GET /ratings/rounds/new", s.roundNew)
	s.Page("POST /ratings/rounds", s.roundCreate)
	s.Page("GET /ratings/rounds/{id}", s.roundShow)
	s.Page("GET /ratings/rounds/{id}/score", s.scoreForm)
	s.Page("GET /ratings/rounds/{id}/results.pdf", s.resultsPDF)
	s.Page("POST /ratings/rounds/{id}/score", s.scoreSave)
	s.Page("GET /ratings/rounds/{id}/tests", s.testsForm)
	s.Page("POST /ratings/rounds/{id}/tests", s.testsSave)
	s.Page("POST /ratings/rounds/{id}/figures", s.roundFigures)
	s.Page("POST /ratings/rounds/{id}/publish", s.roundPublish)
	s.Page("POST /ratings/rounds/{id}/close", s.roundClose)
	s.Page("POST /ratings/rounds/{id}/adjustments", s.adjustPropose)
	s.Page("POST /ratings/adjustments/{id}/approve", s.adjustApprove)
	s.Page("POST /ratings/appeals/{id}/answer", s.appealAnswer)

	s.Page("GET /ratings/subjects", s.subjectList)
	s.Page("POST /ratings/subjects", s.subjectCreate)
	s.Page("GET /ratings/subjects/{id}", s.subjectShow)
	s.Page("POST /ratings/subjects/{id}/qualifications", s.qualAdd)
	s.Page("POST /ratings/subjects/{id}/stars", s.starsPropose)
	s.Page("POST /ratings/star-changes/{id}/decide", s.starsDecide)

	s.Page("GET /ratings/templates", s.templateList)
	s.Page("GET /ratings/templates/new", s.templateNew)
	s.Page("GET /ratings/templates/{id}/edit", s.templateEdit)
	s.Page("POST /ratings/templates", s.templateCreate)

	s.Page("GET /my/ratings", s.mine)
	s.Page("POST /my/ratings/entries/{id}/self", s.mineSelf)
	s.Page("POST /my/ratings/entries/{id}/appeal", s.mineAppeal)

	s.API("GET /api/v1/ratings/rounds/{id}/results", web.APIDoc{
		Summary: "A round's results: each entry's total (hundredths of a point), rank within the job type, band, stars and the trace of its parts",
		Tag:     "ratings", Response: web.ListOf(web.Obj(map[string]any{"id": web.Integer(), "code": web.Str(), "name": web.Str(), "total": web.Integer(),
			"rank": web.Integer(), "band": web.Str(), "stars_before": web.Integer(), "stars_after": web.Integer()})),
		Extra: map[int]string{403: "the role lacks appraisal.score", 404: "no such round in the caller's data scope"},
	}, s.apiResults)
}

// homeTiles are the appraiser's figures on the home page: rounds being
// scored, rounds in public notice, appeals waiting, people rated this year.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermAppraise) {
		return nil, nil
	}
	ctx := r.Context()
	scoring, err := s.rating.Rounds(ctx, p, rating.StateScoring)
	if err != nil {
		return nil, err
	}
	published, err := s.rating.Rounds(ctx, p, rating.StatePublished)
	if err != nil {
		return nil, err
	}
	tiles := []web.Tile{
		{Label: v.T("rating.tile.scoring"), N: len(scoring), Href: "/ratings?state=scoring"},
		{Label: v.T("rating.tile.published"), N: len(published), Href: "/ratings?state=published"},
	}
	now := s.Now().In(clock.CST)
	sc := figures.Scope{From: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, clock.CST).Format(time.DateOnly), To: now.Format(time.DateOnly)}
	fctx := s.rating.FiguresContext(ctx)
	for _, id := range []string{"rating.people_rated", "rating.stars_up"} {
		f, _ := figures.Get(id)
		val, err := f.Compute(fctx, p, sc)
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, web.Tile{Label: v.T(f.LabelKey) + " · " + v.T("rating.tile.this_year"), N: int(val.Count), Href: "/ratings/subjects"})
	}
	return tiles, nil
}
