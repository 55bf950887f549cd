// Package audit writes the audit log: who changed what, when, from where,
// with before and after values, and every time staff read a citizen's or
// volunteer's contact details. Entries are written in the same transaction
// as the change they describe, so a change without its entry cannot exist.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// Actions used across capabilities.
const (
	ActionCreate      = "create"
	ActionUpdate      = "update"
	ActionDelete      = "delete"
	ActionLogin       = "login"
	ActionLoginFailed = "login_failed"
	ActionLogout      = "logout"
	ActionPassword    = "password"
	ActionViewContact = "view_contact"
	ActionRevealPII   = "reveal_pii"
	ActionIssueToken  = "issue_token"
	ActionRevokeToken = "revoke_token"
	ActionLock        = "lock"
	ActionUnlock      = "unlock"
)

// Entry is one audit record.
type Entry struct {
	ID        int64
	At        time.Time
	ActorID   int64
	ActorName string
	IP        string
	Action    string
	Entity    string // e.g. "region", "user"
	EntityID  string
	Summary   string
	Before    string // JSON, "" when none
	After     string // JSON, "" when none
}

// Record writes an entry for the acting principal (nil for the system or an
// anonymous visitor, in which case e.ActorName and e.IP are kept as given).
// before and after are marshalled to JSON; pass nil for none.
func Record(ctx context.Context, tx *db.Tx, p *auth.Principal, now time.Time, e Entry, before, after any) error {
	if p != nil {
		e.ActorID, e.ActorName = p.UserID, p.Username
		if e.IP == "" {
			e.IP = p.IP
		}
	}
	var err error
	if e.Before, err = marshal(before); err != nil {
		return err
	}
	if e.After, err = marshal(after); err != nil {
		return err
	}
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, ip, action, entity, entity_id, summary, before, after)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		now.UnixMilli(), actor, e.ActorName, e.IP, e.Action, e.Entity, e.EntityID, e.Summary, e.Before, e.After)
	return err
}

// ID formats an integer id for EntityID.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

func marshal(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit marshal: %w", err)
	}
	return string(b), nil
}
