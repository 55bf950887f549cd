package workorder

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// The configuration of work orders by an admin (settings.manage):
// categories and their groups, the urgency classes' default limits and the
// holiday calendar. Every change is audited in its transaction, and the
// category cache (cache.go) is dropped after each commit that touches
// categories.

// Limits on configuration input.
const (
	MaxCategoryCodeLen = 40
	MaxCategoryNameLen = 100
	MaxAckHours        = 24 * 30
	MaxResolveValue    = 365
	MaxHolidayNameLen  = 50
	MinCategorySort    = -99999
	MaxCategorySort    = 99999
)

var categoryCodeRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// CategoryInput is a group or a category as an admin enters it. A group
// has no parent and no default unit; a category sits under a group. Zero
// limits take the urgency class's defaults: AckHours 0 its acknowledge
// hours, ResolveValue 0 its resolve value and unit together.
type CategoryInput struct {
	Group        bool      `json:"group"`
	ParentID     int64     `json:"parent_id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en"`
	UnitID       int64     `json:"unit_id"`
	Urgency      string    `json:"urgency"`
	AckHours     int       `json:"ack_hours"`
	ResolveValue int       `json:"resolve_value"`
	ResolveUnit  LimitUnit `json:"resolve_unit"`
	Public       bool      `json:"public"`
	Active       bool      `json:"active"`
	Sort         int       `json:"sort"`
	// EvidenceRequired: a resolution must carry a photo (not for a group).
	EvidenceRequired bool `json:"evidence_required"`
}

// Input is the category as an input, for an edit that changes a few fields.
func (c Category) Input() CategoryInput {
	return CategoryInput{Group: c.IsGroup(), ParentID: c.ParentID, Code: c.Code, Name: c.Name, NameEN: c.NameEN,
		UnitID: c.UnitID, Urgency: c.Urgency, AckHours: c.AckHours, ResolveValue: c.ResolveValue,
		ResolveUnit: c.ResolveUnit, Public: c.Public, Active: c.Active, Sort: c.Sort, EvidenceRequired: c.EvidenceRequired}
}

func (in *CategoryInput) normalise() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.Urgency = strings.TrimSpace(in.Urgency)
	in.ResolveUnit = LimitUnit(strings.TrimSpace(string(in.ResolveUnit)))
}

// check records what is wrong with the input on its own (no database).
func (in *CategoryInput) check(f *errs.Fields) {
	switch {
	case in.Code == "":
		f.Add("code", "field.required")
	case !categoryCodeRe.MatchString(in.Code):
		f.Add("code", "field.bad_code", MaxCategoryCodeLen)
	}
	checkText(f, "name", in.Name, MaxCategoryNameLen, true)
	checkText(f, "name_en", in.NameEN, MaxCategoryNameLen, false)
	if in.Group {
		f.Check(in.ParentID == 0, "parent_id", "woconfig.err.group_parent")
		f.Check(in.UnitID == 0, "unit_id", "woconfig.err.group_unit")
		f.Check(!in.EvidenceRequired, "evidence_required", "woconfig.err.group_evidence")
	} else {
		f.Check(in.ParentID > 0, "parent_id", "woconfig.err.parent_required")
	}
	f.Check(in.UnitID >= 0, "unit_id", "field.bad_choice")
	f.Check(in.Urgency != "", "urgency", "field.required")
	f.Check(in.AckHours >= 0 && in.AckHours <= MaxAckHours, "ack_hours", "field.out_of_range", 1, MaxAckHours)
	f.Check(in.ResolveValue >= 0 && in.ResolveValue <= MaxResolveValue, "resolve_value", "field.out_of_range", 1, MaxResolveValue)
	if in.ResolveUnit != "" && !slices.Contains(LimitUnits, in.ResolveUnit) {
		f.Add("resolve_unit", "field.bad_choice")
	} else if in.ResolveUnit == "" && in.ResolveValue > 0 {
		f.Add("resolve_unit", "field.required")
	}
	f.Check(in.Sort >= MinCategorySort && in.Sort <= MaxCategorySort, "sort", "field.out_of_range", MinCategorySort, MaxCategorySort)
}

func checkText(f *errs.Fields, field, s string, n int, required bool) {
	if required && s == "" {
		f.Add(field, "field.required")
	}
	if utf8.RuneCountInString(s) > n {
		f.Add(field, "field.too_long", n)
	}
}

