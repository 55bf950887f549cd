// Package inbox is the staff's shared in-app inbox: any capability posts a
// notice about one of its records, keyed by kind and reference (kind
// "workorder", ref = the order's id), in its own transaction, so the notice
// commits or rolls back with the change that causes it. Each kind registers
// how its record is opened (a URL path) and the permission needed to open
// it; a reader sees a kind's notices only while holding that permission.
// Each person marks notices read for themselves (notification_reads), so a
// unit's notice stays unread for colleagues who have not seen it.
package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Kind is how a capability's notices are opened.
type Kind struct {
	Name    string                 // "workorder", later "inspection.notice" …
	Perm    auth.Perm              // needed to see and open a notice of the kind
	Link    func(ref int64) string // the URL path of the record
	OpenKey string                 // message key of the "open" button, with the notice's label
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register adds a kind; a capability calls it once, from init. It panics on
// an incomplete or repeated kind.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if k.Name == "" || k.Perm == "" || k.Link == nil || k.OpenKey == "" {
		panic(fmt.Sprintf("inbox: incomplete kind %q", k.Name))
	}
	if _, ok := kinds[k.Name]; ok {
		panic(fmt.Sprintf("inbox: kind %q registered twice", k.Name))
	}
	kinds[k.Name] = k
}

func lookup(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// readable lists the kinds p holds the permission of, sorted.
func readable(p *auth.Principal) []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	var out []string
	for name, k := range kinds {
		if p.Can(k.Perm) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Notice is what a capability posts.
type Notice struct {
	Kind   string // a registered kind
	Ref    int64  // the record's id
	Label  string // how people name the record (a work order's code)
	Event  string // what happened: "dispatch", "overdue" …
	ToUser int64  // exactly one of ToUser and ToUnit
	ToUnit int64
	Key    string // message key, with Args
	Args   []any
	At     time.Time
}

// Post writes n in the caller's transaction and returns its id. A notice
// to a user who is inactive or lacks the kind's permission is skipped: Post
// returns 0 and no error, so the step that causes it still goes ahead.
func Post(ctx context.Context, tx *db.Tx, n Notice) (int64, error) {
	k, ok := lookup(n.Kind)
	if !ok {
		return 0, fmt.Errorf("inbox: kind %q is not registered", n.Kind)
	}
	if (n.ToUser == 0) == (n.ToUnit == 0) || n.Key == "" {
		return 0, fmt.Errorf("inbox: a notice of kind %q needs one addressee and a message key", n.Kind)
	}
	if n.ToUser != 0 {
		may, err := userHolds(ctx, tx, n.ToUser, k.Perm)
		if err != nil || !may {
			return 0, err
		}
	}
	args := ""
	if len(n.Args) > 0 {
		b, err := json.Marshal(n.Args)
		if err != nil {
			return 0, err
		}
		args = string(b)
	}
	return tx.InsertID(ctx, `INSERT INTO notifications (user_id, unit_id, kind, ref, label, event, text_key, args, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(n.ToUser), nullID(n.ToUnit), n.Kind, n.Ref, n.Label, n.Event, n.Key, args, n.At.UnixMilli())
}

// userHolds reports whether an active user holds perm through a role.
func userHolds(ctx context.Context, tx *db.Tx, userID int64, perm auth.Perm) (bool, error) {
	rows, err := tx.Query(ctx, `SELECT r.permissions FROM users u JOIN user_roles ur ON ur.user_id = u.id
		JOIN roles r ON r.id = ur.role_id WHERE u.id = ? AND u.active = TRUE`, userID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var ps string
		if err := rows.Scan(&ps); err != nil {
			return false, err
		}
		for _, p := range account.SplitPerms(ps) {
			if p == perm {
				return true, nil
			}
		}
	}
	return false, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Service reads and marks the notices of the signed-in staff.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
}

// New returns the inbox service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Notification is one notice as its reader sees it.
type Notification struct {
	ID        int64
	Kind      string
	Ref       int64
	Label     string
	Event     string
	Key       string
	Args      []any
	Link      string // from the kind's registration
	OpenKey   string
	ToUnit    bool
	CreatedAt time.Time
	Read      bool
}

// Filter selects a page of a reader's notices.
type Filter struct {
	UnreadOnly bool
	Page, Size int
}

// forReader is the condition "addressed to p or to p's unit, of a kind p
// may open" on n, with its arguments; ok is false when p may open none.
func forReader(p *auth.Principal) (string, []any, bool) {
	ks := readable(p)
	if len(ks) == 0 {
		return "", nil, false
	}
	unit := p.UnitID
	if unit == 0 {
		unit = -1 // no unit: match none
	}
	args := []any{p.UserID, unit}
	for _, k := range ks {
		args = append(args, k)
	}
	return "(n.user_id = ? OR n.unit_id = ?) AND n.kind IN (" + db.Placeholders(len(ks)) + ")", args, true
}

// List returns a page of p's notices, newest first, and whether more
// follow. Any signed-in staff member may read their own.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Notification, bool, error) {
	if p == nil {
		return nil, false, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	size := f.Size
	switch {
	case size <= 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	offset := (max(f.Page, 1) - 1) * size
	where, args, ok := forReader(p)
	if !ok {
		return nil, false, nil
	}
	if f.UnreadOnly {
		where += " AND r.notification_id IS NULL"
	}
	var out []Notification
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT n.id, n.kind, n.ref, n.label, n.event, n.text_key, n.args,
			n.unit_id IS NOT NULL, n.created_at, r.notification_id IS NOT NULL
			FROM notifications n
			LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?
			WHERE `+where+` ORDER BY n.id DESC LIMIT ? OFFSET ?`,
			append(append([]any{p.UserID}, args...), size+1, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n Notification
			var rawArgs string
			var created int64
			if err := rows.Scan(&n.ID, &n.Kind, &n.Ref, &n.Label, &n.Event, &n.Key, &rawArgs, &n.ToUnit, &created, &n.Read); err != nil {
				return err
			}
			if rawArgs != "" {
				_ = json.Unmarshal([]byte(rawArgs), &n.Args) // a bad row shows its key's text without arguments
			}
			if k, ok := lookup(n.Kind); ok && n.Ref != 0 {
				n.Link, n.OpenKey = k.Link(n.Ref), k.OpenKey
			}
			n.CreatedAt = time.UnixMilli(created)
			out = append(out, n)
		}
		return rows.Err()
	})
	more := len(out) > size
	if more {
		out = out[:size]
	}
	return out, more, err
}

// Unread counts p's unread notices.
func (s *Service) Unread(ctx context.Context, p *auth.Principal) (int64, error) {
	if p == nil {
		return 0, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	where, args, ok := forReader(p)
	if !ok {
		return 0, nil
	}
	var n int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(ctx, `SELECT COUNT(*) FROM notifications n
			LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?
			WHERE `+where+` AND r.notification_id IS NULL`, append([]any{p.UserID}, args...)...)
		return err
	})
	return n, err
}

