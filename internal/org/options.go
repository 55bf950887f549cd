package org

import (
	"context"
	"fmt"
	"slices"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Option is one entry of a select box: a region or a unit in tree order.
type Option struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	Kind     string `json:"kind"`   // the region's Level or the unit's UnitKind
	Depth    int    `json:"depth"`  // how many of its ancestors are in the same list
	Active   bool   `json:"active"` // always true for regions
}

// RegionOptions lists every region in the caller's scope in tree order,
// for select boxes. Any logged-in principal may call it (other capabilities'
// forms need it); the scope limits what it returns.
func (s *Service) RegionOptions(ctx context.Context, p *auth.Principal) ([]Option, error) {
	if p == nil {
		return nil, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	where, args := scopeWhere(p, "r.path", "")
	return s.options(ctx, treeOrder("regions")+`SELECT r.id, r.parent_id, r.code, r.name, r.name_en, r.level, TRUE, r.path
		FROM regions r JOIN tord ON tord.id = r.id WHERE `+where+` ORDER BY tord.k`, args)
}

// UnitOptions lists every unit in the caller's scope in tree order, for
// select boxes, inactive ones included (see Option.Active). Any logged-in
// principal may call it; the scope limits what it returns.
func (s *Service) UnitOptions(ctx context.Context, p *auth.Principal) ([]Option, error) {
	if p == nil {
		return nil, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	where, args := scopeWhere(p, "r.path", "u.path")
	return s.options(ctx, treeOrder("units")+`SELECT u.id, u.parent_id, u.code, u.name, u.name_en, u.kind, u.active, u.path
		FROM units u JOIN regions r ON r.id = u.region_id JOIN tord ON tord.id = u.id WHERE `+where+` ORDER BY tord.k`, args)
}

func (s *Service) options(ctx context.Context, q string, args []any) ([]Option, error) {
	opts, err := s.opts.Get(fmt.Sprint(q, args), func() ([]Option, error) { return s.loadOptions(ctx, q, args) })
	return slices.Clone(opts), err // the caller may change its copy
}

func (s *Service) loadOptions(ctx context.Context, q string, args []any) ([]Option, error) {
	var out []Option
	var paths []string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o Option
			var t times
			var path string
			if err := rows.Scan(&o.ID, &t.parent, &o.Code, &o.Name, &o.NameEN, &o.Kind, &o.Active, &path); err != nil {
				return err
			}
			o.ParentID = t.parent.Int64
			out = append(out, o)
			paths = append(paths, path)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// Indent by visible ancestors, so a district user's tree starts at 0.
	seen := make(map[int64]bool, len(out))
	for _, o := range out {
		seen[o.ID] = true
	}
	for i := range out {
		for _, id := range pathIDs(paths[i]) {
			if id != out[i].ID && seen[id] {
				out[i].Depth++
			}
		}
	}
	return out, nil
}

// Counts returns how many regions, units and pairings the caller can see,
// for the home page.
func (s *Service) Counts(ctx context.Context, p *auth.Principal) (regions, units, pairings int, err error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return 0, 0, 0, err
	}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		rw, ra := scopeWhere(p, "r.path", "")
		uw, ua := scopeWhere(p, "r.path", "u.path")
		pw, pa := pairingScope(p)
		for _, c := range []struct {
			n    *int
			q    string
			args []any
		}{
			{&regions, "SELECT COUNT(*) FROM regions r WHERE " + rw, ra},
			{&units, "SELECT COUNT(*) FROM units u JOIN regions r ON r.id = u.region_id WHERE " + uw, ua},
			{&pairings, "SELECT COUNT(*)" + pairingFrom + " WHERE " + pw, pa},
		} {
			n, err := tx.Count(ctx, c.q, c.args...)
			if err != nil {
				return err
			}
			*c.n = int(n)
		}
		return nil
	})
	return regions, units, pairings, err
}
