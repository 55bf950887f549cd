package org

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

// Level is a region's place in the administrative tree.
type Level string

const (
	LevelCity      Level = "city"      // 市
	LevelDistrict  Level = "district"  // 区县
	LevelStreet    Level = "street"    // 街道(乡镇)
	LevelCommunity Level = "community" // 社区(村)
	LevelGrid      Level = "grid"      // 网格
)

// Levels lists the levels from the top down. A region's level is exactly
// one below its parent's; only cities have no parent.
var Levels = []Level{LevelCity, LevelDistrict, LevelStreet, LevelCommunity, LevelGrid}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return slices.Contains(Levels, l) }

// Parent returns the level directly above l ("" for a city or an unknown level).
func (l Level) Parent() Level {
	if i := slices.Index(Levels, l); i > 0 {
		return Levels[i-1]
	}
	return ""
}

// Child returns the level directly below l ("" for a grid or an unknown level).
func (l Level) Child() Level {
	if i := slices.Index(Levels, l); i >= 0 && i < len(Levels)-1 {
		return Levels[i+1]
	}
	return ""
}

// Key is the i18n key of the level's name.
func (l Level) Key() string { return "region.level." + string(l) }

// Region is one node of the administrative tree.
type Region struct {
	ID         int64     `json:"id"`
	ParentID   int64     `json:"parent_id"` // 0 for a city
	Level      Level     `json:"level"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	NameEN     string    `json:"name_en"`
	Path       string    `json:"path"`
	Sort       int       `json:"sort"`
	Lat        *float64  `json:"lat"`
	Lng        *float64  `json:"lng"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	ParentName string    `json:"parent_name"`
	ChildCount int       `json:"child_count"`
}

// RegionInput is what a form, the API or the demo loader sends to create or
// change a region. The JSON names are the form's field names.
type RegionInput struct {
	ParentID int64    `json:"parent_id"`
	Level    Level    `json:"level"`
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	NameEN   string   `json:"name_en"`
	Sort     int      `json:"sort"`
	Lat      *float64 `json:"lat"`
	Lng      *float64 `json:"lng"`
}

// RegionFilter selects regions for a list.
type RegionFilter struct {
	ParentID *int64 // direct children of this region; pointer to 0: the cities
	Level    Level
	Q        string // part of the name, English name or code
	Page     int    // from 1
	Size     int    // 0: DefaultPageSize; AllRows: everything (exports)
}

func (r *Region) input() RegionInput {
	return RegionInput{ParentID: r.ParentID, Level: r.Level, Code: r.Code, Name: r.Name, NameEN: r.NameEN, Sort: r.Sort, Lat: r.Lat, Lng: r.Lng}
}

func (in *RegionInput) normalise() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.Level = Level(strings.TrimSpace(string(in.Level)))
}

// validate checks what needs no database.
func (in *RegionInput) validate(f *errs.Fields) {
	checkCode(f, in.Code)
	checkLen(f, "name", in.Name, MaxNameLen, true)
	checkLen(f, "name_en", in.NameEN, MaxNameLen, false)
	if in.Level == "" {
		f.Add("level", "field.required")
	} else if !in.Level.Valid() {
		f.Add("level", "field.bad_choice")
	}
	checkSort(f, in.Sort)
	checkCoord(f, "lat", in.Lat, 90)
	checkCoord(f, "lng", in.Lng, 180)
}

const regionCols = `r.id, r.parent_id, r.level, r.code, r.name, r.name_en, r.path, r.sort, r.lat, r.lng, r.created_at, r.updated_at,
	COALESCE(rp.name, ''), (SELECT COUNT(*) FROM regions rc WHERE rc.parent_id = r.id)`

const regionFrom = ` FROM regions r LEFT JOIN regions rp ON rp.id = r.parent_id`

func (r *Region) dest(t *times) []any {
	return []any{&r.ID, &t.parent, &r.Level, &r.Code, &r.Name, &r.NameEN, &r.Path, &r.Sort, &r.Lat, &r.Lng,
		&t.created, &t.updated, &r.ParentName, &r.ChildCount}
}

func (r *Region) finish(t *times) {
	r.ParentID, r.CreatedAt, r.UpdatedAt = t.parent.Int64, ms(t.created), ms(t.updated)
}

