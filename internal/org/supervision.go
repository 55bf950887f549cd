package org

import (
	"context"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// MaxAreas is the most region subtrees one supervision group may be given.
const MaxAreas = 200

// Area is one region subtree a supervision group (督导组) is responsible
// for: its inspections and the escalation of overdue work orders there.
type Area struct {
	RegionID   int64  `json:"region_id"`
	RegionCode string `json:"region_code"`
	RegionName string `json:"region_name"`
	NameEN     string `json:"region_name_en"`
	Level      Level  `json:"level"`
	Path       string `json:"region_path"`
}

// Coverage is a supervision group covering a region: the group and the
// region (the one asked about or its nearest ancestor) it is assigned to.
type Coverage struct {
	UnitID     int64  `json:"unit_id"`
	UnitCode   string `json:"unit_code"`
	UnitName   string `json:"unit_name"`
	UnitNameEN string `json:"unit_name_en"`
	RegionID   int64  `json:"region_id"` // the assigned region
	RegionName string `json:"region_name"`
	NameEN     string `json:"region_name_en"`
	Inherited  bool   `json:"inherited"` // assigned to an ancestor, not the region itself
}

const areaCols = `r.id, r.code, r.name, r.name_en, r.level, r.path`

// groupAreas lists a group's areas in tree order; with p, only those in p's scope.
func groupAreas(ctx context.Context, tx *db.Tx, p *auth.Principal, unitID int64) ([]Area, error) {
	where, args := scopeWhere(p, "r.path", "")
	rows, err := tx.Query(ctx, treeOrder("regions")+"SELECT "+areaCols+` FROM supervision_areas sa
		JOIN regions r ON r.id = sa.region_id JOIN tord ON tord.id = r.id
		WHERE sa.unit_id = ? AND `+where+" ORDER BY tord.k", append([]any{unitID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Area{}
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.RegionID, &a.RegionCode, &a.RegionName, &a.NameEN, &a.Level, &a.Path); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// GroupAreas returns the regions a unit in the caller's scope is responsible
// for as a supervision group (none for other kinds of unit), in tree order.
// Areas outside the caller's scope are left out.
func (s *Service) GroupAreas(ctx context.Context, p *auth.Principal, unitID int64) ([]Area, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return nil, err
	}
	var out []Area
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if _, err := getUnit(ctx, tx, p, unitID); err != nil {
			return err
		}
		var err error
		out, err = groupAreas(ctx, tx, p, unitID)
		return err
	})
	return out, err
}

// CheckAreas is the rule for a group's areas that needs no database beyond
// the regions' paths: no more than MaxAreas, and no region inside another
// one of the same list (the outer one already covers it). paths are the
// chosen regions' paths, by region id.
func CheckAreas(f *errs.Fields, ids []int64, paths map[int64]string) {
	if len(ids) > MaxAreas {
		f.Add("region_ids", "supervision.too_many", MaxAreas)
		return
	}
	for _, a := range ids {
		for _, b := range ids {
			if a != b && paths[a] != "" && paths[b] != "" && strings.HasPrefix(paths[a], paths[b]) {
				f.Add("region_ids", "supervision.nested")
				return
			}
		}
	}
}

// SetGroupAreas replaces the areas of a supervision group in the writer's
// scope with regionIDs (each region a subtree). Regions outside the
// writer's scope cannot be chosen, and areas outside it are kept as they
// are. The change is one audit entry with the region codes before and after.
func (s *Service) SetGroupAreas(ctx context.Context, p *auth.Principal, unitID int64, regionIDs []int64) ([]Area, error) {
	if err := canWrite(p); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(regionIDs))
	for _, id := range regionIDs {
		if id != 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var out []Area
	err := s.write(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, p, unitID)
		if err != nil {
			return err
		}
		if u.Kind != KindSupervisionGroup {
			return errs.E(errs.Invalid, "supervision.not_group")
		}
		var f errs.Fields
		paths := map[int64]string{}
		codes := map[int64]string{}
		for _, id := range ids {
			r, err := getRegion(ctx, tx, p, id)
			if errs.Is(err, errs.NotFound) {
				f.Add("region_ids", "field.bad_choice")
				continue
			}
			if err != nil {
				return err
			}
			paths[id], codes[id] = r.Path, r.Code
		}
		if !f.Has("region_ids") {
			CheckAreas(&f, ids, paths)
		}
		if err := f.Err(); err != nil {
			return err
		}
		before, err := groupAreas(ctx, tx, p, unitID) // the areas the writer sees
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		var removed, added []string
		for _, a := range before {
			if !slices.Contains(ids, a.RegionID) {
				if _, err := tx.Exec(ctx, "DELETE FROM supervision_areas WHERE unit_id = ? AND region_id = ?", unitID, a.RegionID); err != nil {
					return err
				}
				removed = append(removed, a.RegionCode)
			}
		}
		for _, id := range ids {
			if slices.ContainsFunc(before, func(a Area) bool { return a.RegionID == id }) {
				continue
			}
			if _, err := tx.Exec(ctx, "INSERT INTO supervision_areas (unit_id, region_id, created_at) VALUES (?, ?, ?)",
				unitID, id, now.UnixMilli()); err != nil {
				return err
			}
			added = append(added, codes[id])
		}
		if out, err = groupAreas(ctx, tx, p, unitID); err != nil {
			return err
		}
		if len(removed)+len(added) == 0 {
			return nil
		}
		codesOf := func(as []Area) []string {
			c := make([]string, len(as))
			for i, a := range as {
				c[i] = a.RegionCode
			}
			return c
		}
		summary := u.Code + " " + u.Name
		if len(added) > 0 {
			summary += " +" + strings.Join(added, ",")
		}
		if len(removed) > 0 {
			summary += " −" + strings.Join(removed, ",")
		}
		return record(ctx, tx, p, now, audit.ActionUpdate, "supervision_areas", unitID, summary,
			map[string]any{"regions": codesOf(before)}, map[string]any{"regions": codesOf(out)})
	})
	return out, err
}

