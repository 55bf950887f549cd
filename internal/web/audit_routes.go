package web

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
)

// auditRoutes registers the audit log and settings pages and API.
func (s *Server) auditRoutes() {
	s.page("GET /audit", s.auditList)
	s.page("GET /audit/{id}", s.auditDetail)
	s.page("GET /settings", s.settingsPage)
	s.page("POST /settings", s.settingsSubmit)

	entryProps := map[string]any{
		"id": integer(), "at": dateTime(), "actor_id": integer(), "actor_name": str(), "ip": str(),
		"action": str(), "entity": str(), "entity_id": str(), "summary": str(),
		"before": map[string]any{"description": "the values before the change (JSON), null when none"},
		"after":  map[string]any{"description": "the values after the change (JSON), null when none"},
	}
	entry := obj(entryProps)
	detailProps := maps.Clone(entryProps)
	detailProps["changes"] = arr(obj(map[string]any{"field": str(), "before": str(), "after": str()}))
	detail := obj(detailProps)
	s.api("GET /api/v1/audit", APIDoc{
		Summary: "The audit log, newest first: changes, logins and every read of contact details (needs audit.view)", Tag: "audit",
		Params: append(slices.Clone(pagingParams),
			Param{Name: "from", In: "query", Description: "first day, YYYY-MM-DD"},
			Param{Name: "to", In: "query", Description: "last day, YYYY-MM-DD (inclusive)"},
			Param{Name: "actor", In: "query", Description: "the actor's username contains this"},
			Param{Name: "actor_id", In: "query", Type: "integer", Description: "the actor's user id"},
			Param{Name: "action", In: "query", Description: "one of " + strings.Join(audit.Actions, ", ")},
			Param{Name: "entity", In: "query", Description: "one of " + strings.Join(audit.Entities, ", ")},
			Param{Name: "entity_id", In: "query", Description: "the id of the changed thing"},
			Param{Name: "contact", In: "query", Type: "boolean", Description: "only reads of contact details"},
		),
		Response: listOf(entry),
		Extra:    map[int]string{400: "a bad filter value", 403: "the role lacks audit.view"},
	}, s.apiAuditList)
	s.api("GET /api/v1/audit/{id}", APIDoc{
		Summary: "One audit entry with its changed fields (needs audit.view)", Tag: "audit", Response: detail,
		Extra: map[int]string{403: "the role lacks audit.view", 404: "no such entry"},
	}, s.apiAuditGet)

	props := map[string]any{}
	for _, ps := range account.PolicySettings {
		props[ps.Key] = map[string]any{"type": "integer", "minimum": ps.Min, "maximum": ps.Max}
	}
	settings := obj(props)
	s.api("GET /api/v1/settings", APIDoc{
		Summary: "The security policy: password rules, login protection, session and token lifetimes (needs settings.manage)", Tag: "settings",
		Response: settings, Extra: map[int]string{403: "the role lacks settings.manage"},
	}, s.apiSettings)
	s.api("PUT /api/v1/settings", APIDoc{
		Summary: "Change some or all security settings; bad values are refused field by field and nothing is stored (needs settings.manage)", Tag: "settings",
		Body: settings, Response: settings,
		Extra: map[int]string{400: "a value is out of range or not an integer", 403: "the role lacks settings.manage"},
	}, s.apiSettingsPut)
}

// ---- audit log ----

// option is one choice of a select.
type option struct{ Value, Label string }

// auditRow is an entry with its action and entity in the viewer's language.
type auditRow struct {
	audit.Entry
	ActionLabel, EntityLabel string
}

type auditListData struct {
	Rows     []auditRow
	Pager    Pager
	Actions  []option
	Entities []option
}

type auditChange struct {
	audit.Change
	Label string
}

type auditDetailData struct {
	Row     auditRow
	Changes []auditChange
}

func auditActionLabel(l i18n.Lang, action string) string {
	if k := "audit.action." + action; i18n.Has(k) {
		return i18n.T(l, k)
	}
	return action
}

func auditEntityLabel(l i18n.Lang, entity string) string {
	if k := "audit.entity." + entity; i18n.Has(k) {
		return i18n.T(l, k)
	}
	return entity
}

// auditFieldLabel names a changed field in the viewer's language where the
// catalogue knows it; otherwise the field's code is shown.
func auditFieldLabel(l i18n.Lang, entity, field string) string {
	var keys []string
	switch entity {
	case "settings":
		keys = []string{"setting." + field}
	case "region", "unit", "pairing":
		keys = []string{"org.field." + field}
	case "user", "role", "token":
		keys = []string{entity + ".field." + field}
	}
	for _, k := range keys {
		if i18n.Has(k) {
			return i18n.T(l, k)
		}
	}
	return ""
}

func newAuditRow(l i18n.Lang, e audit.Entry) auditRow {
	return auditRow{Entry: e, ActionLabel: auditActionLabel(l, e.Action), EntityLabel: auditEntityLabel(l, e.Entity)}
}

