package web

import (
	"net/http"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/notify"
	"github.com/wenming-city/wenming/internal/org"
)

// notifyRoutes registers the delivery admin: a unit's notification
// channels (/units/{id}/channels), a user's own e-mail (/account/email) and
// the outbox (/notify/outbox), with their API.
func (s *Server) notifyRoutes() {
	s.page("GET /units/{id}/channels", s.unitChannelsPage)
	s.page("POST /units/{id}/channels", s.unitChannelAdd)
	s.page("POST /units/{id}/channels/{cid}", s.unitChannelActive)
	s.page("POST /units/{id}/channels/{cid}/delete", s.unitChannelDelete)
	s.page("GET /account/email", s.myEmailPage)
	s.page("POST /account/email", s.myEmailSubmit)
	s.page("GET /notify/outbox", s.outboxPage)
	s.page("POST /notify/outbox/{id}/retry", s.outboxRetry)

	kinds := map[string]any{"type": "string", "enum": []string{notify.KindWebhook, notify.KindEmail}}
	channel := obj(map[string]any{
		"id": integer(), "unit_id": integer(), "user_id": integer(), "kind": kinds,
		"target": map[string]any{"type": "string", "description": "the webhook URL or the e-mail address"},
		"active": boolean(), "created_at": dateTime(),
	})
	orgRead := map[int]string{403: "the role lacks org.view", 404: "no such unit in the caller's data scope"}
	orgWrite := map[int]string{400: "invalid input; error.fields names each bad field", 403: "the role lacks org.manage",
		404: "no such unit or channel in the caller's data scope", 409: "the unit already has this address, or too many channels"}
	s.api("GET /api/v1/units/{id}/channels", APIDoc{
		Summary: "Where a unit's notifications are also sent (webhooks and e-mail addresses), oldest first", Tag: "notifications",
		Response: obj(map[string]any{"items": arr(channel)}), Extra: orgRead,
	}, s.apiUnitChannels)
	s.api("POST /api/v1/units/{id}/channels", APIDoc{
		Summary: "Add an active channel to a unit: a webhook (an http or https URL with a host) or an e-mail address", Tag: "notifications",
		Body: obj(map[string]any{"kind": kinds, "target": str()}, "kind", "target"), Response: channel, Status: http.StatusCreated,
		Extra: orgWrite,
	}, s.apiUnitChannelAdd)
	s.api("PUT /api/v1/units/{id}/channels/{cid}", APIDoc{
		Summary: "Turn a unit's channel on or off (an inactive channel gets no messages)", Tag: "notifications",
		Body: obj(map[string]any{"active": boolean()}, "active"), Response: channel, Extra: orgWrite,
	}, s.apiUnitChannelActive)
	s.api("DELETE /api/v1/units/{id}/channels/{cid}", APIDoc{
		Summary: "Delete a unit's channel; messages already queued are still delivered", Tag: "notifications",
		Status: http.StatusNoContent, Extra: orgWrite,
	}, s.apiUnitChannelDelete)
	email := obj(map[string]any{"email": map[string]any{"type": "string", "description": "\"\" when none"}})
	s.api("GET /api/v1/me/email", APIDoc{
		Summary: "The address where the signed-in user's notifications are also sent by e-mail", Tag: "notifications",
		Response: email, Extra: map[int]string{403: "a token that is not a user's"},
	}, s.apiMyEmail)
	s.api("PUT /api/v1/me/email", APIDoc{
		Summary: "Set (or, with \"\", remove) the signed-in user's notification e-mail address", Tag: "notifications",
		Body: email, Response: email, Extra: map[int]string{400: "not one plain e-mail address", 403: "a token that is not a user's"},
	}, s.apiMyEmailPut)
	item := obj(map[string]any{
		"id": integer(), "channel": kinds, "target": str(), "unit_id": integer(), "unit_name": str(), "user_id": integer(),
		"user_name": str(), "kind": str(), "order_code": str(), "subject": str(),
		"state": map[string]any{"type": "string", "enum": notify.States}, "attempts": integer(),
		"next_at": dateTime(), "last_error": str(), "created_at": dateTime(),
		"sent_at": map[string]any{"type": "string", "format": "date-time", "nullable": true},
	})
	s.api("GET /api/v1/notify/outbox", APIDoc{
		Summary: "Messages to webhooks and e-mail, newest first, with their attempts and last error (needs settings.manage)", Tag: "notifications",
		Params: []Param{pagingParams[0], pagingParams[1],
			{Name: "state", In: "query", Description: "one of " + strings.Join(notify.States, ", ")}},
		Response: listOf(item), Extra: map[int]string{400: "a bad state", 403: "the role lacks settings.manage"},
	}, s.apiOutbox)
	s.api("POST /api/v1/notify/outbox/{id}/retry", APIDoc{
		Summary: "Put a failed message back in the queue, due now, for one more attempt (needs settings.manage)", Tag: "notifications",
		Status: http.StatusNoContent,
		Extra:  map[int]string{403: "the role lacks settings.manage", 404: "no such message", 409: "the message has not failed"},
	}, s.apiOutboxRetry)
}

