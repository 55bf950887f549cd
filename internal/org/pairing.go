package org

import (
	"context"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Pairing (结对共建) joins a unit to a community it helps.
type Pairing struct {
	ID           int64     `json:"id"`
	UnitID       int64     `json:"unit_id"`
	RegionID     int64     `json:"region_id"`  // a community
	StartedOn    string    `json:"started_on"` // YYYY-MM-DD, or ""
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
	UnitCode     string    `json:"unit_code"`
	UnitName     string    `json:"unit_name"`
	RegionCode   string    `json:"region_code"`
	RegionName   string    `json:"region_name"`
	RegionPath   string    `json:"region_path"`
	UnitNameEN   string    `json:"unit_name_en"`
	RegionNameEN string    `json:"region_name_en"`
}

// PairingInput creates a pairing.
type PairingInput struct {
	UnitID    int64  `json:"unit_id"`
	RegionID  int64  `json:"region_id"`
	StartedOn string `json:"started_on"`
	Note      string `json:"note"`
}

// PairingUpdate is what may change on a pairing: the unit and the
// community are its identity.
type PairingUpdate struct {
	StartedOn string `json:"started_on"`
	Note      string `json:"note"`
}

// PairingFilter selects pairings for a list.
type PairingFilter struct {
	UnitID   int64
	RegionID int64  // communities in this region's subtree
	Q        string // part of the unit's or the community's name or code
	Page     int    // from 1
	Size     int    // 0: DefaultPageSize; AllRows: everything (exports)
}

func (in *PairingUpdate) normalise() {
	in.StartedOn = strings.TrimSpace(in.StartedOn)
	in.Note = strings.TrimSpace(in.Note)
}

func (in *PairingUpdate) validate(f *errs.Fields) {
	if in.StartedOn != "" {
		if _, err := time.Parse(time.DateOnly, in.StartedOn); err != nil {
			f.Add("started_on", "field.bad_date")
		}
	}
	checkLen(f, "note", in.Note, MaxNoteLen, false)
}

const pairingCols = `pr.id, pr.unit_id, pr.region_id, pr.started_on, pr.note, pr.created_at, u.code, u.name, cr.code, cr.name, cr.path, u.name_en, cr.name_en`

const pairingFrom = ` FROM pairings pr JOIN units u ON u.id = pr.unit_id JOIN regions ur ON ur.id = u.region_id
	JOIN regions cr ON cr.id = pr.region_id`

func (x *Pairing) dest(created *int64) []any {
	return []any{&x.ID, &x.UnitID, &x.RegionID, &x.StartedOn, &x.Note, created, &x.UnitCode, &x.UnitName, &x.RegionCode, &x.RegionName, &x.RegionPath, &x.UnitNameEN, &x.RegionNameEN}
}

// pairingScope: a pairing is visible when its unit or its community is.
func pairingScope(p *auth.Principal) (string, []any) {
	if p == nil {
		return "1=1", nil
	}
	w1, a1 := p.Scope.Where("ur.path", "u.path", "")
	w2, a2 := p.Scope.Where("cr.path", "", "")
	return "(" + w1 + " OR " + w2 + ")", append(a1, a2...)
}

func getPairing(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Pairing, error) {
	where, args := pairingScope(p)
	var x Pairing
	var created int64
	err := tx.Get(ctx, "entity.pairing", "SELECT "+pairingCols+pairingFrom+" WHERE pr.id = ? AND "+where,
		append([]any{id}, args...), x.dest(&created)...)
	x.CreatedAt = ms(created)
	return x, err
}

func (x *Pairing) audited() map[string]any {
	return map[string]any{"unit_id": x.UnitID, "region_id": x.RegionID, "started_on": x.StartedOn, "note": x.Note}
}

func (x *Pairing) summary() string { return x.UnitCode + " → " + x.RegionCode }

// GetPairing returns one pairing whose unit or community is in scope.
func (s *Service) GetPairing(ctx context.Context, p *auth.Principal, id int64) (Pairing, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return Pairing{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Pairing, error) { return getPairing(ctx, tx, p, id) })
}

