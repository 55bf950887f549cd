package pii_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

func TestRevealGivesTheNumberOnlyWithPIIRevealAndAuditsEveryReveal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := ring(t, "k1:"+pii.NewKey(), pii.NewKey())
		stored, _, err := k.EncryptID("511102199003071526")
		if err != nil {
			t.Fatal(err)
		}
		field := pii.Field{Entity: "resident", EntityID: audit.ID(7), Purpose: pii.PurposeIDNumber, Summary: "张三"}
		reveal := func(p *auth.Principal, stored string) (string, error) {
			var got string
			err := d.Write(ctx, func(tx *db.Tx) error {
				var err error
				got, err = pii.Reveal(ctx, tx, p, today, k, field, stored)
				return err
			})
			return got, err
		}
		entries := func() int64 {
			var n int64
			err := d.Read(ctx, func(tx *db.Tx) error {
				var err error
				n, err = tx.Count(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ?", audit.ActionRevealPII)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		clerk := &auth.Principal{Username: "clerk", IP: "10.0.0.9", Perms: map[auth.Perm]bool{auth.PermContactView: true}}
		if got, err := reveal(clerk, stored); !errs.Is(err, errs.Forbidden) || got != "" {
			t.Fatalf("without pii.reveal: %q, %v", got, err)
		}
		if got, err := reveal(nil, stored); !errs.Is(err, errs.Unauthorized) || got != "" {
			t.Fatalf("without a principal: %q, %v", got, err)
		}
		if n := entries(); n != 0 {
			t.Fatalf("%d audit entries for refused reveals", n)
		}
		officer := &auth.Principal{Username: "officer", IP: "10.0.0.7", Perms: map[auth.Perm]bool{auth.PermPIIReveal: true}}
		got, err := reveal(officer, stored)
		if err != nil || got != "511102199003071526" {
			t.Fatalf("reveal = %q, %v", got, err)
		}
		var actor, ip, entity, id, summary, after string
		err = d.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "", "SELECT actor_name, ip, entity, entity_id, summary, after FROM audit_log WHERE action = ?",
				[]any{audit.ActionRevealPII}, &actor, &ip, &entity, &id, &summary, &after)
		})
		if err != nil {
			t.Fatal(err)
		}
		if actor != "officer" || ip != "10.0.0.7" || entity != "resident" || id != "7" || summary != "张三 id_number" ||
			after != `{"field":"id_number","key_id":"k1"}` {
			t.Fatalf("audit entry %q %q %q %q %q %q", actor, ip, entity, id, summary, after)
		}
		// A value that does not open is not revealed and leaves no entry.
		if _, err := reveal(officer, "k9:AAAA"); !errors.Is(err, pii.ErrDecrypt) {
			t.Fatalf("bad value: %v", err)
		}
		// The entry is in the caller's transaction: when the caller fails after the reveal, both are gone.
		boom := errors.New("caller failed")
		err = d.Write(ctx, func(tx *db.Tx) error {
			if _, err := pii.Reveal(ctx, tx, officer, today, k, field, stored); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := entries(); n != 1 {
			t.Fatalf("%d audit entries, want the one of the reveal that committed", n)
		}
	})
}
