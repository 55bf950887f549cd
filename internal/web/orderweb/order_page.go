package orderweb

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/geo"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

// What the order page adds for work: the place on the city's map, the
// time left to each deadline, the caller's other orders (来电弹屏), the
// operator's callback script, and a print layout (工单打印).

// sameCallerShown is how many of the caller's other orders the page lists.
const sameCallerShown = 8

// orderExtras are the order page's working aids.
type orderExtras struct {
	Map                  template.HTML // the district with a pin at the place; "" without a place
	AckLeft, ResolveLeft string        // "剩 3小时20分" / "已超 1天2小时"; "" when not running
	AckLate, ResolveLate bool
	SameCaller           []orderRow
	SameCallerMore       bool
	CallbackScript       string // the operator's script on the callback step; "" when not offered
	PrintHref, PrintedOn string
}

func (s *Server) orderExtrasOf(ctx context.Context, v *web.View, d *orderDetailData) error {
	o := &d.O
	x := &d.Extras
	x.PrintHref = "/orders/" + strconv.FormatInt(o.ID, 10) + "/print"
	now := s.Now()
	// The deadline in force runs: its time left, or how long it is past.
	if due := orderDeadline(o); due != nil {
		text, late := v.T("woweb.time_left", span(v, due.Sub(now))), false
		if due.Before(now) {
			text, late = v.T("woweb.time_over", span(v, due.Sub(now))), true
		}
		if o.State == workorder.StateDispatched {
			x.AckLeft, x.AckLate = text, late
		} else {
			x.ResolveLeft, x.ResolveLate = text, late
		}
	}
	if o.Lat != nil && o.Lng != nil {
		m, err := s.placeMap(ctx, v, o)
		if err != nil {
			return err
		}
		x.Map = m
	}
	if o.ReporterPhone != "" {
		list, more, err := s.orders.List(ctx, v.P, workorder.Filter{SameCallerAs: o.ID, Size: sameCallerShown})
		if err != nil {
			return err
		}
		for _, c := range list {
			x.SameCaller = append(x.SameCaller, newOrderRow(v, c))
		}
		x.SameCallerMore = more
	}
	for _, f := range d.Forms {
		if f.Action == workorder.ActionCallback {
			resolved := "—"
			if o.ResolvedAt != nil {
				resolved = v.Date(*o.ResolvedAt)
			}
			unit := v.Name(o.UnitName, o.UnitNameEN)
			if unit == "" {
				unit = v.T("woweb.script.the_unit")
			}
			x.CallbackScript = v.T("woweb.script.callback", v.Date(o.CreatedAt), o.Title, unit, resolved, o.Resolution)
		}
	}
	return nil
}

// placeMap draws the order's district from the embedded boundaries with a
// pin where it was reported.
func (s *Server) placeMap(ctx context.Context, v *web.View, o *workorder.Order) (template.HTML, error) {
	places, err := s.orders.MapPlaces(ctx)
	if err != nil {
		return "", err
	}
	onPath := map[string]bool{}
	for _, id := range strings.Split(strings.Trim(o.RegionPath, "/"), "/") {
		onPath[id] = true
	}
	var area *geo.Area
	all := geo.Embedded()
	for _, p := range places {
		if onPath[strconv.FormatInt(p.ID, 10)] {
			if a, ok := all.Area(p.Code); ok {
				area = a // the order's district (the one region of its path with a boundary)
			}
		}
	}
	var set *geo.Set
	if area != nil {
		set = geo.NewSet(area)
	} else if a, ok := all.Locate(geo.Point{Lat: *o.Lat, Lng: *o.Lng}); ok {
		set = geo.NewSet(a)
	} else {
		return "", nil // outside the city's boundaries: no map to place it on
	}
	svg := set.SVG(geo.MapOpts{W: 360, H: 260, Class: "place-map", Label: v.T("woweb.place_map"),
		Name: func(a *geo.Area) string { return v.Name(a.Name, "") },
		Pins: []geo.Pin{{At: geo.Point{Lat: *o.Lat, Lng: *o.Lng}, Label: o.Address, R: 6}}})
	return template.HTML(svg), nil
}

// orderPrint is the order as a sheet to print (工单打印): its facts, the
// timeline and lines for the handling unit's signature.
func (s *Server) orderPrint(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	v, d, err := s.orderDetailView(w, r, id)
	if err != nil {
		return err
	}
	d.Extras.PrintedOn = v.Time(s.Now())
	v.BodyClass = "print-sheet"
	v.Title = fmt.Sprintf("%s · %s", v.T("woweb.print.title"), d.O.Code)
	s.Render(w, r, http.StatusOK, "wo_print", v)
	return nil
}
