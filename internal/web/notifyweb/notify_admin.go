package notifyweb

import (
	"github.com/wenming-city/wenming/internal/web"
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
	s.Page("GET /units/{id}/channels", s.unitChannelsPage)
	s.Page("POST /units/{id}/channels", s.unitChannelAdd)
	s.Page("POST /units/{id}/channels/{cid}", s.unitChannelActive)
	s.Page("POST /units/{id}/channels/{cid}/delete", s.unitChannelDelete)
	s.Page("GET /account/email", s.myEmailPage)
	s.Page("POST /account/email", s.myEmailSubmit)
	s.Page("GET /notify/outbox", s.outboxPage)
	s.Page("POST /notify/outbox/{id}/retry", s.outboxRetry)

	kinds := map[string]any{"type": "string", "enum": []string{notify.KindWebhook, notify.KindEmail}}
	channel := web.Obj(map[string]any{
		"id": web.Integer(), "unit_id": web.Integer(), "user_id": web.Integer(), "kind": kinds,
		"target": map[string]any{"type": "string", "description": "the webhook URL or the e-mail address"},
		"active": web.Boolean(), "created_at": web.DateTime(),
	})
	orgRead := map[int]string{403: "the role lacks org.view", 404: "no such unit in the caller's data scope"}
	orgWrite := map[int]string{400: "invalid input; error.fields names each bad field", 403: "the role lacks org.manage",
		404: "no such unit or channel in the caller's data scope", 409: "the unit already has this address, or too many channels"}
	s.API("GET /api/v1/units/{id}/channels", web.APIDoc{
		Summary: "Where a unit's notifications are also sent (webhooks and e-mail addresses), oldest first", Tag: "notifications",
		Response: web.Obj(map[string]any{"items": web.Arr(channel)}), Extra: orgRead,
	}, s.apiUnitChannels)
	s.API("POST /api/v1/units/{id}/channels", web.APIDoc{
		Summary: "Add an active channel to a unit: a webhook (an http or https URL with a host) or an e-mail address", Tag: "notifications",
		Body: web.Obj(map[string]any{"kind": kinds, "target": web.Str()}, "kind", "target"), Response: channel, Status: http.StatusCreated,
		Extra: orgWrite,
	}, s.apiUnitChannelAdd)
	s.API("PUT /api/v1/units/{id}/channels/{cid}", web.APIDoc{
		Summary: "Turn a unit's channel on or off (an inactive channel gets no messages)", Tag: "notifications",
		Body: web.Obj(map[string]any{"active": web.Boolean()}, "active"), Response: channel, Extra: orgWrite,
	}, s.apiUnitChannelActive)
	s.API("DELETE /api/v1/units/{id}/channels/{cid}", web.APIDoc{
		Summary: "Delete a unit's channel; messages already queued are still delivered", Tag: "notifications",
		Status: http.StatusNoContent, Extra: orgWrite,
	}, s.apiUnitChannelDelete)
	email := web.Obj(map[string]any{"email": map[string]any{"type": "string", "description": "\"\" when none"}})
	s.API("GET /api/v1/me/email", web.APIDoc{
		Summary: "The address where the signed-in user's notifications are also sent by e-mail", Tag: "notifications",
		Response: email, Extra: map[int]string{403: "a token that is not a user's"},
	}, s.apiMyEmail)
	s.API("PUT /api/v1/me/email", web.APIDoc{
		Summary: "Set (or, with \"\", remove) the signed-in user's notification e-mail address", Tag: "notifications",
		Body: email, Response: email, Extra: map[int]string{400: "not one plain e-mail address", 403: "a token that is not a user's"},
	}, s.apiMyEmailPut)
	item := web.Obj(map[string]any{
		"id": web.Integer(), "channel": kinds, "target": web.Str(), "unit_id": web.Integer(), "unit_name": web.Str(), "user_id": web.Integer(),
		"user_name": web.Str(), "kind": web.Str(), "order_code": web.Str(), "subject": web.Str(),
		"state": map[string]any{"type": "string", "enum": notify.States}, "attempts": web.Integer(),
		"next_at": web.DateTime(), "last_error": web.Str(), "created_at": web.DateTime(),
		"sent_at": map[string]any{"type": "string", "format": "date-time", "nullable": true},
	})
	s.API("GET /api/v1/notify/outbox", web.APIDoc{
		Summary: "Messages to webhooks and e-mail, newest first, with their attempts and last error (needs settings.manage)", Tag: "notifications",
		Params: []web.Param{web.PagingParams[0], web.PagingParams[1],
			{Name: "state", In: "query", Description: "one of " + strings.Join(notify.States, ", ")}},
		Response: web.ListOf(item), Extra: map[int]string{400: "a bad state", 403: "the role lacks settings.manage"},
	}, s.apiOutbox)
	s.API("POST /api/v1/notify/outbox/{id}/retry", web.APIDoc{
		Summary: "Put a failed message back in the queue, due now, for one more attempt (needs settings.manage)", Tag: "notifications",
		Status: http.StatusNoContent,
		Extra:  map[int]string{403: "the role lacks settings.manage", 404: "no such message", 409: "the message has not failed"},
	}, s.apiOutboxRetry)
}

