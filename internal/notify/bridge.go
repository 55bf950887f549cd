package notify

import (
	"context"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/i18n"
)

// Channel is a configured destination of a unit's or a user's
// notifications (a row of notify_channels).
type Channel struct {
	ID     int64  `json:"id"`
	UnitID int64  `json:"unit_id"`
	UserID int64  `json:"user_id"`
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Active bool   `json:"active"`
}

// AddChannel stores a destination for a unit (userID 0) or a user (unitID 0).
func AddChannel(ctx context.Context, tx *db.Tx, at time.Time, c Channel) (int64, error) {
	return tx.InsertID(ctx, `INSERT INTO notify_channels (unit_id, user_id, kind, target, active, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, nullID(c.UnitID), nullID(c.UserID), c.Kind, c.Target, c.Active, at.UnixMilli())
}

// Bridge turns one in-app notification (the notifications row the caller
// has just written in tx) into outbox rows, one per active channel of the
// unit or the user; nothing when none is configured. The text is the
// notification's message in Chinese, the default language of the staff.
func Bridge(ctx context.Context, tx *db.Tx, at time.Time, userID, unitID int64, orderCode, kind, key string, args ...any) error {
	q, arg := "unit_id = ?", unitID
	if unitID == 0 {
		if userID == 0 {
			return nil
		}
		q, arg = "user_id = ?", userID
	}
	rows, err := tx.Query(ctx, "SELECT kind, target FROM notify_channels WHERE "+q+" AND active = TRUE ORDER BY id", arg)
	if err != nil {
		return err
	}
	type dest struct{ kind, target string }
	var ds []dest
	for rows.Next() {
		var d dest
		if err := rows.Scan(&d.kind, &d.target); err != nil {
			rows.Close()
			return err
		}
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ds) == 0 {
		return err
	}
	text := i18n.T(i18n.ZH, key, args...)
	subject := i18n.T(i18n.ZH, "notify.subject", text)
	body := text
	if orderCode != "" {
		body += "\n\n" + i18n.T(i18n.ZH, "notify.body_order", orderCode)
	}
	body += "\n\n" + i18n.T(i18n.ZH, "notify.body_footer")
	for _, d := range ds {
		m := Message{To: d.target, UnitID: unitID, UserID: userID, Subject: subject, Body: body, OrderCode: orderCode, Kind: kind}
		if _, err := Enqueue(ctx, tx, at, d.kind, m); err != nil {
			return err
		}
	}
	return nil
}
