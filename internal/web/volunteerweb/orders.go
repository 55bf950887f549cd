package volunteerweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

// Services citizens order: the resident's public pages (/serve), the
// station managers' list and assignment (/service-orders) and the team
// leaders' pages on the phone (/my/service-orders).

func (s *Server) orderRoutes() {
	s.PublicPage("GET /serve", s.serveForm)
	s.PublicPage("POST /serve", s.serveSubmit)
	s.PublicPage("GET /serve/track", s.serveTrack)
	s.PublicPage("GET /serve/{code}", s.servePage)
	s.PublicPage("POST /serve/{code}/rate", s.serveRate)
	s.PublicPage("POST /serve/{code}/withdraw", s.serveWithdraw)

	s.Page("GET /service-orders", s.ordersPage)
	s.Page("GET /service-orders/{id}", s.orderPage)
	s.Page("POST /service-orders/{id}/assign", s.orderAssign)
	s.Page("POST /service-orders/{id}/refuse", s.orderRefuse)

	s.Page("GET /my/service-orders", s.teamOrdersPage)
	s.Page("GET /my/service-orders/{id}", s.teamOrderPage)
	s.Page("POST /my/service-orders/{id}/{action}", s.teamOrderAct)
}

type stationGroup struct {
	Label   string
	Options []web.Option
}

type serveData struct {
	Kinds    []web.Option
	Stations []stationGroup
	Order    *volunteer.PublicOrder
	Stars    []int
}

func (s *Server) serveView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v := s.View(w, r, "vol.serve.title")
	sts, err := s.vol.OrderStations(r.Context())
	if err != nil {
		return nil, err
	}
	d := &serveData{Kinds: options(v.Lang, "volunteer.order.kind.", volunteer.OrderKinds)}
	for _, st := range sts {
		label := v.Name(st.District, st.DistrictEN) + " · " + v.Name(st.Street, st.StreetEN)
		if n := len(d.Stations); n == 0 || d.Stations[n-1].Label != label {
			d.Stations = append(d.Stations, stationGroup{Label: label})
		}
		g := &d.Stations[len(d.Stations)-1]
		g.Options = append(g.Options, web.Option{Value: strconv.FormatInt(st.ID, 10), Label: v.Name(st.Name, st.NameEN)})
	}
	v.Data = d
	return v, nil
}

func (s *Server) serveForm(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_serve", func() (*web.View, error) {
		v, err := s.serveView(w, r)
		if err == nil {
			// A station's page links here with its id: the station is chosen.
			if id := r.URL.Query().Get("station_id"); id != "" {
				v.Form.Set("station_id", id)
			}
		}
		return v, err
	})
}

func (s *Server) serveSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.Submit(w, r, "vol_serve", "vol.flash.ordered", func() (*web.View, error) { return s.serveView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.OrderInput{Kind: vals.Get("kind"), Detail: vals.Get("detail"), Name: vals.Get("name"),
				Phone: vals.Get("phone"), Address: vals.Get("address"), WantedDay: vals.Get("wanted_day")}
			if vals.Get("station_id") != "" {
				in.StationID = web.FormInt64(fe, vals, "station_id")
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			code, err := s.vol.PlaceOrder(r.Context(), web.ClientIP(r), in)
			return "/serve/" + code, err
		})
}

func (s *Server) serveTrack(w http.ResponseWriter, r *http.Request) error {
	code := volunteer.NormaliseCode(r.URL.Query().Get("code"))
	if code == "" {
		return s.Redirect(w, r, "/serve", "")
	}
	return s.Redirect(w, r, "/serve/"+url.PathEscape(code), "")
}

func (s *Server) servePageView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	o, err := s.vol.OrderByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.serve.order_title")
	v.Data = &serveData{Order: &o, Stars: []int{5, 4, 3, 2, 1}}
	if v.Form.Get("rating") == "" {
		v.Form.Set("rating", "5")
	}
	return v, nil
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_serve_order", func() (*web.View, error) { return s.servePageView(w, r) })
}

func (s *Server) serveRate(w http.ResponseWriter, r *http.Request) error {
	code := volunteer.NormaliseCode(r.PathValue("code"))
	return s.Submit(w, r, "vol_serve_order", "vol.flash.rated", func() (*web.View, error) { return s.servePageView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			stars := int(web.FormInt64(fe, vals, "rating"))
			if err := fe.Err(); err != nil {
				return "", err
			}
			return "/serve/" + url.PathEscape(code), s.vol.Rate(r.Context(), code, stars, vals.Get("comment"))
		})
}

func (s *Server) serveWithdraw(w http.ResponseWriter, r *http.Request) error {
	code := volunteer.NormaliseCode(r.PathValue("code"))
	return s.Submit(w, r, "vol_serve_order", "vol.flash.withdrawn", func() (*web.View, error) { return s.servePageView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return "/serve/" + url.PathEscape(code), s.vol.Withdraw(r.Context(), code, vals.Get("reason"))
		})
}