// checkRefs checks the input against the database (urgency class, parent
// group, unit, unique code) and fills the default limits. self is the
// category being changed (0 on create) and unit its default unit now: a
// unit chosen anew must be active, one kept may have been deactivated since.
func (in *CategoryInput) checkRefs(ctx context.Context, tx *db.Tx, self, unit int64, f *errs.Fields) error {
	if in.Urgency != "" {
		u, err := getUrgency(ctx, tx, in.Urgency)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add("urgency", "field.bad_choice")
		case err != nil:
			return err
		default:
			if in.AckHours == 0 {
				in.AckHours = u.AckHours
			}
			if in.ResolveValue == 0 {
				in.ResolveValue, in.ResolveUnit = u.ResolveValue, u.ResolveUnit
			}
		}
	}
	if !in.Group && in.ParentID > 0 {
		parent, err := getCategory(ctx, tx, in.ParentID)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add("parent_id", "field.bad_choice")
		case err != nil:
			return err
		case !parent.IsGroup() || parent.ID == self:
			f.Add("parent_id", "woconfig.err.parent_not_group")
		case in.Active && !parent.Active:
			f.Add("active", "woconfig.err.group_inactive")
		}
	}
	if in.UnitID > 0 {
		var active bool
		err := tx.Get(ctx, "entity.unit", "SELECT active FROM units WHERE id = ?", []any{in.UnitID}, &active)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add("unit_id", "field.bad_choice")
		case err != nil:
			return err
		case !active && in.UnitID != unit:
			f.Add("unit_id", "woconfig.err.unit_inactive")
		}
	}
	if in.Code != "" && !f.Has("code") {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorder_categories WHERE LOWER(code) = LOWER(?) AND id <> ?", in.Code, self)
		if err != nil {
			return err
		}
		f.Check(n == 0, "code", "woconfig.err.code_taken")
	}
	return nil
}

// CategoryUse is a category with the number of orders filed under it (an
// admin may delete only a category no order uses) and, for a group, the
// number of its categories.
type CategoryUse struct {
	Category
	Orders   int64 `json:"orders"`
	Children int64 `json:"children"`
}

const categoryUseCols = `, (SELECT COUNT(*) FROM workorders w WHERE w.category_id = c.id),
	(SELECT COUNT(*) FROM workorder_categories k WHERE k.parent_id = c.id)`

func scanCategoryUse(sc interface{ Scan(...any) error }) (CategoryUse, error) {
	var cu CategoryUse
	var err error
	cu.Category, err = scanCategory(extraScan{sc, []any{&cu.Orders, &cu.Children}})
	return cu, err
}

// extraScan scans a category row followed by more columns.
type extraScan struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

// AdminCategories lists every group and category in tree order with their
// use, for the admin page (settings.manage).
func (s *Service) AdminCategories(ctx context.Context, p *auth.Principal) ([]CategoryUse, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return nil, err
	}
	var out []CategoryUse
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+categoryCols+categoryUseCols+categoryFrom+
			" ORDER BY COALESCE(g.sort, c.sort), COALESCE(g.id, c.id), c.parent_id IS NOT NULL, c.sort, c.id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCategoryUse(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// AdminCategory returns one group or category with its use (settings.manage).
func (s *Service) AdminCategory(ctx context.Context, p *auth.Principal, id int64) (CategoryUse, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return CategoryUse{}, err
	}
	var out CategoryUse
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = scanCategoryUse(txRow(ctx, tx, "workorder.entity.category",
			"SELECT "+categoryCols+categoryUseCols+categoryFrom+" WHERE c.id = ?", id))
		return err
	})
	return out, err
}

// CreateCategory adds a group (in.Group) or a category under a group
// (settings.manage), with an audit entry.
func (s *Service) CreateCategory(ctx context.Context, p *auth.Principal, in CategoryInput) (Category, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return Category{}, err
	}
	in.normalise()
	var f errs.Fields
	in.check(&f)
	var out Category
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := in.checkRefs(ctx, tx, 0, 0, &f); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO workorder_categories (parent_id, code, name, name_en, unit_id, urgency,
			ack_hours, resolve_value, resolve_unit, public, active, evidence_required, sort, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			nullID(in.ParentID), in.Code, in.Name, in.NameEN, nullID(in.UnitID), in.Urgency, in.AckHours, in.ResolveValue,
			string(in.ResolveUnit), in.Public, in.Active, in.EvidenceRequired, in.Sort, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		if out, err = getCategory(ctx, tx, id); err != nil {
			return err
		}
		tx.AfterCommit(s.CategoriesChanged)
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionCreate, Entity: "workorder_category",
			EntityID: audit.ID(id), Summary: in.Code + " " + in.Name}, nil, in)
	})
	return out, err
}

