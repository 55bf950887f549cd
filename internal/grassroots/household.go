package grassroots

import (
	"context"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// Household is one household (户) of a grid.
type Household struct {
	ID             int64     `json:"id"`
	RegionID       int64     `json:"region_id"` // its grid
	RegionPath     string    `json:"region_path"`
	RegionName     string    `json:"region_name"`
	RegionNameEN   string    `json:"region_name_en"`
	Community      string    `json:"community"` // the grid's community or village
	CommunityEN    string    `json:"community_en"`
	Address        string    `json:"address"`
	Building       string    `json:"building"`
	Door           string    `json:"door"`
	HeadName       string    `json:"head_name"`
	Phone          string    `json:"phone"` // masked unless revealed
	TenHeadID      int64     `json:"ten_head_id"`
	TenHeadName    string    `json:"ten_head_name"`
	BuildingHeadID int64     `json:"building_head_id"`
	BuildingHead   string    `json:"building_head_name"`
	Note           string    `json:"note"`
	Members        int       `json:"members"`
	Tags           []string  `json:"tags"` // codes of the tags in force today
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// HouseholdInput is what a form, the API, an import row or the demo sends.
type HouseholdInput struct {
	RegionID       int64  `json:"region_id"`
	Address        string `json:"address"`
	Building       string `json:"building"`
	Door           string `json:"door"`
	HeadName       string `json:"head_name"`
	Phone          string `json:"phone"`
	TenHeadID      int64  `json:"ten_head_id"`
	BuildingHeadID int64  `json:"building_head_id"`
	Note           string `json:"note"`
}

// HouseholdFilter selects households for a list.
type HouseholdFilter struct {
	RegionID int64  // only this region's subtree (0: the whole scope)
	Tag      string // only households with this tag in force today
	HeadID   int64  // only the households of this ten-household or building head
	Q        string // address, head's name, building or door
	Page     int
	Size     int
}

func (in *HouseholdInput) normalise() {
	in.Address = strings.TrimSpace(in.Address)
	in.Building = strings.TrimSpace(in.Building)
	in.Door = strings.TrimSpace(in.Door)
	in.HeadName = strings.TrimSpace(in.HeadName)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Note = strings.TrimSpace(in.Note)
}

// validate checks what needs no database; the phone becomes its digits.
func (in *HouseholdInput) validate(f *errs.Fields) {
	if in.RegionID <= 0 {
		f.Add("region_id", "field.required")
	}
	checkLen(f, "address", in.Address, MaxAddressLen, true)
	checkLen(f, "building", in.Building, MaxShortLen, false)
	checkLen(f, "door", in.Door, MaxShortLen, false)
	checkLen(f, "head_name", in.HeadName, MaxNameLen, true)
	checkLen(f, "note", in.Note, MaxNoteLen, false)
	if in.Phone != "" {
		if c, ok := pii.NormalisePhone(in.Phone); ok {
			in.Phone = c
		} else {
			f.Add("phone", "field.bad_phone")
		}
	}
}

const householdCols = `h.id, h.region_id, h.region_path, r.name, r.name_en, COALESCE(rp.name, ''), COALESCE(rp.name_en, ''), h.address, h.building, h.door, h.head_name, h.phone,
	COALESCE(h.ten_head_id, 0), COALESCE(t.name, ''), COALESCE(h.building_head_id, 0), COALESCE(b.name, ''), h.note,
	(SELECT COUNT(*) FROM gr_people m WHERE m.household_id = h.id), h.created_at, h.updated_at`

const householdFrom = ` FROM gr_households h JOIN regions r ON r.id = h.region_id LEFT JOIN regions rp ON rp.id = r.parent_id
	LEFT JOIN gr_heads t ON t.id = h.ten_head_id LEFT JOIN gr_heads b ON b.id = h.building_head_id`

func scanHousehold(sc interface{ Scan(...any) error }) (Household, error) {
	var h Household
	var c, u int64
	err := sc.Scan(&h.ID, &h.RegionID, &h.RegionPath, &h.RegionName, &h.RegionNameEN, &h.Community, &h.CommunityEN, &h.Address, &h.Building, &h.Door, &h.HeadName, &h.Phone,
		&h.TenHeadID, &h.TenHeadName, &h.BuildingHeadID, &h.BuildingHead, &h.Note, &h.Members, &c, &u)
	h.CreatedAt, h.UpdatedAt = time.UnixMilli(c), time.UnixMilli(u)
	return h, err
}

// loadHousehold reads a household in p's scope (phone unmasked).
func loadHousehold(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Household, error) {
	w, args := scopeWhere(p, "h.region_path")
	rows, err := tx.Query(ctx, "SELECT "+householdCols+householdFrom+" WHERE h.id = ? AND "+w, append([]any{id}, args...)...)
	if err != nil {
		return Household{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Household{}, err
		}
		return Household{}, errs.NotFoundf("entity.household")
	}
	return scanHousehold(rows)
}

// withTags fills the tags in force now.
func withTags(ctx context.Context, tx *db.Tx, h *Household, now time.Time) error {
	m, err := tagsByHousehold(ctx, tx, []int64{h.ID}, now)
	h.Tags = m[h.ID]
	return err
}

// GetHousehold returns a household in the caller's scope, phone masked.
func (s *Service) GetHousehold(ctx context.Context, p *auth.Principal, id int64) (Household, error) {
	if err := canRead(p); err != nil {
		return Household{}, err
	}
	var h Household
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if h, err = loadHousehold(ctx, tx, p, id); err != nil {
			return err
		}
		return withTags(ctx, tx, &h, s.Clock.Now())
	})
	h.Phone = pii.MaskPhone(h.Phone)
	return h, err
}

