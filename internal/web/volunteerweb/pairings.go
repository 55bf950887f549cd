package volunteerweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

// Paired units in their communities (结对共建): what each pairing did this
// year and by quarter, and the problems a pairing's activity solved.

func (s *Server) pairingRoutes() {
	s.Page("GET /volunteers/pairings", s.pairingsPage)
	s.Page("GET /volunteers/pairings/{id}", s.pairingPage)
	s.Page("POST /activities/{id}/problems", s.setProblems)
}

func (s *Server) pairingChoices(r *http.Request, v *web.View) ([]web.Option, error) {
	refs, err := s.vol.PairingOptions(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, len(refs))
	for i, x := range refs {
		out[i] = web.Option{Value: strconv.FormatInt(x.ID, 10), Label: v.Name(x.Community, x.CommunityEN) + " · " + v.Name(x.UnitName, x.UnitNameEN)}
	}
	return out, nil
}

// yearOf reads ?year= (this year when absent).
func (s *Server) yearOf(r *http.Request) (int, error) {
	year := s.Now().In(clock.CST).Year()
	if q := r.URL.Query().Get("year"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 2000 || n > year+1 {
			var fe errs.Fields
			fe.Add("year", "field.out_of_range", 2000, year+1)
			return year, fe.Err()
		}
		year = n
	}
	return year, nil
}

type pairingsData struct {
	Year   int
	Rows   []volunteer.PairingRow
	Active int
	Total  volunteer.PairingWork
}

func (s *Server) pairingsPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	v := s.View(w, r, "vol.pairings.title")
	v.Form = r.URL.Query()
	d := &pairingsData{}
	v.Data = d
	year, err := s.yearOf(r)
	d.Year = year
	if err != nil {
		return s.FormFailed(w, r, "vol_pairings", v, err)
	}
	if d.Rows, err = s.vol.PairingsWork(r.Context(), p, year); err != nil {
		return err
	}
	for _, x := range d.Rows {
		if x.Activities > 0 || x.Problems > 0 {
			d.Active++
		}
		d.Total.Activities += x.Activities
		d.Total.Minutes += x.Minutes
		d.Total.Problems += x.Problems
	}
	s.Render(w, r, http.StatusOK, "vol_pairings", v)
	return nil
}

type pairingData struct {
	R       volunteer.PairingReport
	Quarter []int
}

func (s *Server) pairingPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.pairing")
	if err != nil {
		return err
	}
	year, err := s.yearOf(r)
	if err != nil {
		return err
	}
	rep, err := s.vol.PairingYear(r.Context(), p, id, year)
	if err != nil {
		return err
	}
	v := s.View(w, r, "vol.pairing.title")
	v.Data = &pairingData{R: rep, Quarter: []int{1, 2, 3, 4}}
	s.Render(w, r, http.StatusOK, "vol_pairing", v)
	return nil
}

func (s *Server) setProblems(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.activity")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_activity", "flash.saved", func() (*web.View, error) { return s.activityView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			n := formInt(fe, vals, "problems")
			if err := fe.Err(); err != nil {
				return "", err
			}
			return "/activities/" + strconv.FormatInt(id, 10), s.vol.SetProblems(r.Context(), web.Principal(r), id, n)
		})
}
