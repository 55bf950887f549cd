package account

import (
	"context"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// The settings screens' reads and writes: each change is checked against
// settings.manage, stored and audited in one transaction.

// PolicyValues are a policy's settings by key, as the audit log records them.
func PolicyValues(p Policy) map[string]int {
	out := make(map[string]int, len(PolicySettings))
	for _, ps := range PolicySettings {
		out[ps.Key] = ps.Value(p)
	}
	return out
}

// CurrentPolicy reads the security policy.
func (s *Service) CurrentPolicy(ctx context.Context) (Policy, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Policy, error) { return s.Policy(ctx, tx) })
}

// SavePolicy stores new setting values (key → text as typed) and records
// the change with the whole policy before and after; a submission that
// changes nothing writes nothing.
func (s *Service) SavePolicy(ctx context.Context, p *auth.Principal, in map[string]string) (Policy, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return Policy{}, err
	}
	var after Policy
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		before, a, err := s.SetPolicy(ctx, tx, in)
		if err != nil {
			return err
		}
		after = a
		bv, av := PolicyValues(before), PolicyValues(a)
		var changed []string
		for _, ps := range PolicySettings {
			if bv[ps.Key] != av[ps.Key] {
				changed = append(changed, ps.Key+": "+strconv.Itoa(bv[ps.Key])+" → "+strconv.Itoa(av[ps.Key]))
			}
		}
		if len(changed) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionUpdate, Entity: "settings", EntityID: "security",
			Summary: strings.Join(changed, "; ")}, bv, av)
	})
	return after, err
}

// CurrentTileURL reads the map tile server's URL template ("" for none).
func (s *Service) CurrentTileURL(ctx context.Context) (string, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (string, error) { return s.TileURL(ctx, tx) })
}

// SaveTileURL stores the map tile server's URL template and audits a
// change; changed runs after the commit when the value did change.
func (s *Service) SaveTileURL(ctx context.Context, p *auth.Principal, tmpl string, changed func(tmpl string)) (string, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return "", err
	}
	tmpl = strings.TrimSpace(tmpl)
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		before, err := s.SetTileURL(ctx, tx, tmpl)
		if err != nil || before == tmpl {
			return err
		}
		if changed != nil {
			tx.AfterCommit(func() { changed(tmpl) })
		}
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionUpdate, Entity: "settings", EntityID: "map",
			Summary: TileURLKey + ": " + before + " → " + tmpl},
			map[string]string{TileURLKey: before}, map[string]string{TileURLKey: tmpl})
	})
	return tmpl, err
}