// ---- a unit's channels ----

type unitChannelsData struct {
	Unit      org.Unit
	Rows      []notify.ChannelRow
	Kinds     []orgChoice
	CanManage bool
}

func channelKindChoices(v *View) []orgChoice {
	return []orgChoice{{notify.KindWebhook, v.T("notifyadmin.kind.webhook")}, {notify.KindEmail, v.T("notifyadmin.kind.email")}}
}

func (s *Server) unitChannelsView(w http.ResponseWriter, r *http.Request, u org.Unit) (*View, error) {
	p := principal(r)
	rows, err := s.channels.UnitChannels(r.Context(), p, u.ID)
	if err != nil {
		return nil, err
	}
	v := s.view(w, r, "notifyadmin.channels.title")
	v.Data = &unitChannelsData{Unit: u, Rows: rows, Kinds: channelKindChoices(v), CanManage: canManageOrg(p)}
	v.Form.Set("kind", notify.KindWebhook)
	return v, nil
}

// unitChannelOf reads the unit and the channel the path names, for a step
// that changes the unit's channels (org.manage, checked before any input
// is read).
func (s *Server) unitChannelOf(r *http.Request) (org.Unit, int64, error) {
	u, err := s.channelUnit(r)
	if err != nil {
		return u, 0, err
	}
	cid, err := pathID(r, "cid", "entity.notify_channel")
	if err != nil {
		return u, 0, err
	}
	return u, cid, orgRequireManage(r)
}

func (s *Server) unitChannelsPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	v, err := s.unitChannelsView(w, r, u)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "unit_channels", v)
	return nil
}