// ListHouseholds returns a page of households in the caller's scope, phones masked.
func (s *Service) ListHouseholds(ctx context.Context, p *auth.Principal, f HouseholdFilter) ([]Household, int, error) {
	if err := canRead(p); err != nil {
		return nil, 0, err
	}
	w, args := scopeWhere(p, "h.region_path")
	conds := []string{w}
	var out []Household
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if f.RegionID > 0 {
			_, path, _, err := regionOf(ctx, tx, p, f.RegionID)
			if err != nil {
				return err
			}
			u, ua := under("h.region_path", path)
			conds, args = append(conds, u), append(args, ua...)
		}
		if f.Tag != "" {
			conds = append(conds, `EXISTS (SELECT 1 FROM gr_tags g WHERE g.household_id = h.id AND g.tag = ? AND g.started_on <= ?
				AND (g.ended_on IS NULL OR g.ended_on >= ?))`)
			today := s.today()
			args = append(args, f.Tag, today, today)
		}
		if f.HeadID > 0 {
			conds, args = append(conds, "(h.ten_head_id = ? OR h.building_head_id = ?)"), append(args, f.HeadID, f.HeadID)
		}
		conds, args = likeAny(conds, args, f.Q, "h.address", "h.head_name", "h.building", "h.door")
		where := " WHERE " + strings.Join(conds, " AND ")
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*) FROM gr_households h"+where, args...); err != nil {
			return err
		}
		limit, offset := limits(f.Page, f.Size)
		rows, err := tx.Query(ctx, "SELECT "+householdCols+householdFrom+where+" ORDER BY h.region_path, h.building, h.door, h.id LIMIT ? OFFSET ?",
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		ids := []int64{}
		for rows.Next() {
			h, err := scanHousehold(rows)
			if err != nil {
				return err
			}
			h.Phone = pii.MaskPhone(h.Phone)
			out = append(out, h)
			ids = append(ids, h.ID)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		tags, err := tagsByHousehold(ctx, tx, ids, s.Clock.Now())
		if err != nil {
			return err
		}
		for i := range out {
			out[i].Tags = tags[out[i].ID]
		}
		return nil
	})
	return out, int(total), err
}

// checkHousehold checks the references of in against the database: the
// region is a grid in p's scope, each head is of its kind and in p's scope.
func checkHousehold(ctx context.Context, tx *db.Tx, p *auth.Principal, in *HouseholdInput, f *errs.Fields) (path string, err error) {
	if in.RegionID > 0 {
		level, rp, _, err := regionOf(ctx, tx, p, in.RegionID)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add("region_id", "field.bad_choice")
		case err != nil:
			return "", err
		case level != "grid":
			f.Add("region_id", "grassroots.err.not_grid")
		default:
			path = rp
		}
	}
	for _, h := range []struct {
		field, kind string
		id          int64
	}{{"ten_head_id", HeadTen, in.TenHeadID}, {"building_head_id", HeadBuilding, in.BuildingHeadID}} {
		if h.id == 0 {
			continue
		}
		hd, err := loadHead(ctx, tx, p, h.id)
		if errs.Is(err, errs.NotFound) || (err == nil && string(hd.Kind) != h.kind) {
			f.Add(h.field, "field.bad_choice")
		} else if err != nil {
			return "", err
		}
	}
	return path, nil
}

