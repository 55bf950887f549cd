package volunteerweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) teamRoutes() {
	s.Page("GET /stations", s.stationsPage)
	s.Page("POST /stations", s.stationCreate)
	s.Page("GET /stations/{id}", s.stationPage)
	s.Page("POST /stations/{id}/places", s.placeCreate)
	s.Page("GET /teams", s.teamsPage)
	s.Page("POST /teams", s.teamCreate)
	s.Page("GET /teams/{id}", s.teamPage)
	s.Page("POST /teams/{id}/members", s.memberAdd)
	s.Page("POST /teams/{id}/members/{vid}/remove", s.memberRemove)
}

// regionChoices are the regions of p's scope at the levels stations sit on.
func (s *Server) regionChoices(r *http.Request, v *web.View, levels ...org.Level) ([]web.Option, error) {
	regions, err := s.org.RegionOptions(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	var out []web.Option
	for _, o := range regions {
		for _, l := range levels {
			if org.Level(o.Kind) == l {
				out = append(out, web.Option{Value: strconv.FormatInt(o.ID, 10), Label: web.Indent(o.Depth) + v.Name(o.Name, o.NameEN)})
			}
		}
	}
	return out, nil
}

type stationsData struct {
	Rows    []volunteer.Station
	Regions []web.Option
}

func (s *Server) stationsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	rows, err := s.vol.Stations(r.Context(), p)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.stations.title")
	regions, err := s.regionChoices(r, v, org.LevelDistrict, org.LevelStreet, org.LevelCommunity)
	if err != nil {
		return nil, err
	}
	v.Data = &stationsData{Rows: rows, Regions: regions}
	return v, nil
}

func (s *Server) stationsPage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_stations", func() (*web.View, error) { return s.stationsView(w, r) })
}

func (s *Server) stationCreate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Submit(w, r, "vol_stations", "flash.created", func() (*web.View, error) { return s.stationsView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.StationInput{Name: vals.Get("name"), Address: vals.Get("address"), ContactName: vals.Get("contact_name"),
				ContactPhone: vals.Get("contact_phone")}
			if vals.Get("region_id") != "" {
				in.RegionID = web.FormInt64(fe, vals, "region_id")
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			sid, err := s.vol.CreateStation(r.Context(), web.Principal(r), in)
			return "/stations/" + strconv.FormatInt(sid, 10), err
		})
}

func (s *Server) stationOf(r *http.Request) (volunteer.Station, error) {
	sid, err := web.PathID(r, "id", "entity.station")
	if err != nil {
		return volunteer.Station{}, err
	}
	return s.vol.Station(r.Context(), web.Principal(r), sid)
}

func (s *Server) stationView(w http.ResponseWriter, r *http.Request, x volunteer.Station) *web.View {
	v := s.View(w, r, "vol.station.title")
	v.Data = &x
	return v
}

func (s *Server) stationPage(w http.ResponseWriter, r *http.Request) error {
	x, err := s.stationOf(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "vol_station", s.stationView(w, r, x))
	return nil
}

func (s *Server) placeCreate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.stationOf(r)
	if err != nil {
		return err
	}
	to := "/stations/" + strconv.FormatInt(x.ID, 10)
	return s.Submit(w, r, "vol_station", "flash.created", func() (*web.View, error) { return s.stationView(w, r, x), nil },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.PlaceInput{Name: vals.Get("name"), Address: vals.Get("address"),
				Lat: web.FormFloat(fe, vals, "lat"), Lng: web.FormFloat(fe, vals, "lng")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.vol.AddPlace(r.Context(), web.Principal(r), x.ID, in)
			return to, err
		})
}

type teamsData struct {
	Rows     []volunteer.Team
	Regions  []web.Option
	Stations []web.Option
	Pairings []web.Option
}

func (s *Server) teamsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	rows, err := s.vol.Teams(r.Context(), p, r.URL.Query().Get("q"))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.teams.title")
	if v.Form == nil {
		v.Form = url.Values{}
	}
	v.Form.Set("q", r.URL.Query().Get("q"))
	regions, err := s.regionChoices(r, v, org.LevelDistrict, org.LevelStreet, org.LevelCommunity)
	if err != nil {
		return nil, err
	}
	sts, err := s.vol.Stations(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &teamsData{Rows: rows, Regions: regions}
	if d.Pairings, err = s.pairingChoices(r, v); err != nil {
		return nil, err
	}
	for _, st := range sts {
		d.Stations = append(d.Stations, web.Option{Value: strconv.FormatInt(st.ID, 10), Label: web.Indent(st.Depth) + v.Name(st.Name, st.NameEN)})
	}
	v.Data = d
	return v, nil
}

func (s *Server) teamsPage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_teams", func() (*web.View, error) { return s.teamsView(w, r) })
}

func (s *Server) teamCreate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Submit(w, r, "vol_teams", "flash.created", func() (*web.View, error) { return s.teamsView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.TeamInput{Name: vals.Get("name"), Intro: vals.Get("intro"), NameEN: vals.Get("name_en"), PairingID: optID(fe, vals, "pairing_id")}
			if vals.Get("region_id") != "" {
				in.RegionID = web.FormInt64(fe, vals, "region_id")
			}
			if vals.Get("station_id") != "" {
				in.StationID = web.FormInt64(fe, vals, "station_id")
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			tid, err := s.vol.CreateTeam(r.Context(), web.Principal(r), in)
			return "/teams/" + strconv.FormatInt(tid, 10), err
		})
}

func (s *Server) teamOf(r *http.Request) (volunteer.Team, error) {
	tid, err := web.PathID(r, "id", "entity.team")
	if err != nil {
		return volunteer.Team{}, err
	}
	return s.vol.Team(r.Context(), web.Principal(r), tid)
}

func (s *Server) teamView(w http.ResponseWriter, r *http.Request, t volunteer.Team) *web.View {
	v := s.View(w, r, "vol.team.title")
	v.Data = &t
	return v
}

func (s *Server) teamPage(w http.ResponseWriter, r *http.Request) error {
	t, err := s.teamOf(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "vol_team", s.teamView(w, r, t))
	return nil
}

func (s *Server) memberAdd(w http.ResponseWriter, r *http.Request) error {
	t, err := s.teamOf(r)
	if err != nil {
		return err
	}
	to := "/teams/" + strconv.FormatInt(t.ID, 10)
	return s.Submit(w, r, "vol_team", "flash.saved", func() (*web.View, error) { return s.teamView(w, r, t), nil },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return to, s.vol.AddMember(r.Context(), web.Principal(r), t.ID, vals.Get("number"), web.FormBool(vals, "leader"))
		})
}

func (s *Server) memberRemove(w http.ResponseWriter, r *http.Request) error {
	t, err := s.teamOf(r)
	if err != nil {
		return err
	}
	vid, err := web.PathID(r, "vid", "entity.volunteer")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := s.vol.RemoveMember(r.Context(), web.Principal(r), t.ID, vid); err != nil {
		return err
	}
	return s.Redirect(w, r, "/teams/"+strconv.FormatInt(t.ID, 10), "flash.saved")
}