// UpdateCategory changes a group or a category (settings.manage), with an
// audit entry. A group stays a group and a category a category. An active
// category needs an active group; deactivating a group deactivates its
// categories too (each audited), and reactivating it leaves them as they
// are. Orders already filed keep their deadlines.
func (s *Service) UpdateCategory(ctx context.Context, p *auth.Principal, id int64, in CategoryInput) (Category, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return Category{}, err
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Category, error) { return s.updateCategory(ctx, tx, p, id, in) })
}

// SetCategoryActive deactivates or reactivates a group or a category
// (settings.manage) under UpdateCategory's rules.
func (s *Service) SetCategoryActive(ctx context.Context, p *auth.Principal, id int64, active bool) (Category, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return Category{}, err
	}
	var out Category
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		before, err := getCategory(ctx, tx, id)
		if err != nil {
			return err
		}
		in := before.Input()
		in.Active = active
		out, err = s.updateCategory(ctx, tx, p, id, in)
		if e := errs.As(err); e != nil && e.Fields["active"].Key != "" {
			// The only field this call changes: say why as the message.
			return errs.E(errs.Conflict, e.Fields["active"].Key)
		}
		return err
	})
	return out, err
}

func (s *Service) updateCategory(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, in CategoryInput) (Category, error) {
	before, err := getCategory(ctx, tx, id)
	if err != nil {
		return Category{}, err
	}
	in.normalise()
	var f errs.Fields
	if in.Group != before.IsGroup() {
		f.Add("group", "woconfig.err.kind_fixed")
		in.Group = before.IsGroup()
	}
	in.check(&f)
	if err := in.checkRefs(ctx, tx, id, before.UnitID, &f); err != nil {
		return Category{}, err
	}
	if err := f.Err(); err != nil {
		return Category{}, err
	}
	now := s.Clock.Now()
	if _, err := tx.Exec(ctx, `UPDATE workorder_categories SET parent_id = ?, code = ?, name = ?, name_en = ?, unit_id = ?,
		urgency = ?, ack_hours = ?, resolve_value = ?, resolve_unit = ?, public = ?, active = ?, evidence_required = ?, sort = ?,
		updated_at = ? WHERE id = ?`, nullID(in.ParentID), in.Code, in.Name, in.NameEN, nullID(in.UnitID), in.Urgency, in.AckHours,
		in.ResolveValue, string(in.ResolveUnit), in.Public, in.Active, in.EvidenceRequired, in.Sort, now.UnixMilli(), id); err != nil {
		return Category{}, err
	}
	tx.AfterCommit(s.CategoriesChanged)
	if err := audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionUpdate, Entity: "workorder_category",
		EntityID: audit.ID(id), Summary: in.Code + " " + in.Name}, before.Input(), in); err != nil {
		return Category{}, err
	}
	if in.Group && before.Active && !in.Active {
		// The group's categories go with it, each with its own entry.
		rows, err := tx.Query(ctx, "SELECT "+categoryCols+categoryFrom+" WHERE c.parent_id = ? AND c.active = TRUE ORDER BY c.id", id)
		if err != nil {
			return Category{}, err
		}
		var kids []Category
		for rows.Next() {
			c, err := scanCategory(rows)
			if err != nil {
				rows.Close()
				return Category{}, err
			}
			kids = append(kids, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Category{}, err
		}
		for _, c := range kids {
			if _, err := tx.Exec(ctx, "UPDATE workorder_categories SET active = FALSE, updated_at = ? WHERE id = ?", now.UnixMilli(), c.ID); err != nil {
				return Category{}, err
			}
			after := c.Input()
			after.Active = false
			if err := audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionUpdate, Entity: "workorder_category",
				EntityID: audit.ID(c.ID), Summary: c.Code + " " + c.Name}, c.Input(), after); err != nil {
				return Category{}, err
			}
		}
	}
	return getCategory(ctx, tx, id)
}