// ListPairings returns a page of the pairings in scope that match f,
// ordered by community then unit, and how many match in all.
func (s *Service) ListPairings(ctx context.Context, p *auth.Principal, f PairingFilter) ([]Pairing, int, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return nil, 0, err
	}
	where, args := pairingScope(p)
	conds := []string{where}
	if f.UnitID != 0 {
		conds = append(conds, "pr.unit_id = ?")
		args = append(args, f.UnitID)
	}
	if f.RegionID != 0 {
		conds = append(conds, "cr.path LIKE (SELECT fr.path FROM regions fr WHERE fr.id = ?) || '%'")
		args = append(args, f.RegionID)
	}
	conds, args = likeAny(conds, args, f.Q, "u.name", "u.code", "cr.name", "cr.code")
	cond := strings.Join(conds, " AND ")
	limit, offset := limits(f.Page, f.Size)
	var items []Pairing
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*)"+pairingFrom+" WHERE "+cond, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+pairingCols+pairingFrom+" WHERE "+cond+
			" ORDER BY cr.code, u.code, pr.id LIMIT ? OFFSET ?", append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x Pairing
			var created int64
			if err := rows.Scan(x.dest(&created)...); err != nil {
				return err
			}
			x.CreatedAt = ms(created)
			items = append(items, x)
		}
		return rows.Err()
	})
	return items, int(total), err
}

// CreatePairing pairs a unit with a community, both in the writer's scope.
// A second pairing of the same two is errs.Conflict "pairing.exists".
func (s *Service) CreatePairing(ctx context.Context, p *auth.Principal, in PairingInput) (Pairing, error) {
	if err := canWrite(p); err != nil {
		return Pairing{}, err
	}
	upd := PairingUpdate{StartedOn: in.StartedOn, Note: in.Note}
	upd.normalise()
	var f errs.Fields
	f.Check(in.UnitID != 0, "unit_id", "field.required")
	f.Check(in.RegionID != 0, "region_id", "field.required")
	upd.validate(&f)
	var out Pairing
	err := s.write(ctx, func(tx *db.Tx) error {
		if in.UnitID != 0 {
			_, err := getUnit(ctx, tx, p, in.UnitID)
			if errs.Is(err, errs.NotFound) {
				f.Add("unit_id", "field.bad_choice")
			} else if err != nil {
				return err
			}
		}
		if in.RegionID != 0 {
			r, err := getRegion(ctx, tx, p, in.RegionID)
			switch {
			case errs.Is(err, errs.NotFound):
				f.Add("region_id", "field.bad_choice")
			case err != nil:
				return err
			case r.Level != LevelCommunity:
				f.Add("region_id", "pairing.not_community")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM pairings WHERE unit_id = ? AND region_id = ?", in.UnitID, in.RegionID)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "pairing.exists")
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO pairings (unit_id, region_id, started_on, note, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			in.UnitID, in.RegionID, upd.StartedOn, upd.Note, now.UnixMilli())
		if err != nil {
			return err
		}
		if out, err = getPairing(ctx, tx, nil, id); err != nil {
			return err
		}
		return record(ctx, tx, p, now, audit.ActionCreate, "pairing", id, out.summary(), nil, out.audited())
	})
	return out, err
}

// UpdatePairing changes the start date and the note of a pairing in scope.
func (s *Service) UpdatePairing(ctx context.Context, p *auth.Principal, id int64, in PairingUpdate) (Pairing, error) {
	if err := canWrite(p); err != nil {
		return Pairing{}, err
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f)
	var out Pairing
	err := s.write(ctx, func(tx *db.Tx) error {
		old, err := getPairing(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE pairings SET started_on = ?, note = ? WHERE id = ?", in.StartedOn, in.Note, id); err != nil {
			return err
		}
		out = old
		out.StartedOn, out.Note = in.StartedOn, in.Note
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionUpdate, "pairing", id, old.summary(), old.audited(), out.audited())
	})
	return out, err
}

// DeletePairing ends a pairing in scope.
func (s *Service) DeletePairing(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canWrite(p); err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		old, err := getPairing(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM pairings WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionDelete, "pairing", id, old.summary(), old.audited(), nil)
	})
}