// covering returns the active supervision groups assigned to the nearest
// ancestor-or-self of the region at regionPath that has any (usually one).
func covering(ctx context.Context, tx *db.Tx, regionPath string) ([]Coverage, error) {
	ids := pathIDs(regionPath)
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, string(KindSupervisionGroup))
	rows, err := tx.Query(ctx, `SELECT u.id, u.code, u.name, u.name_en, ar.id, ar.name, ar.name_en, ar.path
		FROM supervision_areas sa JOIN units u ON u.id = sa.unit_id JOIN regions ar ON ar.id = sa.region_id
		WHERE sa.region_id IN (`+db.Placeholders(len(ids))+`) AND u.kind = ? AND u.active = TRUE
		ORDER BY LENGTH(ar.path) DESC, u.sort, u.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Coverage
	deepest := ""
	for rows.Next() {
		var c Coverage
		var path string
		if err := rows.Scan(&c.UnitID, &c.UnitCode, &c.UnitName, &c.UnitNameEN, &c.RegionID, &c.RegionName, &c.NameEN, &path); err != nil {
			return nil, err
		}
		if deepest == "" {
			deepest = path
		}
		if path != deepest {
			break
		}
		c.Inherited = path != regionPath
		out = append(out, c)
	}
	return out, rows.Err()
}

// CoveringGroups returns the supervision groups covering a region in the
// caller's scope: those assigned to the region itself or, failing that, to
// its nearest ancestor with an assignment; none when no ancestor has one.
// The groups are named even when they sit outside the caller's scope (a
// district's staff may see which city group supervises them).
func (s *Service) CoveringGroups(ctx context.Context, p *auth.Principal, regionID int64) ([]Coverage, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return nil, err
	}
	var out []Coverage
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		r, err := getRegion(ctx, tx, p, regionID)
		if err != nil {
			return err
		}
		out, err = covering(ctx, tx, r.Path)
		return err
	})
	return out, err
}

// GroupsCovering returns the ids of the supervision groups covering the
// region with id regionID, inside the caller's transaction: for the system
// (the work orders' escalation timer), without a principal or scope. A
// region no group covers gives none.
func GroupsCovering(ctx context.Context, tx *db.Tx, regionID int64) ([]int64, error) {
	if regionID == 0 {
		return nil, nil
	}
	var path string
	if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{regionID}, &path); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, nil
		}
		return nil, err
	}
	cs, err := covering(ctx, tx, path)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.UnitID
	}
	return ids, nil
}