// DeleteCategory removes a group without categories, or a category no
// order uses (settings.manage); a used one is refused: deactivate it
// instead.
func (s *Service) DeleteCategory(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		before, err := getCategory(ctx, tx, id)
		if err != nil {
			return err
		}
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorder_categories WHERE parent_id = ?", id)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "woconfig.err.group_has_categories", n)
		}
		if n, err = tx.Count(ctx, "SELECT COUNT(*) FROM workorders WHERE category_id = ?", id); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "woconfig.err.category_in_use", n)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM workorder_categories WHERE id = ?", id); err != nil {
			return err
		}
		tx.AfterCommit(s.CategoriesChanged)
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionDelete, Entity: "workorder_category",
			EntityID: audit.ID(id), Summary: before.Code + " " + before.Name}, before.Input(), nil)
	})
}

// ---- urgency classes ----

func getUrgency(ctx context.Context, tx *db.Tx, code string) (Urgency, error) {
	var u Urgency
	var unit string
	err := tx.Get(ctx, "woconfig.entity.urgency", `SELECT code, name, name_en, ack_hours, resolve_value, resolve_unit, sort
		FROM workorder_urgencies WHERE code = ?`, []any{code}, &u.Code, &u.Name, &u.NameEN, &u.AckHours, &u.ResolveValue, &unit, &u.Sort)
	u.ResolveUnit = LimitUnit(unit)
	return u, err
}

// UrgencyClasses lists the urgency classes with their default limits as
// stored (an admin may have changed them).
func (s *Service) UrgencyClasses(ctx context.Context) ([]Urgency, error) {
	var out []Urgency
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT code, name, name_en, ack_hours, resolve_value, resolve_unit, sort
			FROM workorder_urgencies ORDER BY sort, code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u Urgency
			var unit string
			if err := rows.Scan(&u.Code, &u.Name, &u.NameEN, &u.AckHours, &u.ResolveValue, &unit, &u.Sort); err != nil {
				return err
			}
			u.ResolveUnit = LimitUnit(unit)
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

// UrgencyLimits are the default limits of an urgency class.
type UrgencyLimits struct {
	AckHours     int       `json:"ack_hours"`
	ResolveValue int       `json:"resolve_value"`
	ResolveUnit  LimitUnit `json:"resolve_unit"`
}

// UpdateUrgency changes an urgency class's default limits (settings.manage),
// with an audit entry. Categories keep the limits they have: the defaults
// only fill a category's limits when it is created or edited with them
// left empty.
func (s *Service) UpdateUrgency(ctx context.Context, p *auth.Principal, code string, in UrgencyLimits) (Urgency, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return Urgency{}, err
	}
	in.ResolveUnit = LimitUnit(strings.TrimSpace(string(in.ResolveUnit)))
	var f errs.Fields
	f.Check(in.AckHours > 0 && in.AckHours <= MaxAckHours, "ack_hours", "field.out_of_range", 1, MaxAckHours)
	f.Check(in.ResolveValue > 0 && in.ResolveValue <= MaxResolveValue, "resolve_value", "field.out_of_range", 1, MaxResolveValue)
	f.Check(slices.Contains(LimitUnits, in.ResolveUnit), "resolve_unit", "field.bad_choice")
	var out Urgency
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		before, err := getUrgency(ctx, tx, code)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE workorder_urgencies SET ack_hours = ?, resolve_value = ?, resolve_unit = ? WHERE code = ?",
			in.AckHours, in.ResolveValue, string(in.ResolveUnit), code); err != nil {
			return err
		}
		if out, err = getUrgency(ctx, tx, code); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionUpdate, Entity: "workorder_urgency",
			EntityID: code, Summary: before.Name},
			UrgencyLimits{before.AckHours, before.ResolveValue, before.ResolveUnit}, in)
	})
	return out, err
}

// ---- holiday calendar ----

// Holidays lists the calendar rows of a year.
func (s *Service) Holidays(ctx context.Context, year int) ([]HolidayDay, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]HolidayDay, error) { return yearHolidays(ctx, tx, year) })
}

