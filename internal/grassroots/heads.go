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

// Kinds of heads.
const (
	HeadTen      = "ten_household" // 十户长
	HeadBuilding = "building"      // 楼栋长
)

// HeadKinds lists the kinds.
var HeadKinds = []string{HeadTen, HeadBuilding}

// Head is a ten-household head or a building head of a grid, responsible
// for the households that name them.
type Head struct {
	ID           int64     `json:"id"`
	RegionID     int64     `json:"region_id"`
	RegionPath   string    `json:"region_path"`
	RegionName   string    `json:"region_name"`
	RegionNameEN string    `json:"region_name_en"`
	Kind         string    `json:"kind"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"` // masked
	Households   int       `json:"households"`
	CreatedAt    time.Time `json:"created_at"`
}

// HeadInput is a new head.
type HeadInput struct {
	RegionID int64  `json:"region_id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
}

const headCols = `d.id, d.region_id, d.region_path, r.name, r.name_en, d.kind, d.name, d.phone,
	(SELECT COUNT(*) FROM gr_households h WHERE h.ten_head_id = d.id OR h.building_head_id = d.id), d.created_at`

func scanHead(sc interface{ Scan(...any) error }) (Head, error) {
	var d Head
	var c int64
	err := sc.Scan(&d.ID, &d.RegionID, &d.RegionPath, &d.RegionName, &d.RegionNameEN, &d.Kind, &d.Name, &d.Phone, &d.Households, &c)
	d.CreatedAt, d.Phone = time.UnixMilli(c), pii.MaskPhone(d.Phone)
	return d, err
}

func loadHead(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Head, error) {
	w, args := scopeWhere(p, "d.region_path")
	rows, err := tx.Query(ctx, "SELECT "+headCols+" FROM gr_heads d JOIN regions r ON r.id = d.region_id WHERE d.id = ? AND "+w,
		append([]any{id}, args...)...)
	if err != nil {
		return Head{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Head{}, err
		}
		return Head{}, errs.NotFoundf("entity.head")
	}
	return scanHead(rows)
}

// Heads lists the heads in the caller's scope (regionID 0: all of it).
func (s *Service) Heads(ctx context.Context, p *auth.Principal, regionID int64) ([]Head, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Head
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "d.region_path")
		if regionID > 0 {
			_, path, _, err := regionOf(ctx, tx, p, regionID)
			if err != nil {
				return err
			}
			u, ua := under("d.region_path", path)
			w, args = w+" AND "+u, append(args, ua...)
		}
		rows, err := tx.Query(ctx, "SELECT "+headCols+" FROM gr_heads d JOIN regions r ON r.id = d.region_id WHERE "+w+
			" ORDER BY d.region_path, d.kind, d.name, d.id LIMIT 2000", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanHead(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// GetHead returns a head in the caller's scope.
func (s *Service) GetHead(ctx context.Context, p *auth.Principal, id int64) (Head, error) {
	if err := canRead(p); err != nil {
		return Head{}, err
	}
	var d Head
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		d, err = loadHead(ctx, tx, p, id)
		return err
	})
	return d, err
}

// CreateHead adds a ten-household or building head to a grid.
func (s *Service) CreateHead(ctx context.Context, p *auth.Principal, in HeadInput) (Head, error) {
	if err := canRead(p); err != nil {
		return Head{}, err
	}
	var d Head
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		id, err := s.createHead(ctx, tx, p, in)
		if err != nil {
			return err
		}
		d, err = loadHead(ctx, tx, p, id)
		return err
	})
	return d, err
}

func (s *Service) createHead(ctx context.Context, tx *db.Tx, p *auth.Principal, in HeadInput) (int64, error) {
	in.Kind, in.Name, in.Phone = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
	var f errs.Fields
	if in.Kind != HeadTen && in.Kind != HeadBuilding {
		f.Add("kind", "field.bad_choice")
	}
	checkLen(&f, "name", in.Name, MaxNameLen, true)
	if in.Phone != "" {
		if c, ok := pii.NormalisePhone(in.Phone); ok {
			in.Phone = c
		} else {
			f.Add("phone", "field.bad_phone")
		}
	}
	var path string
	if in.RegionID <= 0 {
		f.Add("region_id", "field.required")
	} else {
		level, rp, _, err := regionOf(ctx, tx, p, in.RegionID)
		switch {
		case errs.Is(err, errs.NotFound):
			f.Add("region_id", "field.bad_choice")
		case err != nil:
			return 0, err
		case level != "grid":
			f.Add("region_id", "grassroots.err.not_grid")
		}
		path = rp
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, "INSERT INTO gr_heads (region_id, region_path, kind, name, phone, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		in.RegionID, path, in.Kind, in.Name, in.Phone, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "head", id, in.Name, nil, map[string]any{"kind": in.Kind, "name": in.Name,
		"region_id": in.RegionID, "phone": pii.MaskPhone(in.Phone)})
}

// DeleteHead removes a head; their households keep no head of that kind.
func (s *Service) DeleteHead(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canRead(p); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		d, err := loadHead(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE gr_households SET ten_head_id = NULL WHERE ten_head_id = ?", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE gr_households SET building_head_id = NULL WHERE building_head_id = ?", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM gr_heads WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionDelete, "head", id, d.Name, nil, nil)
	})
}