func (s *Server) unitChannelAdd(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	if err := orgRequireManage(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := notify.ChannelInput{Kind: r.PostForm.Get("kind"), Target: r.PostForm.Get("target")}
	if _, err := s.channels.AddUnitChannel(r.Context(), principal(r), u.ID, in); err != nil {
		v, verr := s.unitChannelsView(w, r, u)
		if verr != nil {
			return verr
		}
		return s.formFailed(w, r, "unit_channels", v, err)
	}
	return s.redirect(w, r, "/units/"+orgID(u.ID)+"/channels", "flash.created")
}

func (s *Server) unitChannelActive(w http.ResponseWriter, r *http.Request) error {
	u, cid, err := s.unitChannelOf(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := s.channels.SetUnitChannelActive(r.Context(), principal(r), u.ID, cid, formBool(r.PostForm, "active")); err != nil {
		return err
	}
	return s.redirect(w, r, "/units/"+orgID(u.ID)+"/channels", "flash.saved")
}

func (s *Server) unitChannelDelete(w http.ResponseWriter, r *http.Request) error {
	u, cid, err := s.unitChannelOf(r)
	if err != nil {
		return err
	}
	if err := s.channels.DeleteUnitChannel(r.Context(), principal(r), u.ID, cid); err != nil {
		return err
	}
	return s.redirect(w, r, "/units/"+orgID(u.ID)+"/channels", "flash.deleted")
}

func (s *Server) apiUnitChannels(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	rows, err := s.channels.UnitChannels(r.Context(), principal(r), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rows})
	return nil
}

func (s *Server) apiUnitChannelAdd(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	if err := orgRequireManage(r); err != nil {
		return err
	}
	var in notify.ChannelInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.channels.AddUnitChannel(r.Context(), principal(r), u.ID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) apiUnitChannelActive(w http.ResponseWriter, r *http.Request) error {
	u, cid, err := s.unitChannelOf(r)
	if err != nil {
		return err
	}
	var in struct {
		Active *bool `json:"active"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Active == nil {
		var f errs.Fields
		f.Add("active", "field.required")
		return f.Err()
	}
	c, err := s.channels.SetUnitChannelActive(r.Context(), principal(r), u.ID, cid, *in.Active)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiUnitChannelDelete(w http.ResponseWriter, r *http.Request) error {
	u, cid, err := s.unitChannelOf(r)
	if err != nil {
		return err
	}
	if err := s.channels.DeleteUnitChannel(r.Context(), principal(r), u.ID, cid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- the user's own e-mail ----

func (s *Server) myEmailView(w http.ResponseWriter, r *http.Request) (*View, error) {
	email, err := s.channels.MyEmail(r.Context(), principal(r))
	if err != nil {
		return nil, err
	}
	v := s.view(w, r, "notifyadmin.my_email.title")
	v.Form.Set("email", email)
	v.Data = email
	return v, nil
}

// emailField names the address's problem after the form's field, "email".
func emailField(err error) {
	if e := errs.As(err); e != nil {
		if fe, ok := e.Fields["target"]; ok {
			e.Fields["email"] = fe
			delete(e.Fields, "target")
		}
	}
}

func (s *Server) myEmailPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.myEmailView(w, r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "account_email", v)
	return nil
}

func (s *Server) myEmailSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	email := r.PostForm.Get("email")
	if formBool(r.PostForm, "remove") {
		email = ""
	}
	if _, err := s.channels.SetMyEmail(r.Context(), principal(r), email); err != nil {
		v, verr := s.myEmailView(w, r)
		if verr != nil {
			return verr
		}
		emailField(err)
		return s.formFailed(w, r, "account_email", v, err)
	}
	return s.redirect(w, r, "/account/email", "flash.saved")
}

func (s *Server) apiMyEmail(w http.ResponseWriter, r *http.Request) error {
	email, err := s.channels.MyEmail(r.Context(), principal(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"email": email})
	return nil
}

func (s *Server) apiMyEmailPut(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	email, err := s.channels.SetMyEmail(r.Context(), principal(r), in.Email)
	if err != nil {
		emailField(err)
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"email": email})
	return nil
}

// ---- the outbox ----

type outboxData struct {
	Rows   []notify.OutboxItem
	Pager  Pager
	States []orgChoice
}

func outboxFilterOf(r *http.Request) (notify.OutboxFilter, ListQuery) {
	lq := listQuery(r)
	return notify.OutboxFilter{State: strings.TrimSpace(r.URL.Query().Get("state")), Page: lq.Page, Size: lq.Size}, lq
}

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	v := s.view(w, r, "notifyadmin.outbox.title")
	v.Form = r.URL.Query()
	d := &outboxData{}
	for _, st := range notify.States {
		d.States = append(d.States, orgChoice{st, v.T("notifyadmin.state." + st)})
	}
	v.Data = d
	f, lq := outboxFilterOf(r)
	rows, total, err := s.channels.ListOutbox(r.Context(), p, f)
	if err != nil {
		d.Pager = newPager(r, lq, 0)
		return s.formFailed(w, r, "notify_outbox", v, err)
	}
	d.Rows, d.Pager = rows, newPager(r, lq, total)
	s.render(w, r, http.StatusOK, "notify_outbox", v)
	return nil
}

func (s *Server) outboxRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "entity.notify_message")
	if err != nil {
		return err
	}
	if err := s.channels.RetryNow(r.Context(), principal(r), id); err != nil {
		return err
	}
	back := "/notify/outbox"
	if st := r.URL.Query().Get("state"); st != "" {
		back += "?state=" + urlQueryEscape(st)
	}
	return s.redirect(w, r, back, "notifyadmin.retried")
}

func (s *Server) apiOutbox(w http.ResponseWriter, r *http.Request) error {
	f, lq := outboxFilterOf(r)
	rows, total, err := s.channels.ListOutbox(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAPIList(rows, total, lq))
	return nil
}

func (s *Server) apiOutboxRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", "entity.notify_message")
	if err != nil {
		return err
	}
	if err := s.channels.RetryNow(r.Context(), principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// channelUnit is the unit of a /units/{id}/channels route, as the viewer may see it.
func (s *Server) channelUnit(r *http.Request) (org.Unit, error) {
	id, err := pathID(r, "id", "entity.unit")
	if err != nil {
		return org.Unit{}, err
	}
	return s.org.GetUnit(r.Context(), principal(r), id)
}