// ---- station managers ----

type ordersData struct {
	Rows   []volunteer.ServiceOrder
	Pager  web.Pager
	States []web.Option
	Counts map[string]int
}

func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	v := s.View(w, r, "vol.orders.title")
	v.Form = r.URL.Query()
	lq := web.ListQueryOf(r)
	d := &ordersData{States: options(v.Lang, "volunteer.order.state.", strs(volunteer.OrderStates))}
	v.Data = d
	f := volunteer.OrderFilter{Page: lq.Page, Size: lq.Size}
	if st := r.URL.Query().Get("state"); st != "" {
		var fe errs.Fields
		f.State = volunteer.OrderState(st)
		ok := false
		for _, x := range volunteer.OrderStates {
			ok = ok || x == f.State
		}
		if fe.Check(ok, "state", "field.bad_choice"); !ok {
			d.Pager = web.NewPager(r, lq, 0)
			return s.FormFailed(w, r, "vol_orders", v, fe.Err())
		}
	}
	counts, err := s.vol.OrderCounts(r.Context(), p)
	if err != nil {
		return err
	}
	rows, total, err := s.vol.Orders(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager, d.Counts = rows, web.NewPager(r, lq, total), map[string]int{}
	for k, n := range counts {
		d.Counts[string(k)] = n
	}
	s.Render(w, r, http.StatusOK, "vol_orders", v)
	return nil
}

type orderData struct {
	O     volunteer.ServiceOrder
	Teams []web.Option
	Team  bool                  // the team leader's page
	Texts []volunteer.OrderText // what the resident's phone was sent (station managers)
}

func (s *Server) orderView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	id, err := web.PathID(r, "id", "entity.service_order")
	if err != nil {
		return nil, err
	}
	p := web.Principal(r)
	o, err := s.vol.Order(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.order.title")
	d := &orderData{O: o}
	if d.Texts, err = s.vol.OrderTexts(r.Context(), p, id); err != nil {
		return nil, err
	}
	if o.State == volunteer.OrderOrdered || o.State == volunteer.OrderAssigned {
		teams, err := s.vol.AssignableTeams(r.Context(), p, id)
		if err != nil {
			return nil, err
		}
		for _, t := range teams {
			d.Teams = append(d.Teams, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: v.Name(t.Name, t.NameEN)})
		}
	}
	v.Data = d
	return v, nil
}

func (s *Server) orderPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Show(w, r, "vol_order", func() (*web.View, error) { return s.orderView(w, r) })
}

func (s *Server) orderAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.service_order")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_order", "vol.flash.assigned", func() (*web.View, error) { return s.orderView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			var team int64
			if vals.Get("team_id") != "" {
				team = web.FormInt64(fe, vals, "team_id")
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			return "/service-orders/" + strconv.FormatInt(id, 10), s.vol.Assign(r.Context(), web.Principal(r), id, team)
		})
}

func (s *Server) orderRefuse(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.service_order")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_order", "vol.flash.refused", func() (*web.View, error) { return s.orderView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return "/service-orders/" + strconv.FormatInt(id, 10), s.vol.Refuse(r.Context(), web.Principal(r), id, vals.Get("reason"))
		})
}

// ---- team leaders ----

func (s *Server) teamOrdersPage(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.vol.TeamOrders(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	v := s.View(w, r, "vol.team_orders.title")
	v.Data = &ordersData{Rows: rows}
	s.Render(w, r, http.StatusOK, "vol_team_orders", v)
	return nil
}

func (s *Server) teamOrderView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	id, err := web.PathID(r, "id", "entity.service_order")
	if err != nil {
		return nil, err
	}
	o, err := s.vol.TeamOrder(r.Context(), web.Principal(r), id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.order.title")
	v.Data = &orderData{O: o, Team: true}
	return v, nil
}

func (s *Server) teamOrderPage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_order", func() (*web.View, error) { return s.teamOrderView(w, r) })
}

func (s *Server) teamOrderAct(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.service_order")
	if err != nil {
		return err
	}
	a := volunteer.OrderAction(r.PathValue("action"))
	if a != volunteer.ActAccept && a != volunteer.ActGiveBck && a != volunteer.ActDone {
		return errs.NotFoundf("entity.service_order")
	}
	return s.Submit(w, r, "vol_order", "vol.flash.order_"+string(a), func() (*web.View, error) { return s.teamOrderView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			var done volunteer.DoneInput
			if a == volunteer.ActDone {
				done.Note = vals.Get("note")
				done.Volunteers = int(web.FormInt64(fe, vals, "volunteers"))
				done.Minutes = int(web.FormInt64(fe, vals, "minutes"))
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			return "/my/service-orders/" + strconv.FormatInt(id, 10), s.vol.TeamAct(r.Context(), web.Principal(r), id, a, vals.Get("reason"), done)
		})
}
