package account

import (
	"context"
	"slices"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// UnitsWithActiveHolders returns the units that have at least one active
// user holding perm through a role: a dispatcher is warned before sending
// an order to a unit nobody there could act on.
func (s *Service) UnitsWithActiveHolders(ctx context.Context, perm auth.Perm) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.unit_id, r.permissions FROM users u
			JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
			WHERE u.active = TRUE AND u.unit_id IS NOT NULL`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var unit int64
			var perms string
			if err := rows.Scan(&unit, &perms); err != nil {
				return err
			}
			if slices.Contains(SplitPerms(perms), perm) {
				out[unit] = true
			}
		}
		return rows.Err()
	})
	return out, err
}
