package auditweb

import (
	"encoding/json"
	"github.com/wenming-city/wenming/internal/web"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
)

// auditRoutes registers the audit log pages and API.
func (s *Server) auditRoutes() {
	s.Page("GET /audit", s.auditList)
	s.Page("GET /audit/{id}", s.auditDetail)

	entryProps := map[string]any{
		"id": web.Integer(), "at": web.DateTime(), "actor_id": web.Integer(), "actor_name": web.Str(), "ip": web.Str(),
		"action": web.Str(), "entity": web.Str(), "entity_id": web.Str(), "summary": web.Str(),
		"before": map[string]any{"description": "the values before the change (JSON), null when none"},
		"after":  map[string]any{"description": "the values after the change (JSON), null when none"},
	}
	entry := web.Obj(entryProps)
	detailProps := maps.Clone(entryProps)
	detailProps["changes"] = web.Arr(web.Obj(map[string]any{"field": web.Str(), "before": web.Str(), "after": web.Str()}))
	detail := web.Obj(detailProps)
	s.API("GET /api/v1/audit", web.APIDoc{
		Summary: "The audit log, newest first: changes, logins and every read of contact details (needs audit.view)", Tag: "audit",
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "from", In: "query", Description: "first day, YYYY-MM-DD"},
			web.Param{Name: "to", In: "query", Description: "last day, YYYY-MM-DD (inclusive)"},
			web.Param{Name: "actor", In: "query", Description: "the actor's username contains this"},
			web.Param{Name: "actor_id", In: "query", Type: "integer", Description: "the actor's user id"},
			web.Param{Name: "action", In: "query", Description: "one of " + strings.Join(audit.Actions, ", ")},
			web.Param{Name: "entity", In: "query", Description: "one of " + strings.Join(audit.Entities, ", ")},
			web.Param{Name: "entity_id", In: "query", Description: "the id of the changed thing"},
			web.Param{Name: "contact", In: "query", Type: "boolean", Description: "only reads of contact details"},
		),
		Response: web.ListOf(entry),
		Extra:    map[int]string{400: "a bad filter value", 403: "the role lacks audit.view"},
	}, s.apiAuditList)
	s.API("GET /api/v1/audit/{id}", web.APIDoc{
		Summary: "One audit entry with its changed fields (needs audit.view)", Tag: "audit", Response: detail,
		Extra: map[int]string{403: "the role lacks audit.view", 404: "no such entry"},
	}, s.apiAuditGet)

}

// ---- audit log ----

// auditRow is an entry with its action and entity in the viewer's language.
type auditRow struct {
	audit.Entry
	ActionLabel, EntityLabel string
}

type auditListData struct {
	Rows     []auditRow
	Pager    web.Pager
	Actions  []web.Option
	Entities []web.Option
}

type auditChange struct {
	audit.Change
	Label string
}

type auditDetailData struct {
	Row     auditRow
	Changes []auditChange
}

func auditActionLabel(l i18n.Lang, action string) string { return audit.Label(l, action) }

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
	e.Summary = audit.Summary(l, e)
	return auditRow{Entry: e, ActionLabel: auditActionLabel(l, e.Action), EntityLabel: auditEntityLabel(l, e.Entity)}
}

// auditFilterOf reads the filters of the list page and the API.
func auditFilterOf(r *http.Request) (audit.Filter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	f := audit.Filter{
		Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id"),
		Q: lq.Q, ContactOnly: web.FormBool(q, "contact"), Page: lq.Page, Size: lq.Size,
	}
	var fe errs.Fields
	f.ActorID = web.FormInt64(&fe, q, "actor_id")
	f.From = web.QueryDate(&fe, q, "from")
	if to := web.QueryDate(&fe, q, "to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole last day
		if !f.From.IsZero() && to.Before(f.From) {
			fe.Add("to", "audit.to_before_from")
		}
	}
	return f, lq, fe.Err()
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return err
	}
	v := s.View(w, r, "audit.title")
	v.Form = r.URL.Query()
	d := &auditListData{}
	for _, a := range audit.Actions {
		d.Actions = append(d.Actions, web.Option{Value: a, Label: auditActionLabel(v.Lang, a)})
	}
	for _, e := range audit.Entities {
		d.Entities = append(d.Entities, web.Option{Value: e, Label: auditEntityLabel(v.Lang, e)})
	}
	v.Data = d
	f, lq, err := auditFilterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "audit_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.auditExport(w, r, f)
	}
	entries, total, err := s.audit.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	for _, e := range entries {
		d.Rows = append(d.Rows, newAuditRow(v.Lang, e))
	}
	d.Pager = web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "audit_list", v)
	return nil
}

// auditExport answers with every matching entry (up to export.MaxRows) as
// a workbook with headers in the viewer's language.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, f audit.Filter) error {
	f.Page, f.Size = 1, audit.AllRows
	entries, _, err := s.audit.List(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
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
			e.EntityID, audit.Summary(l, e), e.Before, e.After})
	}
	return export.ServeXLSX(w, i18n.T(l, "audit.export_name"), s.Now(), cols, rows)
}

func (s *Server) auditDetail(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.audit")
	if err != nil {
		return err
	}
	e, err := s.audit.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	v := s.View(w, r, "audit.detail_title")
	d := &auditDetailData{Row: newAuditRow(v.Lang, e)}
	for _, c := range e.Changes() {
		d.Changes = append(d.Changes, auditChange{Change: c, Label: auditFieldLabel(v.Lang, e.Entity, c.Field)})
	}
	v.Data = d
	s.Render(w, r, http.StatusOK, "audit_detail", v)
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
	p := web.Principal(r)
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
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(items, total, lq))
	return nil
}

func (s *Server) apiAuditGet(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.audit")
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
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ---- security settings ----
