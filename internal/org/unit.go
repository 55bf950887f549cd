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
	"github.com/wenming-city/wenming/internal/pii"
)

// UnitKind says what sort of body a unit is.
type UnitKind string

const (
	KindHQ               UnitKind = "hq"                // 创建指挥部
	KindWorkGroup        UnitKind = "work_group"        // 专项工作组
	KindSupervisionGroup UnitKind = "supervision_group" // 督导组
	KindDepartment       UnitKind = "department"        // 职能部门
	KindDistrictGov      UnitKind = "district_gov"      // 区县政府
	KindStreetOffice     UnitKind = "street_office"     // 街道办事处(乡镇政府)
	KindCompany          UnitKind = "company"           // 企业
	KindOther            UnitKind = "other"             // 其他
)

// UnitKinds lists the kinds in display order.
var UnitKinds = []UnitKind{KindHQ, KindWorkGroup, KindSupervisionGroup, KindDepartment, KindDistrictGov, KindStreetOffice, KindCompany, KindOther}

// Valid reports whether k is a known kind.
func (k UnitKind) Valid() bool { return slices.Contains(UnitKinds, k) }

// Key is the i18n key of the kind's name.
func (k UnitKind) Key() string { return "unit.kind." + string(k) }

// Unit is an HQ, a group, an agency, a government or a company.
type Unit struct {
	ID           int64     `json:"id"`
	ParentID     int64     `json:"parent_id"` // 0: top level
	Kind         UnitKind  `json:"kind"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en"`
	RegionID     int64     `json:"region_id"`
	Path         string    `json:"path"`
	ContactName  string    `json:"contact_name"`
	ContactPhone string    `json:"contact_phone"`
	Active       bool      `json:"active"`
	Sort         int       `json:"sort"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	RegionName   string    `json:"region_name"`
	RegionPath   string    `json:"region_path"`
	ParentName   string    `json:"parent_name"`
	ChildCount   int       `json:"child_count"`
	RegionNameEN string    `json:"region_name_en"`
	ParentNameEN string    `json:"parent_name_en"`
}

// UnitInput is what a form, the API or the demo loader sends to create or
// change a unit. The JSON names are the form's field names.
type UnitInput struct {
	ParentID     int64    `json:"parent_id"`
	Kind         UnitKind `json:"kind"`
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	NameEN       string   `json:"name_en"`
	RegionID     int64    `json:"region_id"`
	ContactName  string   `json:"contact_name"`
	ContactPhone string   `json:"contact_phone"`
	Active       bool     `json:"active"`
	Sort         int      `json:"sort"`
}

// UnitFilter selects units for a list.
type UnitFilter struct {
	Kind     UnitKind
	RegionID int64  // units whose region lies in this region's subtree
	ParentID *int64 // direct children of this unit; pointer to 0: top-level units
	Q        string // part of the name, English name or code
	Active   *bool
	Page     int // from 1
	Size     int // 0: DefaultPageSize; AllRows: everything (exports)
}

func (u *Unit) input() UnitInput {
	return UnitInput{ParentID: u.ParentID, Kind: u.Kind, Code: u.Code, Name: u.Name, NameEN: u.NameEN, RegionID: u.RegionID,
		ContactName: u.ContactName, ContactPhone: u.ContactPhone, Active: u.Active, Sort: u.Sort}
}

// audited is the input as the audit log keeps it: the phone masked.
func (in UnitInput) audited() UnitInput {
	in.ContactPhone = pii.MaskPhone(in.ContactPhone)
	return in
}

func (in *UnitInput) normalise() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.Kind = UnitKind(strings.TrimSpace(string(in.Kind)))
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
	if c, ok := pii.NormalisePhone(in.ContactPhone); ok {
		in.ContactPhone = c // stored in the one canonical form
	}
}

func (in *UnitInput) validate(f *errs.Fields) {
	checkCode(f, in.Code)
	checkLen(f, "name", in.Name, MaxNameLen, true)
	checkLen(f, "name_en", in.NameEN, MaxNameLen, false)
	if in.Kind == "" {
		f.Add("kind", "field.required")
	} else if !in.Kind.Valid() {
		f.Add("kind", "field.bad_choice")
	}
	f.Check(in.RegionID != 0, "region_id", "field.required")
	checkLen(f, "contact_name", in.ContactName, MaxContactLen, false)
	if in.ContactPhone != "" && !pii.ValidPhone(in.ContactPhone) {
		f.Add("contact_phone", "field.bad_phone")
	}
	checkSort(f, in.Sort)
}

const unitCols = `u.id, u.parent_id, u.kind, u.code, u.name, u.name_en, u.region_id, u.path, u.contact_name, u.contact_phone,
	u.active, u.sort, u.created_at, u.updated_at, r.name, r.path, COALESCE(up.name, ''),
	(SELECT COUNT(*) FROM units uc WHERE uc.parent_id = u.id), r.name_en, COALESCE(up.name_en, '')`

const unitFrom = ` FROM units u JOIN regions r ON r.id = u.region_id LEFT JOIN units up ON up.id = u.parent_id`

func (u *Unit) dest(t *times) []any {
	return []any{&u.ID, &t.parent, &u.Kind, &u.Code, &u.Name, &u.NameEN, &u.RegionID, &u.Path, &u.ContactName, &u.ContactPhone,
		&u.Active, &u.Sort, &t.created, &t.updated, &u.RegionName, &u.RegionPath, &u.ParentName, &u.ChildCount,
		&u.RegionNameEN, &u.ParentNameEN}
}

func (u *Unit) finish(t *times) {
	u.ParentID, u.CreatedAt, u.UpdatedAt = t.parent.Int64, ms(t.created), ms(t.updated)
}

// getUnit loads a unit inside p's scope (nil p: any unit).
func getUnit(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Unit, error) {
	where, args := scopeWhere(p, "r.path", "u.path")
	var u Unit
	var t times
	err := tx.Get(ctx, "entity.unit", "SELECT "+unitCols+unitFrom+" WHERE u.id = ? AND "+where,
		append([]any{id}, args...), u.dest(&t)...)
	u.finish(&t)
	return u, err
}

// GetUnit returns one unit in the caller's scope.
func (s *Service) GetUnit(ctx context.Context, p *auth.Principal, id int64) (Unit, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return Unit{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Unit, error) { return getUnit(ctx, tx, p, id) })
}

// UnitByCode finds a unit by code for the system (demo loader, command
// line); it ignores data scope.
func (s *Service) UnitByCode(ctx context.Context, code string) (Unit, error) {
	var u Unit
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var t times
		err := tx.Get(ctx, "entity.unit", "SELECT "+unitCols+unitFrom+" WHERE LOWER(u.code) = LOWER(?)",
			[]any{strings.TrimSpace(code)}, u.dest(&t)...)
		u.finish(&t)
		return err
	})
	return u, err
}

// ListUnits returns a page of the units in scope that match f, in tree
// order (parents first, siblings by sort), and how many match in all.
func (s *Service) ListUnits(ctx context.Context, p *auth.Principal, f UnitFilter) ([]Unit, int, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return nil, 0, err
	}
	where, args := scopeWhere(p, "r.path", "u.path")
	conds := []string{where}
	if f.Kind != "" {
		conds = append(conds, "u.kind = ?")
		args = append(args, string(f.Kind))
	}
	if f.RegionID != 0 {
		conds = append(conds, "r.path LIKE (SELECT fr.path FROM regions fr WHERE fr.id = ?) || '%'")
		args = append(args, f.RegionID)
	}
	if f.ParentID != nil {
		if *f.ParentID == 0 {
			conds = append(conds, "u.parent_id IS NULL")
		} else {
			conds = append(conds, "u.parent_id = ?")
			args = append(args, *f.ParentID)
		}
	}
	if f.Active != nil {
		conds = append(conds, "u.active = ?")
		args = append(args, *f.Active)
	}
	conds, args = likeAny(conds, args, f.Q, "u.name", "u.name_en", "u.code")
	cond := strings.Join(conds, " AND ")
	limit, offset := limits(f.Page, f.Size)
	var items []Unit
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*) FROM units u JOIN regions r ON r.id = u.region_id WHERE "+cond, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, treeOrder("units")+"SELECT "+unitCols+unitFrom+" JOIN tord ON tord.id = u.id WHERE "+cond+
			" ORDER BY tord.k LIMIT ? OFFSET ?", append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u Unit
			var t times
			if err := rows.Scan(u.dest(&t)...); err != nil {
				return err
			}
			u.finish(&t)
			items = append(items, u)
		}
		return rows.Err()
	})
	return items, int(total), err
}

// checkUnitRefs validates the region, the parent and the code's uniqueness;
// old is the unit being changed (nil on create). It returns the paths of
// the unit's region and parent ("" for none).
func checkUnitRefs(ctx context.Context, tx *db.Tx, p *auth.Principal, old *Unit, in *UnitInput, f *errs.Fields) (regionPath, parentPath string, err error) {
	var self int64
	if old != nil {
		self = old.ID
	}
	// An unchanged reference may lie outside the writer's scope; a new one may not.
	if in.RegionID != 0 {
		scopeOf := p
		if old != nil && old.RegionID == in.RegionID {
			scopeOf = nil
		}
		r, err := getRegion(ctx, tx, scopeOf, in.RegionID)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add("region_id", "field.bad_choice")
		case err != nil:
			return "", "", err
		}
		regionPath = r.Path
	}
	if in.ParentID != 0 {
		scopeOf := p
		if old != nil && old.ParentID == in.ParentID {
			scopeOf = nil
		}
		parent, err := getUnit(ctx, tx, scopeOf, in.ParentID)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add("parent_id", "field.bad_choice")
		case err != nil:
			return "", "", err
		case old != nil && strings.HasPrefix(parent.Path, old.Path):
			f.Add("parent_id", "unit.parent_cycle")
		}
		parentPath = parent.Path
	}
	if !f.Has("code") {
		taken, err := codeTaken(ctx, tx, "units", in.Code, self)
		if err != nil {
			return "", "", err
		}
		f.Check(!taken, "code", "org.code_taken")
	}
	return regionPath, parentPath, nil
}

// CreateUnit adds a unit in a region (and under a parent unit) in the
// writer's scope. p nil is the system.
func (s *Service) CreateUnit(ctx context.Context, p *auth.Principal, in UnitInput) (Unit, error) {
	if err := canWrite(p); err != nil {
		return Unit{}, err
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f)
	var out Unit
	err := s.write(ctx, func(tx *db.Tx) error {
		regionPath, parentPath, err := checkUnitRefs(ctx, tx, p, nil, &in, &f)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO units (parent_id, kind, code, name, name_en, region_id, path, contact_name, contact_phone, active, sort, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?) RETURNING id`,
			nullID(in.ParentID), string(in.Kind), in.Code, in.Name, in.NameEN, in.RegionID, in.ContactName, in.ContactPhone,
			in.Active, in.Sort, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		path := childPath(parentPath, id)
		if !inScope(p, regionPath, path) {
			f.Add("region_id", "field.bad_choice")
			return f.Err()
		}
		if _, err := tx.Exec(ctx, "UPDATE units SET path = ? WHERE id = ?", path, id); err != nil {
			return err
		}
		if err := record(ctx, tx, p, now, audit.ActionCreate, "unit", id, in.Code+" "+in.Name, nil, in.audited()); err != nil {
			return err
		}
		out, err = getUnit(ctx, tx, nil, id)
		return err
	})
	return out, err
}

