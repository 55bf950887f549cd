package volunteer

import (
	"context"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// Data scope of volunteers. A volunteer belongs to the region they live in
// (their home area), not to a unit, so a principal's scope is turned into
// region subtrees: the regions of a region scope as they are, and for a unit
// scope the regions of the units in it (the 市文明办, whose region is the
// city, sees the whole city's volunteers; a street office its street's).
// Everyone also sees their own record (the volunteer's account is user_id).
type scope struct {
	all     bool
	regions []string // region paths
	userID  int64
}

// scopeOf resolves p's scope; nil p is the system and sees everything.
func scopeOf(ctx context.Context, tx *db.Tx, p *auth.Principal) (scope, error) {
	if p == nil || p.Scope.All {
		return scope{all: true}, nil
	}
	sc := scope{regions: append([]string(nil), p.Scope.RegionPaths...), userID: p.Scope.UserID}
	if !p.Can(auth.PermVolunteerOrg) {
		sc.regions = nil // a volunteer sees only their own record
		return sc, nil
	}
	var conds []string
	var args []any
	for _, up := range p.Scope.UnitPaths {
		conds = append(conds, "u.path LIKE ?")
		args = append(args, up+"%")
	}
	for _, up := range p.Scope.UnitExact {
		conds = append(conds, "u.path = ?")
		args = append(args, up)
	}
	if len(conds) == 0 {
		return sc, nil
	}
	rows, err := tx.Query(ctx, "SELECT DISTINCT r.path FROM units u JOIN regions r ON r.id = u.region_id WHERE "+strings.Join(conds, " OR "), args...)
	if err != nil {
		return sc, err
	}
	defer rows.Close()
	for rows.Next() {
		var path string
		if err := rows.Scan(&path); err != nil {
			return sc, err
		}
		sc.regions = append(sc.regions, path)
	}
	return sc, rows.Err()
}

// where is the predicate on a volunteer row: regionPath is the SQL of its
// home region's path, owner of its user id.
func (sc scope) where(regionPath, owner string) (string, []any) {
	if sc.all {
		return "1=1", nil
	}
	var parts []string
	var args []any
	for _, p := range sc.regions {
		parts = append(parts, regionPath+" LIKE ?")
		args = append(args, p+"%")
	}
	if sc.userID != 0 {
		parts = append(parts, owner+" = ?")
		args = append(args, sc.userID)
	}
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// hasRegion is where's Go twin for a region about to be written.
func (sc scope) hasRegion(path string) bool {
	if sc.all {
		return true
	}
	for _, p := range sc.regions {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
