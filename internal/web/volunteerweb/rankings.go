package volunteerweb

import (
	"net/http"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

type rankingsData struct {
	Vols, Teams []volunteer.Ranked
	Figures     []figureLine
}

type figureLine struct {
	Label, Def string
	N          int64
}

func (s *Server) rankingsPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	v := s.View(w, r, "vol.rankings.title")
	v.Form = r.URL.Query()
	year := strconv.Itoa(s.Now().In(clock.CST).Year())
	if v.Form.Get("from") == "" && v.Form.Get("to") == "" {
		v.Form.Set("from", year+"-01-01")
		v.Form.Set("to", year+"-12-31")
	}
	d := &rankingsData{}
	v.Data = d
	var fe errs.Fields
	web.ParseDay(&fe, "from", v.Form.Get("from"))
	web.ParseDay(&fe, "to", v.Form.Get("to"))
	if err := fe.Err(); err != nil {
		return s.FormFailed(w, r, "vol_rankings", v, err)
	}
	from, to := v.Form.Get("from"), v.Form.Get("to")
	var err error
	if d.Vols, d.Teams, err = s.vol.Rankings(r.Context(), p, from, to, 20); err != nil {
		return err
	}
	figs, err := s.vol.Figures(r.Context(), p, figures.Scope{From: from, To: to})
	if err != nil {
		return err
	}
	for _, name := range volunteer.FigureNames {
		d.Figures = append(d.Figures, figureLine{Label: v.T("volunteer.figure." + name), Def: v.T("volunteer.figure." + name + ".def"), N: figs[name]})
	}
	s.Render(w, r, http.StatusOK, "vol_rankings", v)
	return nil
}
