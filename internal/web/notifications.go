package web

import (
	"net/http"
	"strconv"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/workorder"
)

// A staff member's in-app notifications: /notifications lists what was
// sent to them or their unit (new dispatches, reopened orders, overdue
// escalations …), newest first, each linking to its order; they mark them
// read one by one or all at once. The same through /api/v1/notifications.
func (s *Server) notificationRoutes() {
	s.page("GET /notifications", s.notificationsPage)
	s.page("POST /notifications/read", s.notificationsRead)

	item := obj(map[string]any{"id": integer(), "order_id": integer(), "order_code": str(), "kind": str(),
		"text": str(), "to_unit": boolean(), "created_at": dateTime(), "read": boolean()})
	s.api("GET /api/v1/notifications", APIDoc{
		Summary: "The caller's in-app notifications (sent to them or to their unit), newest first, text in the request's language",
		Tag:     "notifications",
		Params: []Param{
			{Name: "unread", In: "query", Type: "boolean", Description: "1: only those the caller has not read"},
			{Name: "page", In: "query", Type: "integer", Description: "page number, from 1"},
			{Name: "size", In: "query", Type: "integer", Description: "items per page (at most 500)"}},
		Response: obj(map[string]any{"items": arr(item), "unread": integer(), "page": integer(), "size": integer(), "more": boolean()}),
	}, s.apiNotifications)
	s.api("POST /api/v1/notifications/read", APIDoc{
		Summary:  "Mark notifications read for the caller: the listed ids, or all when ids is empty",
		Tag:      "notifications",
		Body:     obj(map[string]any{"ids": arr(integer())}),
		Response: obj(map[string]any{"marked": integer(), "unread": integer()}),
	}, s.apiNotificationsRead)
}

type notificationsData struct {
	Items      []workorder.Notification
	Unread     int64
	UnreadOnly bool
	Page       int
	More       bool
	Pager      Pager
}

func notificationFilter(r *http.Request) (workorder.NotificationFilter, ListQuery) {
	lq := listQuery(r)
	return workorder.NotificationFilter{UnreadOnly: r.URL.Query().Get("unread") == "1", Page: lq.Page, Size: lq.Size}, lq
}

// notificationTexts puts each notice in the reader's language.
func notificationTexts(l i18n.Lang, items []workorder.Notification) []workorder.Notification {
	for i := range items {
		items[i].Text = i18n.T(l, items[i].Key, items[i].Args...)
	}
	if items == nil {
		items = []workorder.Notification{}
	}
	return items
}

// notificationList reads the page of the caller's notices the request
// asks for, in the request's language, with the caller's unread count: the
// page and the API show the same.
func (s *Server) notificationList(r *http.Request) (notificationsPage, workorder.NotificationFilter, ListQuery, error) {
	p := principal(r)
	f, lq := notificationFilter(r)
	items, more, err := s.orders.Notifications(r.Context(), p, f)
	if err != nil {
		return notificationsPage{}, f, lq, err
	}
	unread, err := s.orders.UnreadNotifications(r.Context(), p)
	if err != nil {
		return notificationsPage{}, f, lq, err
	}
	return notificationsPage{Items: notificationTexts(lang(r), items), Unread: unread, Page: lq.Page, Size: lq.Size, More: more}, f, lq, nil
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	list, f, lq, err := s.notificationList(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "notif.title")
	v.Form = r.URL.Query()
	v.Data = &notificationsData{Items: list.Items, Unread: list.Unread, UnreadOnly: f.UnreadOnly,
		Page: list.Page, More: list.More, Pager: newPager(r, lq, 0)}
	s.render(w, r, http.StatusOK, "notifications", v)
	return nil
}

// notificationsRead marks one notice (id) or all (no id) read and goes
// back to the list, or to the order when the notice was opened (open=1).
func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
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
	if _, err := s.orders.MarkNotificationsRead(r.Context(), principal(r), ids); err != nil {
		return err
	}
	if order, err := strconv.ParseInt(r.PostForm.Get("order"), 10, 64); err == nil && order > 0 {
		http.Redirect(w, r, "/orders/"+strconv.FormatInt(order, 10), http.StatusSeeOther)
		return nil
	}
	back := "/notifications"
	if r.PostForm.Get("unread") == "1" {
		back += "?unread=1"
	}
	return s.redirect(w, r, back, "notif.flash.marked")
}

type notificationsPage struct {
	Items  []workorder.Notification `json:"items"`
	Unread int64                    `json:"unread"`
	Page   int                      `json:"page"`
	Size   int                      `json:"size"`
	More   bool                     `json:"more"`
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	list, _, _, err := s.notificationList(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) apiNotificationsRead(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		IDs []int64 `json:"ids"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	p := principal(r)
	n, err := s.orders.MarkNotificationsRead(r.Context(), p, body.IDs)
	if err != nil {
		return err
	}
	unread, err := s.orders.UnreadNotifications(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int64{"marked": n, "unread": unread})
	return nil
}
