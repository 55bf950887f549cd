package pii

import (
	"context"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// Field names the stored value a reveal opens: the record it belongs to
// (as audit entries name records) and the field, which is also the
// encryption purpose (PurposeIDNumber …).
type Field struct {
	Entity   string // e.g. "resident"
	EntityID string // audit.ID(id)
	Purpose  string // e.g. PurposeIDNumber
	Summary  string // what the audit list shows beside the action, e.g. the record's name
}

// Reveal returns the clear value of an encrypted field to a principal
// holding pii.reveal and writes the reveal_pii audit entry in the caller's
// transaction, so the value is never handed out without its entry (an
// error from the caller after this rolls both back). The entry names the
// record and the field, never the value. Without the permission (or
// without a principal: the system has nothing to reveal to) nothing is
// decrypted and nothing is written.
func Reveal(ctx context.Context, tx *db.Tx, p *auth.Principal, now time.Time, k *Keyring, f Field, stored string) (string, error) {
	if err := auth.Require(p, auth.PermPIIReveal); err != nil {
		return "", err
	}
	plain, err := k.Decrypt(f.Purpose, stored)
	if err != nil {
		return "", err
	}
	summary := f.Purpose
	if f.Summary != "" {
		summary = f.Summary + " " + f.Purpose
	}
	err = audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionRevealPII, Entity: f.Entity, EntityID: f.EntityID,
		Summary: summary}, nil, map[string]any{"field": f.Purpose, "key_id": KeyID(stored)})
	if err != nil {
		return "", err
	}
	return plain, nil
}