// getRegion loads a region inside p's scope (nil p: any region).
func getRegion(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Region, error) {
	where, args := scopeWhere(p, "r.path", "")
	var r Region
	var t times
	err := tx.Get(ctx, "entity.region", "SELECT "+regionCols+regionFrom+" WHERE r.id = ? AND "+where,
		append([]any{id}, args...), r.dest(&t)...)
	r.finish(&t)
	return r, err
}

// GetRegion returns one region in the caller's scope.
func (s *Service) GetRegion(ctx context.Context, p *auth.Principal, id int64) (Region, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return Region{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Region, error) { return getRegion(ctx, tx, p, id) })
}

// RegionByCode finds a region by code for the system (demo loader, command
// line); it ignores data scope.
func (s *Service) RegionByCode(ctx context.Context, code string) (Region, error) {
	var r Region
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var t times
		err := tx.Get(ctx, "entity.region", "SELECT "+regionCols+regionFrom+" WHERE LOWER(r.code) = LOWER(?)",
			[]any{strings.TrimSpace(code)}, r.dest(&t)...)
		r.finish(&t)
		return err
	})
	return r, err
}

// ListRegions returns a page of the regions in scope that match f, in tree
// order (parents first, siblings by sort), and how many match in all.
func (s *Service) ListRegions(ctx context.Context, p *auth.Principal, f RegionFilter) ([]Region, int, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return nil, 0, err
	}
	where, args := scopeWhere(p, "r.path", "")
	conds := []string{where}
	if f.ParentID != nil {
		if *f.ParentID == 0 {
			conds = append(conds, "r.parent_id IS NULL")
		} else {
			conds = append(conds, "r.parent_id = ?")
			args = append(args, *f.ParentID)
		}
	}
	if f.Level != "" {
		conds = append(conds, "r.level = ?")
		args = append(args, string(f.Level))
	}
	conds, args = likeAny(conds, args, f.Q, "r.name", "r.name_en", "r.code")
	cond := strings.Join(conds, " AND ")
	limit, offset := limits(f.Page, f.Size)
	var items []Region
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*) FROM regions r WHERE "+cond, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, treeOrder("regions")+"SELECT "+regionCols+regionFrom+" JOIN tord ON tord.id = r.id WHERE "+cond+
			" ORDER BY tord.k LIMIT ? OFFSET ?", append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Region
			var t times
			if err := rows.Scan(r.dest(&t)...); err != nil {
				return err
			}
			r.finish(&t)
			items = append(items, r)
		}
		return rows.Err()
	})
	return items, int(total), err
}

// checkRegionRefs validates the parent and the level rule, and the code's
// uniqueness; old is the region being changed (nil on create). It returns
// the parent's path ("" for a root).
func checkRegionRefs(ctx context.Context, tx *db.Tx, p *auth.Principal, old *Region, in *RegionInput, f *errs.Fields) (string, error) {
	var self int64
	if old != nil {
		self = old.ID
	}
	parentPath := ""
	switch {
	case in.ParentID == 0:
		if in.Level.Valid() && in.Level != LevelCity {
			f.Add("parent_id", "region.parent_required")
		} else if p != nil && !p.Scope.All && (old == nil || old.ParentID != 0) {
			// Only someone who sees everything may add a city.
			f.Add("parent_id", "region.parent_required")
		}
	default:
		// An unchanged parent may lie outside the writer's scope; a new one may not.
		var scopeOf *auth.Principal = p
		if old != nil && old.ParentID == in.ParentID {
			scopeOf = nil
		}
		parent, err := getRegion(ctx, tx, scopeOf, in.ParentID)
		if errs.Is(err, errs.NotFound) {
			f.Add("parent_id", "field.bad_choice")
			break
		}
		if err != nil {
			return "", err
		}
		parentPath = parent.Path
		switch {
		case old != nil && strings.HasPrefix(parent.Path, old.Path):
			f.Add("parent_id", "region.parent_cycle")
		case in.Level == LevelCity:
			f.Add("parent_id", "region.city_no_parent")
		case in.Level.Valid() && parent.Level != in.Level.Parent():
			f.Add("parent_id", "region.bad_parent_level", i18n.Key(in.Level.Key()), i18n.Key(in.Level.Parent().Key()))
		}
	}
	if old != nil && old.Level != in.Level && old.ChildCount > 0 {
		f.Add("level", "region.level_has_children")
	}
	if !f.Has("code") {
		taken, err := codeTaken(ctx, tx, "regions", in.Code, self)
		if err != nil {
			return "", err
		}
		f.Check(!taken, "code", "org.code_taken")
	}
	if !f.Has("name") && !f.Has("parent_id") {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM regions WHERE COALESCE(parent_id, 0) = ? AND name = ? AND id <> ?", in.ParentID, in.Name, self)
		if err != nil {
			return "", err
		}
		f.Check(n == 0, "name", "region.name_taken")
	}
	return parentPath, nil
}