// auditFilterOf reads the filters of the list page and the API.
func auditFilterOf(r *http.Request) (audit.Filter, ListQuery, error) {
	q := r.URL.Query()
	lq := listQuery(r)
	f := audit.Filter{
		Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id"),
		Q: lq.Q, ContactOnly: formBool(q, "contact"), Page: lq.Page, Size: lq.Size,
	}
	var fe errs.Fields
	f.ActorID = formInt64(&fe, q, "actor_id")
	f.From = queryDate(&fe, q, "from")
	if to := queryDate(&fe, q, "to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole last day
		if !f.From.IsZero() && to.Before(f.From) {
			fe.Add("to", "audit.to_before_from")
		}
	}
	return f, lq, fe.Err()
}

// queryDate parses an optional YYYY-MM-DD value as the start of that day in
// China Standard Time (the time the pages show); "" is the zero time.
func queryDate(f *errs.Fields, vals url.Values, field string) time.Time {
	if t := parseDay(f, field, vals.Get(field)); t != nil {
		return *t
	}
	return time.Time{}
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return err
	}
	v := s.view(w, r, "audit.title")
	v.Form = r.URL.Query()
	d := &auditListData{}
	for _, a := range audit.Actions {
		d.Actions = append(d.Actions, option{a, auditActionLabel(v.Lang, a)})
	}
	for _, e := range audit.Entities {
		d.Entities = append(d.Entities, option{e, auditEntityLabel(v.Lang, e)})
	}
	v.Data = d
	f, lq, err := auditFilterOf(r)
	if err != nil {
		d.Pager = newPager(r, lq, 0)
		return s.formFailed(w, r, "audit_list", v, err)
	}
	if wantsXLSX(r) {
		return s.auditExport(w, r, f)
	}
	entries, total, err := s.audit.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	for _, e := range entries {
		d.Rows = append(d.Rows, newAuditRow(v.Lang, e))
	}
	d.Pager = newPager(r, lq, total)
	s.render(w, r, http.StatusOK, "audit_list", v)
	return nil
}

// auditExport answers with every matching entry (up to export.MaxRows) as
// a workbook with headers in the viewer's language.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, f audit.Filter) error {
	f.Page, f.Size = 1, audit.AllRows
	entries, _, err := s.audit.List(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	l := lang(r)
	cols := []export.Column{
		{Header: i18n.T(l, "audit.col.at"), Width: 18},
		{Header: i18n.T(l, "audit.col.actor"), Width: 14},
		{Header: i18n.T(l, "audit.col.ip"), Width: 16},
		{Header: i18n.T(l, "audit.col.action"), Width: 14},
		{Header: i18n.T(l, "audit.col.entity"), Width: 12},
		{Header: i18n.T(l, "audit.col.entity_id"), Width: 10},
		{Header: i18n.T(l, "audit.col.summary"), Width: 36},
		{Header: i18n.T(l, "audit.col.before"), Width: 50},
		{Header: i18n.T(l, "audit.col.after"), Width: 50},
	}
	rows := make([][]any, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, []any{e.At, e.ActorName, e.IP, auditActionLabel(l, e.Action), auditEntityLabel(l, e.Entity),
			e.EntityID, e.Summary, e.Before, e.After})
	}
	return export.ServeXLSX(w, i18n.T(l, "audit.export_name"), s.now(), cols, rows)
}

func (s *Server) auditDetail(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return err
	}
	id, err := pathID(r, "id", "entity.audit")
	if err != nil {
		return err
	}
	e, err := s.audit.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	v := s.view(w, r, "audit.detail_title")
	d := &auditDetailData{Row: newAuditRow(v.Lang, e)}
	for _, c := range e.Changes() {
		d.Changes = append(d.Changes, auditChange{Change: c, Label: auditFieldLabel(v.Lang, e.Entity, c.Field)})
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "audit_detail", v)
	return nil
}

// auditJSON is the API view of an entry; before and after are the recorded
// JSON values themselves.
type auditJSON struct {
	ID        int64           `json:"id"`
	At        string          `json:"at"`
	ActorID   int64           `json:"actor_id,omitempty"`
	ActorName string          `json:"actor_name"`
	IP        string          `json:"ip"`
	Action    string          `json:"action"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Summary   string          `json:"summary"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	Changes   []audit.Change  `json:"changes,omitempty"`
}

func rawJSON(s string) json.RawMessage {
	switch {
	case s == "":
		return json.RawMessage("null")
	case json.Valid([]byte(s)):
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

func auditJSONOf(e audit.Entry) auditJSON {
	return auditJSON{ID: e.ID, At: e.At.UTC().Format(time.RFC3339), ActorID: e.ActorID, ActorName: e.ActorName, IP: e.IP,
		Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, Summary: e.Summary, Before: rawJSON(e.Before), After: rawJSON(e.After)}
}

func (s *Server) apiAuditList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return err
	}
	f, lq, err := auditFilterOf(r)
	if err != nil {
		return err
	}
	entries, total, err := s.audit.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	items := make([]auditJSON, 0, len(entries))
	for _, e := range entries {
		items = append(items, auditJSONOf(e))
	}
	writeJSON(w, http.StatusOK, newAPIList(items, total, lq))
	return nil
}