func yearHolidays(ctx context.Context, tx *db.Tx, year int) ([]HolidayDay, error) {
	rows, err := tx.Query(ctx, "SELECT day, kind, name FROM holidays WHERE day >= ? AND day <= ? ORDER BY day",
		yearDay(year, 1, 1), yearDay(year, 12, 31))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HolidayDay
	for rows.Next() {
		var h HolidayDay
		var k string
		if err := rows.Scan(&h.Day, &k, &h.Name); err != nil {
			return nil, err
		}
		h.Kind = DayKind(k)
		out = append(out, h)
	}
	return out, rows.Err()
}

func yearDay(year int, m time.Month, d int) string {
	return time.Date(year, m, d, 0, 0, 0, 0, Zone).Format(DateLayout)
}

// Calendar years an admin may edit.
const (
	MinCalendarYear = 2000
	MaxCalendarYear = 2100
)

// ParseDay reads a 'YYYY-MM-DD' date of the calendar's years; ok is false
// for anything else (2026-2-1, 2026-02-30, 1999-12-31).
func ParseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(DateLayout, s, Zone)
	if err != nil || t.Year() < MinCalendarYear || t.Year() > MaxCalendarYear {
		return time.Time{}, false
	}
	return t, true
}

// checkHoliday records what is wrong with one calendar row. A make-up
// working day (调休上班) is a Saturday or a Sunday: any other day is a
// working day anyway.
func checkHoliday(f *errs.Fields, h HolidayDay) {
	t, ok := ParseDay(h.Day)
	if !ok {
		f.Add("day", "field.bad_date")
	}
	switch {
	case h.Kind == "":
		f.Add("kind", "field.required")
	case h.Kind != Holiday && h.Kind != Workday:
		f.Add("kind", "field.bad_choice")
	case ok && h.Kind == Workday && t.Weekday() != time.Saturday && t.Weekday() != time.Sunday:
		f.Add("kind", "woconfig.err.workday_weekday")
	}
	checkText(f, "name", h.Name, MaxHolidayNameLen, false)
}

func normaliseHoliday(h HolidayDay) HolidayDay {
	h.Day, h.Name = strings.TrimSpace(h.Day), strings.TrimSpace(h.Name)
	h.Kind = DayKind(strings.TrimSpace(string(h.Kind)))
	return h
}

func getHoliday(ctx context.Context, tx *db.Tx, day string) (HolidayDay, error) {
	var h HolidayDay
	var k string
	err := tx.Get(ctx, "workorder.entity.holiday", "SELECT day, kind, name FROM holidays WHERE day = ?", []any{day}, &h.Day, &k, &h.Name)
	h.Kind = DayKind(k)
	return h, err
}

// SetHoliday adds or changes one calendar date (settings.manage): a
// holiday (法定节假日) or a weekend day worked in exchange (调休上班),
// with an audit entry. Deadlines computed from now on count with it;
// deadlines already set stay.
func (s *Service) SetHoliday(ctx context.Context, p *auth.Principal, h HolidayDay) error {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	h = normaliseHoliday(h)
	var f errs.Fields
	checkHoliday(&f, h)
	if err := f.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		return s.setHoliday(ctx, tx, p, h, "")
	})
}

// setHoliday writes one row and its audit entry (nothing when unchanged).
func (s *Service) setHoliday(ctx context.Context, tx *db.Tx, p *auth.Principal, h HolidayDay, note string) error {
	before, err := getHoliday(ctx, tx, h.Day)
	var prev any
	action := audit.ActionUpdate
	switch {
	case errs.Is(err, errs.NotFound):
		action = audit.ActionCreate
		if _, err := tx.Exec(ctx, "INSERT INTO holidays (day, kind, name) VALUES (?, ?, ?)", h.Day, string(h.Kind), h.Name); err != nil {
			return err
		}
	case err != nil:
		return err
	case before == h:
		return nil
	default:
		prev = before
		if _, err := tx.Exec(ctx, "UPDATE holidays SET kind = ?, name = ? WHERE day = ?", string(h.Kind), h.Name, h.Day); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: action, Entity: "holiday",
		EntityID: h.Day, Summary: strings.TrimSpace(h.Name + " " + note)}, prev, h)
}

// DeleteHoliday makes a date an ordinary day again (settings.manage).
func (s *Service) DeleteHoliday(ctx context.Context, p *auth.Principal, day string) error {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		return s.deleteHoliday(ctx, tx, p, strings.TrimSpace(day), "")
	})
}