// ---- a unit's channels ----

type unitChannelsData struct {
	Unit      org.Unit
	Rows      []notify.ChannelRow
	Kinds     []web.Option
	CanManage bool
}

func channelKindChoices(v *web.View) []web.Option {
	return []web.Option{{Value: notify.KindWebhook, Label: v.T("notifyadmin.kind.webhook")}, {Value: notify.KindEmail, Label: v.T("notifyadmin.kind.email")}}
}

func (s *Server) unitChannelsView(w http.ResponseWriter, r *http.Request, u org.Unit) (*web.View, error) {
	p := web.Principal(r)
	rows, err := s.channels.UnitChannels(r.Context(), p, u.ID)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "notifyadmin.channels.title")
	v.Data = &unitChannelsData{Unit: u, Rows: rows, Kinds: channelKindChoices(v), CanManage: web.CanManageOrg(p)}
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
	cid, err := web.PathID(r, "cid", "entity.notify_channel")
	if err != nil {
		return u, 0, err
	}
	return u, cid, web.OrgRequireManage(r)
}

func (s *Server) unitChannelsPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "unit_channels", func() (*web.View, error) { return s.unitChannelsView(w, r, u) })
}

func (s *Server) unitChannelAdd(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := notify.ChannelInput{Kind: r.PostForm.Get("kind"), Target: r.PostForm.Get("target")}
	if _, err := s.channels.AddUnitChannel(r.Context(), web.Principal(r), u.ID, in); err != nil {
		v, verr := s.unitChannelsView(w, r, u)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "unit_channels", v, err)
	}
	return s.Redirect(w, r, "/units/"+web.OrgID(u.ID)+"/channels", "flash.created")
}

func (s *Server) unitChannelActive(w http.ResponseWriter, r *http.Request) error {
	u, cid, err := s.unitChannelOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := s.channels.SetUnitChannelActive(r.Context(), web.Principal(r), u.ID, cid, web.FormBool(r.PostForm, "active")); err != nil {
		return err
	}
	return s.Redirect(w, r, "/units/"+web.OrgID(u.ID)+"/channels", "flash.saved")
}

func (s *Server) unitChannelDelete(w http.ResponseWriter, r *http.Request) error {
	u, cid, err := s.unitChannelOf(r)
	if err != nil {
		return err
	}
	if err := s.channels.DeleteUnitChannel(r.Context(), web.Principal(r), u.ID, cid); err != nil {
		return err
	}
	return s.Redirect(w, r, "/units/"+web.OrgID(u.ID)+"/channels", "flash.deleted")
}

