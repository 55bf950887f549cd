package orderweb

import (
	"net/http"
	"net/url"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

// homeTiles are the viewer's work on the home page, by role (what the
// permissions let them do), each count linking to the queue filtered to
// exactly those orders: a dispatcher's 待受理, 待派单, 待审核, 超期督办 and
// 延期申请; a handler's 待签收, 办理中, 即将超期 (with the time left to the
// nearest), 已超期 and 被退回/重办; an operator's calls today and 待回访.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermOrderView) {
		return nil, nil
	}
	dispatch, handle, intake := p.Can(auth.PermOrderDispatch), p.Can(auth.PermOrderHandle), p.Can(auth.PermOrderIntake)
	if !dispatch && !handle && !intake {
		return nil, nil
	}
	c, err := s.orders.Home(r.Context(), p)
	if err != nil {
		return nil, err
	}
	list := func(kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Add(kv[i], kv[i+1])
		}
		return "/orders?" + q.Encode()
	}
	tile := func(key string, n int64, href string) web.Tile {
		return web.Tile{Label: v.T(key), N: int(n), Href: href, Group: "home.my_work"}
	}
	var out []web.Tile
	if dispatch {
		overdue := tile("woweb.home.overdue_escalate", c.Overdue, list("overdue", "1", "sort", "deadline"))
		overdue.Warn = c.Overdue > 0
		out = append(out,
			tile("woweb.home.submitted", c.Submitted, list("state", "submitted")),
			tile("woweb.home.to_dispatch", c.Accepted+c.Returned, list("state", "accepted", "state", "returned")),
			tile("woweb.home.resolved", c.Resolved, list("state", "resolved")),
			overdue,
			tile("woweb.home.extension", c.Extension, list("state", "extension_requested")))
	}
	if handle {
		soon := tile("woweb.home.due_soon", c.DueSoon, list("due", "soon", "sort", "deadline"))
		soon.Note = v.T("woweb.home.none_due")
		if c.NextDue != nil {
			soon.Note = v.T("woweb.home.next_due", v.T("woweb.time_left", span(v, c.NextDue.Sub(s.Now()))))
		}
		soon.Warn = c.DueSoon > 0
		late := tile("woweb.home.overdue", c.Overdue, list("overdue", "1", "sort", "deadline"))
		late.Warn = c.Overdue > 0
		out = append(out,
			tile("woweb.home.dispatched", c.Dispatched, list("state", "dispatched", "sort", "deadline")),
			tile("woweb.home.in_hand", c.InHand, list("state", "acknowledged", "state", "extension_requested", "sort", "deadline")),
			soon, late,
			tile("woweb.home.reopened", c.Reopened, list("state", "reopened", "sort", "deadline")))
	}
	if intake {
		today := s.Now().In(workorder.Zone).Format(workorder.DateLayout)
		out = append(out,
			tile("woweb.home.hotline_today", c.HotlineToday, list("channel", "hotline", "from", today, "to", today)),
			tile("woweb.home.verified", c.Verified, list("state", "verified")))
	}
	return out, nil
}
