package workorder

import (
	"context"
	"encoding/json"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// A staff member's in-app notifications are the rows of notifications
// addressed to them or to their unit (notify writes them in the
// transaction of the step that causes them: a dispatch, a reopening, an
// overdue escalation …). Each person marks them read for themselves
// (notification_reads), so a unit's notice stays unread for colleagues who
// have not seen it.

// Notification is one notice as its reader sees it.
type Notification struct {
	ID        int64     `json:"id"`
	OrderID   int64     `json:"order_id,omitempty"`
	OrderCode string    `json:"order_code,omitempty"`
	Kind      string    `json:"kind"`
	Key       string    `json:"-"`
	Args      []any     `json:"-"`
	Text      string    `json:"text"` // filled in the reader's language by the HTTP layer
	ToUnit    bool      `json:"to_unit"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// NotificationFilter selects a page of a reader's notifications.
type NotificationFilter struct {
	UnreadOnly bool
	Page, Size int
}

// forReader is the condition "addressed to p or to p's unit" on n, with
// its arguments.
func forReader(p *auth.Principal) (string, []any) {
	unit := p.UnitID
	if unit == 0 {
		unit = -1 // no unit: match none
	}
	return "(n.user_id = ? OR n.unit_id = ?)", []any{p.UserID, unit}
}

// Notifications returns a page of p's notifications, newest first, and
// whether more follow. Any signed-in staff member may read their own.
func (s *Service) Notifications(ctx context.Context, p *auth.Principal, f NotificationFilter) ([]Notification, bool, error) {
	if p == nil {
		return nil, false, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	size, offset := pageLimits(f.Page, f.Size)
	where, args := forReader(p)
	if f.UnreadOnly {
		where += " AND r.notification_id IS NULL"
	}
	var out []Notification
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT n.id, COALESCE(n.order_id, 0), COALESCE(w.code, ''), n.kind, n.text_key, n.args,
			n.unit_id IS NOT NULL, n.created_at, r.notification_id IS NOT NULL
			FROM notifications n
			LEFT JOIN workorders w ON w.id = n.order_id
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
			if err := rows.Scan(&n.ID, &n.OrderID, &n.OrderCode, &n.Kind, &n.Key, &rawArgs, &n.ToUnit, &created, &n.Read); err != nil {
				return err
			}
			if rawArgs != "" {
				_ = json.Unmarshal([]byte(rawArgs), &n.Args) // written by notify; a bad row shows its key's text without arguments
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

// UnreadNotifications counts p's unread notifications.
func (s *Service) UnreadNotifications(ctx context.Context, p *auth.Principal) (int64, error) {
	if p == nil {
		return 0, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	where, args := forReader(p)
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

// MarkNotificationsRead marks p's notifications read for p: the given ids
// (ids that are not p's are ignored), or every one when ids is empty. It
// returns how many were newly marked.
func (s *Service) MarkNotificationsRead(ctx context.Context, p *auth.Principal, ids []int64) (int64, error) {
	if p == nil {
		return 0, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if len(ids) > MaxPageSize {
		var f errs.Fields
		f.Add("ids", "notif.too_many_ids", MaxPageSize)
		return 0, f.Err()
	}
	where, args := forReader(p)
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