// UpdateUnit changes a unit in scope. A new parent moves the unit and its
// whole subtree.
func (s *Service) UpdateUnit(ctx context.Context, p *auth.Principal, id int64, in UnitInput) (Unit, error) {
	if err := canWrite(p); err != nil {
		return Unit{}, err
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f)
	var out Unit
	err := s.write(ctx, func(tx *db.Tx) error {
		old, err := getUnit(ctx, tx, p, id)
		if err != nil {
			return err
		}
		regionPath, parentPath, err := checkUnitRefs(ctx, tx, p, &old, &in, &f)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		path := childPath(parentPath, id)
		if !inScope(p, regionPath, path) {
			f.Add("region_id", "field.bad_choice")
			return f.Err()
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, `UPDATE units SET parent_id = ?, kind = ?, code = ?, name = ?, name_en = ?, region_id = ?,
			contact_name = ?, contact_phone = ?, active = ?, sort = ?, updated_at = ? WHERE id = ?`,
			nullID(in.ParentID), string(in.Kind), in.Code, in.Name, in.NameEN, in.RegionID,
			in.ContactName, in.ContactPhone, in.Active, in.Sort, now.UnixMilli(), id); err != nil {
			return err
		}
		if err := movePaths(ctx, tx, "units", old.Path, path); err != nil {
			return err
		}
		if err := record(ctx, tx, p, now, audit.ActionUpdate, "unit", id, in.Code+" "+in.Name, old.input().audited(), in.audited()); err != nil {
			return err
		}
		out, err = getUnit(ctx, tx, nil, id)
		return err
	})
	return out, err
}

// DeleteUnit removes a unit in scope that has no child units and that no
// user or pairing refers to; a supervision group's areas and the unit's
// notification channels go with it.
func (s *Service) DeleteUnit(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canWrite(p); err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		old, err := getUnit(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if old.ChildCount > 0 {
			return errs.E(errs.Conflict, "unit.has_children")
		}
		n, err := tx.Count(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE unit_id = ?) + (SELECT COUNT(*) FROM user_scope_units WHERE unit_id = ?)
			+ (SELECT COUNT(*) FROM pairings WHERE unit_id = ?)`, id, id, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "unit.in_use")
		}
		// A supervision group's areas and the unit's notification channels go with it.
		for _, q := range []string{"DELETE FROM supervision_areas WHERE unit_id = ?", "DELETE FROM notify_channels WHERE unit_id = ?"} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM units WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionDelete, "unit", id, old.Code+" "+old.Name, old.input().audited(), nil)
	})
}