// MarkRead marks p's notices read for p: the given ids (ids that are not
// p's are ignored), or every one when ids is empty. It returns how many
// were newly marked.
func (s *Service) MarkRead(ctx context.Context, p *auth.Principal, ids []int64) (int64, error) {
	if p == nil {
		return 0, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if len(ids) > MaxPageSize {
		var f errs.Fields
		f.Add("ids", "notif.too_many_ids", MaxPageSize)
		return 0, f.Err()
	}
	where, args, ok := forReader(p)
	if !ok {
		return 0, nil
	}
	if len(ids) > 0 {
		where += " AND n.id IN (" + db.Placeholders(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	var n int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.ExecN(ctx, `INSERT INTO notification_reads (notification_id, user_id, read_at)
			SELECT n.id, ?, ? FROM notifications n WHERE `+where+`
			AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)`,
			append(append([]any{p.UserID, s.Clock.Now().UnixMilli()}, args...), p.UserID)...)
		return err
	})
	return n, err
}

// Link returns where p's notice id opens (its kind's registration); a
// notice that is not p's is NotFound; "" when there is nothing to open.
func (s *Service) Link(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if p == nil {
		return "", errs.E(errs.Unauthorized, "err.unauthorized")
	}
	where, args, ok := forReader(p)
	if !ok {
		return "", nil
	}
	var kind string
	var ref int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", `SELECT n.kind, n.ref FROM notifications n WHERE `+where+` AND n.id = ?`,
			append(args, id), &kind, &ref)
	})
	if err != nil {
		return "", err
	}
	if k, ok := lookup(kind); ok && ref != 0 {
		return k.Link(ref), nil
	}
	return "", nil
}
