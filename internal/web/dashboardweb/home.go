package dashboardweb

import (
	"net/http"
	"net/url"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/web"
)

// homeTiles put the cockpit's headline figures of the current quarter on
// a leader's home (a viewer who reads figures but handles no orders),
// each opening the cockpit.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermDashboardView) || p.Can(auth.PermOrderDispatch) || p.Can(auth.PermOrderHandle) || p.Can(auth.PermOrderIntake) {
		return nil, nil
	}
	per, err := periodOf(url.Values{}, s.Now())
	if err != nil {
		return nil, err
	}
	rep, err := s.headlines(r, p, per)
	if err != nil {
		return nil, err
	}
	var out []web.Tile
	for _, t := range rep {
		tv := s.tileViewOf(v, t, chartLight)
		tile := web.Tile{Label: tv.Label, Href: "/dashboard", Note: tv.Change, Group: "home.cockpit"}
		if t.Value.Rate != nil {
			tile.Text = tv.Text
		} else {
			tile.N = int(t.Value.Count)
		}
		out = append(out, tile)
	}
	return out, nil
}