// CreateHousehold adds a household to a grid in the caller's scope.
func (s *Service) CreateHousehold(ctx context.Context, p *auth.Principal, in HouseholdInput) (Household, error) {
	var h Household
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		id, err := s.createHousehold(ctx, tx, p, in)
		if err != nil {
			return err
		}
		h, err = loadHousehold(ctx, tx, p, id)
		return err
	})
	h.Phone = pii.MaskPhone(h.Phone)
	return h, err
}

func (s *Service) createHousehold(ctx context.Context, tx *db.Tx, p *auth.Principal, in HouseholdInput) (int64, error) {
	if err := canRead(p); err != nil {
		return 0, err
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f)
	path, err := checkHousehold(ctx, tx, p, &in, &f)
	if err != nil {
		return 0, err
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_households (region_id, region_path, address, building, door, head_name, phone,
		ten_head_id, building_head_id, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.RegionID, path, in.Address, in.Building, in.Door, in.HeadName, in.Phone, nullID(in.TenHeadID), nullID(in.BuildingHeadID),
		in.Note, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return 0, err
	}
	after := in
	after.Phone = pii.MaskPhone(in.Phone)
	return id, record(ctx, tx, p, now, audit.ActionCreate, "household", id, in.Address+" "+in.HeadName, nil, after)
}

// UpdateHousehold changes a household in the caller's scope.
func (s *Service) UpdateHousehold(ctx context.Context, p *auth.Principal, id int64, in HouseholdInput) (Household, error) {
	if err := canRead(p); err != nil {
		return Household{}, err
	}
	var h Household
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		old, err := loadHousehold(ctx, tx, p, id)
		if err != nil {
			return err
		}
		in.normalise()
		if in.Phone == "" {
			in.Phone = old.Phone // the form shows it masked: empty keeps it
		}
		var f errs.Fields
		in.validate(&f)
		path, err := checkHousehold(ctx, tx, p, &in, &f)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, `UPDATE gr_households SET region_id = ?, region_path = ?, address = ?, building = ?, door = ?,
			head_name = ?, phone = ?, ten_head_id = ?, building_head_id = ?, note = ?, updated_at = ? WHERE id = ?`,
			in.RegionID, path, in.Address, in.Building, in.Door, in.HeadName, in.Phone, nullID(in.TenHeadID), nullID(in.BuildingHeadID),
			in.Note, now.UnixMilli(), id); err != nil {
			return err
		}
		before := old.input()
		before.Phone = pii.MaskPhone(before.Phone)
		after := in
		after.Phone = pii.MaskPhone(in.Phone)
		if err := record(ctx, tx, p, now, audit.ActionUpdate, "household", id, in.Address+" "+in.HeadName, before, after); err != nil {
			return err
		}
		h, err = loadHousehold(ctx, tx, p, id)
		return err
	})
	h.Phone = pii.MaskPhone(h.Phone)
	return h, err
}

func (h Household) input() HouseholdInput {
	return HouseholdInput{RegionID: h.RegionID, Address: h.Address, Building: h.Building, Door: h.Door, HeadName: h.HeadName,
		Phone: h.Phone, TenHeadID: h.TenHeadID, BuildingHeadID: h.BuildingHeadID, Note: h.Note}
}

// Input is the household's stored values as an input (for an API update
// that starts from them); the phone is left empty as the caller only sees
// it masked, and an empty phone in an update keeps the stored one.
func (h Household) Input() HouseholdInput {
	in := h.input()
	in.Phone = ""
	return in
}

// DeleteHousehold removes a household with its members and tags.
func (s *Service) DeleteHousehold(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canRead(p); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		old, err := loadHousehold(ctx, tx, p, id)
		if err != nil {
			return err
		}
		for _, q := range []string{"DELETE FROM gr_tags WHERE household_id = ?", "DELETE FROM gr_people WHERE household_id = ?",
			"DELETE FROM gr_households WHERE id = ?"} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionDelete, "household", id, old.Address+" "+old.HeadName, nil, nil)
	})
}

// HouseholdPhone reveals a household's phone to a holder of contact.view
// and writes the view_contact audit entry in the same transaction.
func (s *Service) HouseholdPhone(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if err := canRead(p); err != nil {
		return "", err
	}
	var phone string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		h, err := loadHousehold(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := auth.Require(p, auth.PermContactView); err != nil {
			return err
		}
		phone = h.Phone
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionViewContact, Entity: "household",
			EntityID: audit.ID(id), Summary: h.Address + " " + h.HeadName}, nil, nil)
	})
	return phone, err
}