func (s *Server) apiAuditGet(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return err
	}
	id, err := pathID(r, "id", "entity.audit")
	if err != nil {
		return err
	}
	e, err := s.audit.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := auditJSONOf(e)
	out.Changes = e.Changes()
	if out.Changes == nil {
		out.Changes = []audit.Change{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- security settings ----

// settingRow is one setting on the settings page.
type settingRow struct {
	Key, Label, Hint, Group string
	Min, Max                int
}

// settingGroup is a fieldset of the settings page (password, login …).
type settingGroup struct {
	Legend string
	Rows   []settingRow
}

// settingsValues returns the policy as key → value.
func settingsValues(p account.Policy) map[string]int {
	out := make(map[string]int, len(account.PolicySettings))
	for _, ps := range account.PolicySettings {
		out[ps.Key] = ps.Value(p)
	}
	return out
}

func (s *Server) currentPolicy(ctx context.Context) (account.Policy, error) {
	var pol account.Policy
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		pol, err = s.accounts.Policy(ctx, tx)
		return err
	})
	return pol, err
}

// saveSettings stores new setting values (key → text as typed) and records
// the change with the whole policy before and after; a submission that
// changes nothing writes nothing.
func (s *Server) saveSettings(ctx context.Context, p *auth.Principal, in map[string]string) (account.Policy, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return account.Policy{}, err
	}
	var after account.Policy
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, a, err := s.accounts.SetPolicy(ctx, tx, in)
		if err != nil {
			return err
		}
		after = a
		bv, av := settingsValues(before), settingsValues(a)
		var changed []string
		for _, ps := range account.PolicySettings {
			if bv[ps.Key] != av[ps.Key] {
				changed = append(changed, ps.Key+": "+strconv.Itoa(bv[ps.Key])+" → "+strconv.Itoa(av[ps.Key]))
			}
		}
		if len(changed) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, p, s.now(), audit.Entry{Action: audit.ActionUpdate, Entity: "settings", EntityID: "security",
			Summary: strings.Join(changed, "; ")}, bv, av)
	})
	return after, err
}

func (s *Server) settingsView(w http.ResponseWriter, r *http.Request) (*View, error) {
	v := s.view(w, r, "settings.title")
	pol, err := s.currentPolicy(r.Context())
	if err != nil {
		return nil, err
	}
	var groups []settingGroup
	for _, ps := range account.PolicySettings {
		g, _, _ := strings.Cut(ps.Key, ".")
		if len(groups) == 0 || groups[len(groups)-1].Rows[0].Group != g {
			groups = append(groups, settingGroup{Legend: v.T("settings.group." + g)})
		}
		last := &groups[len(groups)-1]
		last.Rows = append(last.Rows, settingRow{Key: ps.Key, Group: g, Label: v.T("setting." + ps.Key),
			Hint: v.T("settings.range", ps.Min, ps.Max), Min: ps.Min, Max: ps.Max})
		v.Form.Set(ps.Key, strconv.Itoa(ps.Value(pol)))
	}
	v.Data = groups
	if err := s.tileSettingsView(r.Context(), v); err != nil { // map_tiles.go
		return nil, err
	}
	return v, nil
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(principal(r), auth.PermSettingsManage); err != nil {
		return err
	}
	v, err := s.settingsView(w, r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "settings", v)
	return nil
}

func (s *Server) settingsSubmit(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := map[string]string{}
	for _, ps := range account.PolicySettings {
		if vals, ok := r.PostForm[ps.Key]; ok && len(vals) > 0 {
			in[ps.Key] = strings.TrimSpace(vals[0])
		}
	}
	if _, err := s.saveSettings(r.Context(), p, in); err != nil {
		return s.settingsFailed(w, r, err)
	}
	return s.redirect(w, r, "/settings", "flash.saved")
}

// settingsFailed shows the settings page again with the refused form's
// errors; the page's other forms keep their current values.
func (s *Server) settingsFailed(w http.ResponseWriter, r *http.Request, err error) error {
	v, verr := s.settingsView(w, r)
	if verr != nil {
		return verr
	}
	keepOthers(r, v)
	return s.formFailed(w, r, "settings", v, err)
}

func (s *Server) apiSettings(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(principal(r), auth.PermSettingsManage); err != nil {
		return err
	}
	pol, err := s.currentPolicy(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, settingsValues(pol))
	return nil
}

func (s *Server) apiSettingsPut(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	var f errs.Fields
	in := map[string]string{}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.ContainsFunc(account.PolicySettings, func(ps account.PolicySetting) bool { return ps.Key == k }) {
			f.Add(k, "settings.unknown")
			continue
		}
		var n int64
		if err := json.Unmarshal(body[k], &n); err != nil {
			f.Add(k, "field.bad_number")
			continue
		}
		in[k] = strconv.FormatInt(n, 10)
	}
	if err := f.Err(); err != nil {
		return err
	}
	pol, err := s.saveSettings(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, settingsValues(pol))
	return nil
}
