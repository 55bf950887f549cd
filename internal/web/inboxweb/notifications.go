package inboxweb

import (
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/workorder"
)

// A staff member's in-app notifications: /notifications lists what was
// sent to them or their unit (new dispatches, reopened orders, overdue
// escalations …), newest first, each linking to its order; they mark them
// read one by one or all at once. The same through /api/v1/notifications.
func (s *Server) notificationRoutes() {
	s.Page("GET /notifications", s.notificationsPage)
	s.Page("POST /notifications/read", s.notificationsRead)

	item := web.Obj(map[string]any{"id": web.Integer(), "order_id": web.Integer(), "order_code": web.Str(), "kind": web.Str(),
		"ref_kind": web.Str(), "ref": web.Integer(), "label": web.Str(), "link": web.Str(),
		"text": web.Str(), "to_unit": web.Boolean(), "created_at": web.DateTime(), "read": web.Boolean()})
	s.API("GET /api/v1/notifications", web.APIDoc{
		Summary: "The caller's in-app notifications (sent to them or to their unit), newest first, text in the request's language",
		Tag:     "notifications",
		Params: []web.Param{
			{Name: "unread", In: "query", Type: "boolean", Description: "1: only those the caller has not read"},
			{Name: "page", In: "query", Type: "integer", Description: "page number, from 1"},
			{Name: "size", In: "query", Type: "integer", Description: "items per page (at most 500)"}},
		Response: web.Obj(map[string]any{"items": web.Arr(item), "unread": web.Integer(), "page": web.Integer(), "size": web.Integer(), "more": web.Boolean()}),
	}, s.apiNotifications)
	s.API("POST /api/v1/notifications/read", web.APIDoc{
		Summary:  "Mark notifications read for the caller: the listed ids, or all when ids is empty",
		Tag:      "notifications",
		Body:     web.Obj(map[string]any{"ids": web.Arr(web.Integer())}),
		Response: web.Obj(map[string]any{"marked": web.Integer(), "unread": web.Integer()}),
	}, s.apiNotificationsRead)
}

type notificationsData struct {
	Items      []notificationItem
	Unread     int64
	UnreadOnly bool
	Page       int
	More       bool
	Pager      web.Pager
}

func notificationFilter(r *http.Request) (inbox.Filter, web.ListQuery) {
	lq := web.ListQueryOf(r)
	return inbox.Filter{UnreadOnly: r.URL.Query().Get("unread") == "1", Page: lq.Page, Size: lq.Size}, lq
}

// notificationItem is one notice as the page and the API show it: kind
// stays what happened (dispatch, overdue …) as before the shared inbox;
// ref_kind and ref name the record, link opens it; order_id and order_code
// are kept for notices about a work order.
type notificationItem struct {
	ID        int64     `json:"id"`
	OrderID   int64     `json:"order_id,omitempty"`
	OrderCode string    `json:"order_code,omitempty"`
	Kind      string    `json:"kind"`
	RefKind   string    `json:"ref_kind"`
	Ref       int64     `json:"ref"`
	Label     string    `json:"label"`
	Link      string    `json:"link"`
	Open      string    `json:"-"`
	Text      string    `json:"text"`
	ToUnit    bool      `json:"to_unit"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// notificationTexts puts each notice in the reader's language.
func notificationTexts(l i18n.Lang, items []inbox.Notification) []notificationItem {
	out := make([]notificationItem, 0, len(items))
	for _, n := range items {
		it := notificationItem{ID: n.ID, Kind: n.Event, RefKind: n.Kind, Ref: n.Ref, Label: n.Label, Link: n.Link,
			Text: i18n.T(l, n.Key, n.Args...), ToUnit: n.ToUnit, CreatedAt: n.CreatedAt, Read: n.Read}
		if n.OpenKey != "" {
			it.Open = i18n.T(l, n.OpenKey, n.Label)
		}
		if n.Kind == workorder.NoticeKind {
			it.OrderID, it.OrderCode = n.Ref, n.Label
		}
		out = append(out, it)
	}
	return out
}

// notificationList reads the page of the caller's notices the request
// asks for, in the request's language, with the caller's unread count: the
// page and the API show the same.
func (s *Server) notificationList(r *http.Request) (notificationsPage, inbox.Filter, web.ListQuery, error) {
	p := web.Principal(r)
	f, lq := notificationFilter(r)
	items, more, err := s.inbox.List(r.Context(), p, f)
	if err != nil {
		return notificationsPage{}, f, lq, err
	}
	unread, err := s.inbox.Unread(r.Context(), p)
	if err != nil {
		return notificationsPage{}, f, lq, err
	}
	return notificationsPage{Items: notificationTexts(web.Lang(r), items), Unread: unread, Page: lq.Page, Size: lq.Size, More: more}, f, lq, nil
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	list, f, lq, err := s.notificationList(r)
	if err != nil {
		return err
	}
	v := s.View(w, r, "notif.title")
	v.Form = r.URL.Query()
	v.Data = &notificationsData{Items: list.Items, Unread: list.Unread, UnreadOnly: f.UnreadOnly,
		Page: list.Page, More: list.More, Pager: web.NewPager(r, lq, 0)}
	s.Render(w, r, http.StatusOK, "notifications", v)
	return nil
}

// notificationsRead marks one notice (id) or all (no id) read and goes
// back to the list, or to where the notice opens (open=1, the link its
// kind registered; order=N, as before, to that order).
func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var ids []int64
	if raw := r.PostForm.Get("id"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return errs.E(errs.Invalid, "err.invalid_value")
		}
		ids = append(ids, id)
	}
	if _, err := s.inbox.MarkRead(r.Context(), web.Principal(r), ids); err != nil {
		return err
	}
	if r.PostForm.Get("open") == "1" && len(ids) == 1 {
		link, err := s.inbox.Link(r.Context(), web.Principal(r), ids[0])
		if err != nil {
			return err
		}
		if link != "" {
			http.Redirect(w, r, link, http.StatusSeeOther)
			return nil
		}
	}
	if order, err := strconv.ParseInt(r.PostForm.Get("order"), 10, 64); err == nil && order > 0 {
		http.Redirect(w, r, "/orders/"+strconv.FormatInt(order, 10), http.StatusSeeOther)
		return nil
	}
	back := "/notifications"
	if r.PostForm.Get("unread") == "1" {
		back += "?unread=1"
	}
	return s.Redirect(w, r, back, "notif.flash.marked")
}

type notificationsPage struct {
	Items  []notificationItem `json:"items"`
	Unread int64              `json:"unread"`
	Page   int                `json:"page"`
	Size   int                `json:"size"`
	More   bool               `json:"more"`
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	list, _, _, err := s.notificationList(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) apiNotificationsRead(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		IDs []int64 `json:"ids"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	p := web.Principal(r)
	n, err := s.inbox.MarkRead(r.Context(), p, body.IDs)
	if err != nil {
		return err
	}
	unread, err := s.inbox.Unread(r.Context(), p)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]int64{"marked": n, "unread": unread})
	return nil
}