// CreateRegion adds a region under a parent in the writer's scope. p nil is
// the system.
func (s *Service) CreateRegion(ctx context.Context, p *auth.Principal, in RegionInput) (Region, error) {
	if err := canWrite(p); err != nil {
		return Region{}, err
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f)
	var out Region
	err := s.write(ctx, func(tx *db.Tx) error {
		tx.AfterCommit(s.regionsChanged)
		parentPath, err := checkRegionRefs(ctx, tx, p, nil, &in, &f)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO regions (parent_id, level, code, name, name_en, path, sort, lat, lng, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?) RETURNING id`,
			nullID(in.ParentID), string(in.Level), in.Code, in.Name, in.NameEN, in.Sort, in.Lat, in.Lng, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		path := childPath(parentPath, id)
		if !inScope(p, path, "") {
			f.Add("parent_id", "field.bad_choice")
			return f.Err()
		}
		if _, err := tx.Exec(ctx, "UPDATE regions SET path = ? WHERE id = ?", path, id); err != nil {
			return err
		}
		if err := record(ctx, tx, p, now, audit.ActionCreate, "region", id, in.Code+" "+in.Name, nil, in); err != nil {
			return err
		}
		out, err = getRegion(ctx, tx, nil, id)
		return err
	})
	return out, err
}

// UpdateRegion changes a region in scope. A new parent moves the region
// and its whole subtree; the level rule must still hold.
func (s *Service) UpdateRegion(ctx context.Context, p *auth.Principal, id int64, in RegionInput) (Region, error) {
	if err := canWrite(p); err != nil {
		return Region{}, err
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f)
	var out Region
	err := s.write(ctx, func(tx *db.Tx) error {
		tx.AfterCommit(s.regionsChanged)
		old, err := getRegion(ctx, tx, p, id)
		if err != nil {
			return err
		}
		parentPath, err := checkRegionRefs(ctx, tx, p, &old, &in, &f)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		path := childPath(parentPath, id)
		if !inScope(p, path, "") {
			f.Add("parent_id", "field.bad_choice")
			return f.Err()
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, `UPDATE regions SET parent_id = ?, level = ?, code = ?, name = ?, name_en = ?, sort = ?, lat = ?, lng = ?, updated_at = ?
			WHERE id = ?`, nullID(in.ParentID), string(in.Level), in.Code, in.Name, in.NameEN, in.Sort, in.Lat, in.Lng, now.UnixMilli(), id); err != nil {
			return err
		}
		if err := movePaths(ctx, tx, "regions", old.Path, path); err != nil {
			return err
		}
		if err := record(ctx, tx, p, now, audit.ActionUpdate, "region", id, in.Code+" "+in.Name, old.input(), in); err != nil {
			return err
		}
		out, err = getRegion(ctx, tx, nil, id)
		return err
	})
	return out, err
}

// DeleteRegion removes a region in scope that has no children and that no
// unit, user, pairing or supervision group's area refers to.
func (s *Service) DeleteRegion(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canWrite(p); err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		tx.AfterCommit(s.regionsChanged)
		old, err := getRegion(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if old.ChildCount > 0 {
			return errs.E(errs.Conflict, "region.has_children")
		}
		n, err := tx.Count(ctx, `SELECT (SELECT COUNT(*) FROM units WHERE region_id = ?) + (SELECT COUNT(*) FROM users WHERE region_id = ?)
			+ (SELECT COUNT(*) FROM pairings WHERE region_id = ?) + (SELECT COUNT(*) FROM user_scope_regions WHERE region_id = ?)
			+ (SELECT COUNT(*) FROM supervision_areas WHERE region_id = ?)`, id, id, id, id, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "region.in_use")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM regions WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionDelete, "region", id, old.Code+" "+old.Name, old.input(), nil)
	})
}
