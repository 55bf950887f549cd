package ratingweb

import (
	"net/http"
	"net/url"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/rating"
	"github.com/wenming-city/wenming/internal/web"
)

type mineData struct {
	Mine  rating.Mine
	Spark sparkline
	Now   int64
}

func (s *Server) mineView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	m, err := s.rating.MyRatings(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "rating.mine.title")
	v.Data = &mineData{Mine: m, Spark: newSparkline(m.History), Now: s.Now().UnixMilli()}
	return v, nil
}

func (s *Server) mine(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "rating_mine", func() (*web.View, error) { return s.mineView(w, r) })
}

func (s *Server) mineStep(w http.ResponseWriter, r *http.Request, flash string, step func(id int64, vals url.Values) error) error {
	id, err := web.PathID(r, "id", "entity.entry")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "rating_mine", flash, func() (*web.View, error) { return s.mineView(w, r) },
		func(vals url.Values, _ *errs.Fields) (string, error) { return "/my/ratings", step(id, vals) })
}

func (s *Server) mineSelf(w http.ResponseWriter, r *http.Request) error {
	return s.mineStep(w, r, "flash.saved", func(id int64, vals url.Values) error {
		return s.rating.SelfAssess(r.Context(), web.Principal(r), id, vals.Get("self_note"))
	})
}

func (s *Server) mineAppeal(w http.ResponseWriter, r *http.Request) error {
	return s.mineStep(w, r, "rating.flash.appealed", func(id int64, vals url.Values) error {
		return s.rating.FileAppeal(r.Context(), web.Principal(r), id, vals.Get("reason"))
	})
}