func (s *Server) apiUnitChannels(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	rows, err := s.channels.UnitChannels(r.Context(), web.Principal(r), u.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": rows})
	return nil
}

func (s *Server) apiUnitChannelAdd(w http.ResponseWriter, r *http.Request) error {
	u, err := s.channelUnit(r)
	if err != nil {
		return err
	}
	if err := web.OrgRequireManage(r); err != nil {
		return err
	}
	var in notify.ChannelInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.channels.AddUnitChannel(r.Context(), web.Principal(r), u.ID, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, c)
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
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Active == nil {
		var f errs.Fields
		f.Add("active", "field.required")
		return f.Err()
	}
	c, err := s.channels.SetUnitChannelActive(r.Context(), web.Principal(r), u.ID, cid, *in.Active)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiUnitChannelDelete(w http.ResponseWriter, r *http.Request) error {
	u, cid, err := s.unitChannelOf(r)
	if err != nil {
		return err
	}
	if err := s.channels.DeleteUnitChannel(r.Context(), web.Principal(r), u.ID, cid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- the user's own e-mail ----

func (s *Server) myEmailView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	email, err := s.channels.MyEmail(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "notifyadmin.my_email.title")
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
	return s.Show(w, r, "account_email", func() (*web.View, error) { return s.myEmailView(w, r) })
}

func (s *Server) myEmailSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	email := r.PostForm.Get("email")
	if web.FormBool(r.PostForm, "remove") {
		email = ""
	}
	if _, err := s.channels.SetMyEmail(r.Context(), web.Principal(r), email); err != nil {
		v, verr := s.myEmailView(w, r)
		if verr != nil {
			return verr
		}
		emailField(err)
		return s.FormFailed(w, r, "account_email", v, err)
	}
	return s.Redirect(w, r, "/account/email", "flash.saved")
}

func (s *Server) apiMyEmail(w http.ResponseWriter, r *http.Request) error {
	email, err := s.channels.MyEmail(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"email": email})
	return nil
}

func (s *Server) apiMyEmailPut(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	email, err := s.channels.SetMyEmail(r.Context(), web.Principal(r), in.Email)
	if err != nil {
		emailField(err)
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"email": email})
	return nil
}

// ---- the outbox ----

type outboxData struct {
	Rows   []notify.OutboxItem
	Pager  web.Pager
	States []web.Option
}

func outboxFilterOf(r *http.Request) (notify.OutboxFilter, web.ListQuery) {
	lq := web.ListQueryOf(r)
	return notify.OutboxFilter{State: strings.TrimSpace(r.URL.Query().Get("state")), Page: lq.Page, Size: lq.Size}, lq
}

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	v := s.View(w, r, "notifyadmin.outbox.title")
	v.Form = r.URL.Query()
	d := &outboxData{}
	for _, st := range notify.States {
		d.States = append(d.States, web.Option{Value: st, Label: v.T("notifyadmin.state." + st)})
	}
	v.Data = d
	f, lq := outboxFilterOf(r)
	rows, total, err := s.channels.ListOutbox(r.Context(), p, f)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "notify_outbox", v, err)
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "notify_outbox", v)
	return nil
}

func (s *Server) outboxRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.notify_message")
	if err != nil {
		return err
	}
	if err := s.channels.RetryNow(r.Context(), web.Principal(r), id); err != nil {
		return err
	}
	back := "/notify/outbox"
	if st := r.URL.Query().Get("state"); st != "" {
		back += "?state=" + web.URLQueryEscape(st)
	}
	return s.Redirect(w, r, back, "notifyadmin.retried")
}

func (s *Server) apiOutbox(w http.ResponseWriter, r *http.Request) error {
	f, lq := outboxFilterOf(r)
	rows, total, err := s.channels.ListOutbox(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(rows, total, lq))
	return nil
}

func (s *Server) apiOutboxRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.notify_message")
	if err != nil {
		return err
	}
	if err := s.channels.RetryNow(r.Context(), web.Principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// channelUnit is the unit of a /units/{id}/channels route, as the viewer may see it.
func (s *Server) channelUnit(r *http.Request) (org.Unit, error) {
	id, err := web.PathID(r, "id", "entity.unit")
	if err != nil {
		return org.Unit{}, err
	}
	return s.org.GetUnit(r.Context(), web.Principal(r), id)
}
