package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
)

// Actions lists the actions the log knows, in the order a filter offers
// them.
var Actions = []string{
	ActionCreate, ActionUpdate, ActionDelete, ActionLogin, ActionLoginFailed, ActionLogout,
	ActionPassword, ActionViewContact, ActionIssueToken, ActionRevokeToken, ActionLock, ActionUnlock,
}

// Entities lists the kinds of thing entries are about, in filter order.
var Entities = []string{"region", "unit", "pairing", "supervision_areas", "user", "role", "token", "open311_client",
	"settings", "notify_channel", "notify_outbox", "workorder", "workorder_category", "workorder_urgency",
	"workorder_questions", "holiday", "board_post", "points", "points_rule"}

// Paging of List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
	// AllRows as Filter.Size asks for every matching entry (up to
	// export.MaxRows), for exports.
	AllRows = -1
)

// Filter selects audit entries. Zero values do not filter.
type Filter struct {
	From, To    time.Time // From inclusive, To exclusive; zero = open
	ActorID     int64
	Actor       string // the actor's username contains this (any case)
	Action      string
	Entity      string
	EntityID    string
	Q           string // the summary contains this (any case)
	ContactOnly bool   // only reads of contact details (view_contact)
	Page, Size  int    // Page from 1; Size default 50, at most 500, AllRows for an export
}

// Service reads the audit log for the people allowed to see it. Writing is
// Record's job, inside the transaction of the change.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
}

// New returns the audit log reader.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

// normalise fills the paging defaults and returns LIMIT and OFFSET.
func (f *Filter) normalise() (limit, offset int) {
	f.Actor, f.Q = strings.TrimSpace(f.Actor), strings.TrimSpace(f.Q)
	f.Action, f.Entity, f.EntityID = strings.TrimSpace(f.Action), strings.TrimSpace(f.Entity), strings.TrimSpace(f.EntityID)
	if f.Size == AllRows {
		f.Page = 1
		return export.MaxRows, 0
	}
	if f.Page < 1 {
		f.Page = 1
	}
	switch {
	case f.Size <= 0:
		f.Size = DefaultPageSize
	case f.Size > MaxPageSize:
		f.Size = MaxPageSize
	}
	return f.Size, (f.Page - 1) * f.Size
}

// where builds the WHERE clause of a filter.
func (f Filter) where() (string, []any) {
	conds := []string{"1=1"}
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixMilli())
	}
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if f.Actor != "" {
		add(`LOWER(actor_name) LIKE ? ESCAPE '\'`, db.Like(strings.ToLower(f.Actor)))
	}
	if f.ContactOnly {
		add("action = ?", ActionViewContact)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.Q != "" {
		add(`LOWER(summary) LIKE ? ESCAPE '\'`, db.Like(strings.ToLower(f.Q)))
	}
	return strings.Join(conds, " AND "), args
}

const entryColumns = "id, at, COALESCE(actor_id, 0), actor_name, ip, action, entity, entity_id, summary, before, after"

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at int64
	err := sc.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.IP, &e.Action, &e.Entity, &e.EntityID, &e.Summary, &e.Before, &e.After)
	e.At = time.UnixMilli(at)
	return e, err
}

// List returns the entries matching f, newest first, one page of them, and
// how many match in all. It needs the audit.view permission.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Entry, int, error) {
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return nil, 0, err
	}
	limit, offset := f.normalise()
	where, args := f.where()
	var out []Entry
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*) FROM audit_log WHERE "+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+entryColumns+" FROM audit_log WHERE "+where+" ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return out, int(total), nil
}

// Get returns one entry. It needs the audit.view permission.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Entry, error) {
	if err := auth.Require(p, auth.PermAuditView); err != nil {
		return Entry{}, err
	}
	var e Entry
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+entryColumns+" FROM audit_log WHERE id = ?", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return errs.NotFoundf("entity.audit")
		}
		e, err = scanEntry(rows)
		return err
	})
	return e, err
}

// Change is one field that differs between an entry's before and after
// values, both shown as text ("" when the field is absent or null).
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Changes compares the entry's before and after JSON field by field and
// returns the fields that differ, in the order they first appear (after's
// order, then fields only before had). Nested objects are compared by
// their fields, named with dots ("password.min_length"); arrays compare as
// a whole. A value that is not an object counts as one field named
// "value". For a creation every field of after is listed, for a deletion
// every field of before.
func (e Entry) Changes() []Change {
	before, after := flatten(e.Before), flatten(e.After)
	bm := make(map[string]string, len(before))
	for _, f := range before {
		bm[f.name] = f.value
	}
	am := make(map[string]string, len(after))
	var out []Change
	for _, f := range after {
		am[f.name] = f.value
		b, ok := bm[f.name]
		if (!ok && f.value != "null") || (ok && b != f.value) {
			out = append(out, Change{Field: f.name, Before: text(b), After: text(f.value)})
		}
	}
	for _, f := range before {
		if _, ok := am[f.name]; !ok && f.value != "null" {
			out = append(out, Change{Field: f.name, Before: text(f.value)})
		}
	}
	return out
}

type flatField struct{ name, value string } // value: compact JSON

// flatten lists the leaf fields of a JSON document in document order.
// Anything that does not parse is shown as one field with its raw text.
func flatten(doc string) []flatField {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return nil
	}
	var out []flatField
	if err := flattenInto(json.RawMessage(doc), "", &out); err != nil {
		b, _ := json.Marshal(doc)
		return []flatField{{name: "value", value: string(b)}}
	}
	return out
}

func flattenInto(raw json.RawMessage, prefix string, out *[]flatField) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return err
		}
		name := prefix
		if name == "" {
			name = "value"
		}
		*out = append(*out, flatField{name: name, value: buf.String()})
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		name := key
		if prefix != "" {
			name = prefix + "." + key
		}
		if err := flattenInto(v, name, out); err != nil {
			return err
		}
		n++
	}
	if _, err := dec.Token(); err != nil { // }
		return err
	}
	if n == 0 && prefix != "" {
		*out = append(*out, flatField{name: prefix, value: "{}"})
	}
	return nil
}

// text shows a compact JSON value to a reader: strings without quotes,
// null and absent as "".
func text(v string) string {
	if v == "" || v == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
	}
	return v
}
