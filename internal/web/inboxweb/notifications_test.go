package inboxweb_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

type notifList struct {
	Items []struct {
		ID        int64  `json:"id"`
		OrderID   int64  `json:"order_id"`
		OrderCode string `json:"order_code"`
		Kind      string `json:"kind"`
		Text      string `json:"text"`
		ToUnit    bool   `json:"to_unit"`
		Read      bool   `json:"read"`
	} `json:"items"`
	Unread int64 `json:"unread"`
}

// TestDispatchedUnitSeesItsNotificationAndMarksItRead follows the notice a
// dispatch sends to the unit: the unit's handler finds it on
// /notifications and in the API, in their language, with a link to the
// order; another district's handler does not; opening it marks it read
// and leads to the order; "mark all" clears the rest; bad input is refused
// and changes nothing.
func TestDispatchedUnitSeesItsNotificationAndMarksItRead(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op, disp := e.API(t, "operator"), e.API(t, "dispatcher")
		zgq, swq := e.API(t, "handler_zgq"), e.API(t, "handler_swq")
		type order struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
		}
		dispatched := func() order {
			t.Helper()
			var o order
			res := op.JSON("POST", "/api/v1/workorders", map[string]any{
				"category_id": e.ID(t, "workorder_categories", "code", "STREET_LIGHT"), "description": "柏杨路路灯连续三晚不亮",
				"region_id": e.ID(t, "regions", "code", "511102-ZGQ"), "phone": "13912345678"})
			res.Decode(&o)
			if res.Status != http.StatusCreated {
				t.Fatalf("intake: %d %s", res.Status, res.Body)
			}
			for _, step := range []struct {
				action string
				body   map[string]any
			}{{"accept", nil}, {"dispatch", map[string]any{"unit_id": e.ID(t, "units", "code", "ST-ZGQ")}}} {
				if res := disp.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/%s", o.ID, step.action), step.body); res.Status != http.StatusOK {
					t.Fatalf("%s: %d %s", step.action, res.Status, res.Body)
				}
			}
			return o
		}
		o := dispatched()
		var res *apptest.Response
		list := func(c *apptest.Client, query string) notifList {
			t.Helper()
			var l notifList
			res := c.JSON("GET", "/api/v1/notifications"+query, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("notifications: %d %s", res.Status, res.Body)
			}
			res.Decode(&l)
			return l
		}
		l := list(zgq, "?unread=1")
		var id int64
		for _, n := range l.Items {
			if n.OrderID == o.ID {
				id = n.ID
				if n.OrderCode != o.Code || !n.ToUnit || n.Read || n.Kind != "dispatch" || !strings.Contains(n.Text, o.Code) {
					t.Fatalf("notice: %+v", n)
				}
			}
		}
		if id == 0 || l.Unread < 1 {
			t.Fatalf("handler_zgq has no notice of order %s: %+v", o.Code, l)
		}
		for _, n := range list(swq, "").Items {
			if n.OrderID == o.ID {
				t.Fatalf("another district's handler sees the notice: %+v", n)
			}
		}

		page := e.Login(t, "handler_zgq")
		if res := page.Get("/"); !res.Contains(`href="/notifications?unread=1"`, "未读通知") {
			t.Fatalf("home page has no unread tile: %d", res.Status)
		}
		res = page.Get("/notifications?unread=1")
		if res.Status != http.StatusOK || !res.Contains(o.Code, "查看工单 "+o.Code, "全部标为已读") {
			t.Fatalf("notifications page: %d", res.Status)
		}
		res = page.PostForm("/notifications/read", url.Values{"id": {fmt.Sprint(id)}, "order": {fmt.Sprint(o.ID)}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/orders/%d", o.ID) {
			t.Fatalf("open: %d %s", res.Status, res.Header.Get("Location"))
		}
		after := list(zgq, "")
		for _, n := range after.Items {
			if n.ID == id && !n.Read {
				t.Fatalf("opened notice still unread: %+v", n)
			}
		}
		if after.Unread != l.Unread-1 {
			t.Fatalf("unread %d after opening one of %d", after.Unread, l.Unread)
		}

		// Bad input is refused and marks nothing.
		if res := zgq.JSON("POST", "/api/v1/notifications/read", map[string]any{"ids": "all"}); res.Status != http.StatusBadRequest {
			t.Fatalf("bad body: %d %s", res.Status, res.Body)
		}
		many := make([]int64, 501)
		if res := zgq.JSON("POST", "/api/v1/notifications/read", map[string]any{"ids": many}); res.Status != http.StatusBadRequest ||
			!strings.Contains(res.Body, `"ids"`) {
			t.Fatalf("too many ids: %d %s", res.Status, res.Body)
		}
		if res := page.PostForm("/notifications/read", url.Values{"id": {"x"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("bad id: %d", res.Status)
		}
		if got := list(zgq, "").Unread; got != after.Unread {
			t.Fatalf("a refused request changed the unread count: %d, was %d", got, after.Unread)
		}
		// A second dispatch; "mark all" clears both the caller's unread notices.
		o2 := dispatched()
		if got := list(zgq, "").Unread; got != after.Unread+1 {
			t.Fatalf("unread %d after a second dispatch, was %d", got, after.Unread)
		}
		// The page's open button posts open=1 and goes where the kind's link says.
		if res := page.Get("/notifications?unread=1"); !res.Contains(`name="open" value="1"`, "查看工单 "+o2.Code) {
			t.Fatalf("no open button for %s", o2.Code)
		}
		var id2 int64
		for _, n := range list(zgq, "?unread=1").Items {
			if n.OrderID == o2.ID {
				id2 = n.ID
			}
		}
		res = page.PostForm("/notifications/read", url.Values{"id": {fmt.Sprint(id2)}, "open": {"1"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/orders/%d", o2.ID) {
			t.Fatalf("open=1: %d %s", res.Status, res.Header.Get("Location"))
		}
		if got := list(zgq, "").Unread; got != after.Unread {
			t.Fatalf("unread %d after opening the second notice, want %d", got, after.Unread)
		}
		var marked struct{ Marked, Unread int64 }
		zgq.JSON("POST", "/api/v1/notifications/read", map[string]any{"ids": []int64{}}).Decode(&marked)
		if marked.Unread != 0 || marked.Marked != after.Unread {
			t.Fatalf("mark all: %+v, unread before %d", marked, after.Unread)
		}
		if res := page.Get("/notifications?unread=1"); !res.Contains("暂无通知") {
			t.Fatal("unread list not empty after mark all")
		}
		if res := e.Anonymous(t).JSON("GET", "/api/v1/notifications", nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d", res.Status)
		}
	})
}