func (s *Service) deleteHoliday(ctx context.Context, tx *db.Tx, p *auth.Principal, day, note string) error {
	before, err := getHoliday(ctx, tx, day)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM holidays WHERE day = ?", day); err != nil {
		return err
	}
	return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionDelete, Entity: "holiday",
		EntityID: day, Summary: strings.TrimSpace(before.Name + " " + note)}, before, nil)
}

// HolidayImport counts what an import changed.
type HolidayImport struct {
	Added   int `json:"added"`
	Changed int `json:"changed"`
	Removed int `json:"removed"`
}

// holidayKinds are the words an import line may use for a kind.
var holidayKinds = map[string]DayKind{
	"holiday": Holiday, "休": Holiday, "假": Holiday, "放假": Holiday,
	"workday": Workday, "班": Workday, "上班": Workday, "调休": Workday,
}

// ParseHolidayList reads a pasted year: one date a line, "2026-10-01
// holiday 国庆节" (kind holiday/workday, or 休/班; the name is optional);
// blank lines and lines starting with # are skipped. Every date must lie
// in year and appear once. Any bad line refuses the whole list: the error
// has a field "line.N" for each bad line N.
func ParseHolidayList(year int, text string) ([]HolidayDay, error) {
	var out []HolidayDay
	var f errs.Fields
	var bad []string
	seen := map[string]int{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		n := i + 1
		line = strings.TrimSpace(strings.ReplaceAll(line, "\u3000", " "))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		field := "line." + strconv.Itoa(n)
		fail := func(key string, args ...any) {
			f.Add(field, key, append([]any{n}, args...)...)
			bad = append(bad, strconv.Itoa(n))
		}
		if len(parts) < 2 {
			fail("woconfig.import.line_short")
			continue
		}
		h := HolidayDay{Day: parts[0], Name: strings.Join(parts[2:], " ")}
		kind, ok := holidayKinds[strings.ToLower(parts[1])]
		t, dayOK := ParseDay(h.Day)
		h.Kind = kind
		var lf errs.Fields
		checkHoliday(&lf, h)
		switch {
		case !dayOK:
			fail("woconfig.import.line_date")
		case t.Year() != year:
			fail("woconfig.import.line_year", year)
		case !ok:
			fail("woconfig.import.line_kind")
		case lf.Has("kind"):
			fail("woconfig.import.line_workday")
		case lf.Has("name"):
			fail("woconfig.import.line_name", MaxHolidayNameLen)
		case seen[h.Day] != 0:
			fail("woconfig.import.line_repeat", seen[h.Day])
		default:
			seen[h.Day] = n
			out = append(out, h)
		}
	}
	if len(bad) > 0 {
		e := errs.As(f.Err())
		e.Key, e.Args = "woconfig.import.bad_lines", []any{strings.Join(bad, ", ")}
		return nil, e
	}
	if len(out) == 0 {
		f.Add("lines", "woconfig.import.empty")
		return nil, f.Err()
	}
	return out, nil
}

// ImportHolidays replaces a year's calendar with a pasted list (see
// ParseHolidayList) in one transaction (settings.manage): dates not in the
// list become ordinary days again. Each changed date is audited.
func (s *Service) ImportHolidays(ctx context.Context, p *auth.Principal, year int, text string) (HolidayImport, error) {
	var res HolidayImport
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return res, err
	}
	if year < MinCalendarYear || year > MaxCalendarYear {
		var f errs.Fields
		f.Add("year", "field.out_of_range", MinCalendarYear, MaxCalendarYear)
		return res, f.Err()
	}
	days, err := ParseHolidayList(year, text)
	if err != nil {
		return res, err
	}
	note := "(" + strconv.Itoa(year) + " import)"
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		res = HolidayImport{}
		old, err := yearHolidays(ctx, tx, year)
		if err != nil {
			return err
		}
		have := map[string]HolidayDay{}
		for _, h := range old {
			have[h.Day] = h
		}
		keep := map[string]bool{}
		for _, h := range days {
			keep[h.Day] = true
			if prev, ok := have[h.Day]; ok {
				if prev == h {
					continue
				}
				res.Changed++
			} else {
				res.Added++
			}
			if err := s.setHoliday(ctx, tx, p, h, note); err != nil {
				return err
			}
		}
		for _, h := range old {
			if !keep[h.Day] {
				res.Removed++
				if err := s.deleteHoliday(ctx, tx, p, h.Day, note); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return res, err
}
