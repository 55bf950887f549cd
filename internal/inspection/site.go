package inspection

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inputtext"
)

// Shape is how a site is placed: a point, or a line for a road.
type Shape string

const (
	ShapePoint Shape = "point"
	ShapeLine  Shape = "line"
)

// Key is the shape's message key.
func (s Shape) Key() string { return "inspection.shape." + string(s) }

// Site is a place that is inspected (点位).
type Site struct {
	ID           int64    `json:"id"`
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	SiteTypeID   int64    `json:"site_type_id"`
	SiteTypeName string   `json:"site_type_name"`
	Shape        Shape    `json:"shape"`
	Lat          *float64 `json:"lat"`
	Lng          *float64 `json:"lng"`
	Line         string   `json:"line"` // "lat,lng;lat,lng;…" for a line
	Address      string   `json:"address"`
	RegionID     int64    `json:"region_id"`
	RegionName   string   `json:"region_name"`
	RegionPath   string   `json:"region_path"`
	UnitID       int64    `json:"unit_id"`
	UnitName     string   `json:"unit_name"`
	UnitPath     string   `json:"-"`
	GroupID      int64    `json:"group_id"` // the supervision group covering the region (0: none)
	GroupName    string   `json:"group_name"`
	// The English names (empty: the page shows the Chinese one).
	NameEN     string    `json:"name_en"`
	SiteTypeEN string    `json:"site_type_name_en"`
	AddressEN  string    `json:"address_en"`
	RegionEN   string    `json:"region_name_en"`
	UnitEN     string    `json:"unit_name_en"`
	GroupEN    string    `json:"group_name_en"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// SiteInput is what the site form gives.
type SiteInput struct {
	Code, Name string
	SiteTypeID int64
	Shape      Shape
	Lat, Lng   *float64
	Line       string
	Address    string
	RegionID   int64
	UnitID     int64
	Active     bool
	NameEN     string // empty: English pages show Name
	AddressEN  string
}

// SiteFilter selects sites.
type SiteFilter struct {
	SiteTypeID int64
	RegionID   int64 // its subtree
	UnitID     int64
	GroupID    int64
	Q          string
	Page, Size int
}

// AllRows as a filter's Size asks for every row (exports), up to MaxExportRows.
const (
	AllRows       = -1
	MaxExportRows = 100000
)

// groupOf is the supervision group covering a region path: the one
// assigned to its nearest ancestor-or-self (org.GroupsCovering's rule).
const groupOf = `(SELECT sa.unit_id FROM supervision_areas sa JOIN regions ar ON ar.id = sa.region_id
	WHERE r.path LIKE ar.path || '%' ORDER BY LENGTH(ar.path) DESC, sa.unit_id LIMIT 1)`

// coveredBy is true when the group ? covers region path r.path: it has an
// area at an ancestor-or-self of the region with no other group's area
// between them.
const coveredBy = `EXISTS (SELECT 1 FROM supervision_areas sa JOIN regions ar ON ar.id = sa.region_id
	WHERE sa.unit_id = ? AND r.path LIKE ar.path || '%'
	AND NOT EXISTS (SELECT 1 FROM supervision_areas sb JOIN regions br ON br.id = sb.region_id
		WHERE sb.unit_id <> sa.unit_id AND r.path LIKE br.path || '%' AND br.path LIKE ar.path || '_%'))`

const siteFrom = ` FROM inspection_sites s JOIN regions r ON r.id = s.region_id JOIN units u ON u.id = s.unit_id
	JOIN inspection_site_types t ON t.id = s.site_type_id`

const siteCols = `s.id, s.code, s.name, s.site_type_id, t.name, s.shape, s.lat, s.lng, s.line, s.address,
	s.region_id, r.name, r.path, s.unit_id, u.name, u.path, COALESCE(` + groupOf + `, 0), s.active, s.created_at, s.updated_at,
	s.name_en, t.name_en, s.address_en, r.name_en, u.name_en`

func scanSite(dest func(...any) error) (Site, error) {
	var x Site
	var c, u int64
	err := dest(&x.ID, &x.Code, &x.Name, &x.SiteTypeID, &x.SiteTypeName, &x.Shape, &x.Lat, &x.Lng, &x.Line, &x.Address,
		&x.RegionID, &x.RegionName, &x.RegionPath, &x.UnitID, &x.UnitName, &x.UnitPath, &x.GroupID, &x.Active, &c, &u,
		&x.NameEN, &x.SiteTypeEN, &x.AddressEN, &x.RegionEN, &x.UnitEN)
	x.CreatedAt, x.UpdatedAt = time.UnixMilli(c), time.UnixMilli(u)
	return x, err
}

// siteVisible is who sees a site: the caller's data scope on its region
// or its unit, and the staff of the supervision group covering it. nil p
// (the system) sees every site.
func siteVisible(p *auth.Principal) (string, []any) {
	if p == nil {
		return "1=1", nil
	}
	where, args := p.Scope.Where("r.path", "u.path", "")
	if p.UnitID != 0 {
		where = "(" + where + " OR " + coveredBy + ")"
		args = append(args, p.UnitID)
	}
	return where, args
}

// ListSites returns a page of the sites the caller sees, by code.
func (s *Service) ListSites(ctx context.Context, p *auth.Principal, f SiteFilter) ([]Site, int, error) {
	if err := canView(p); err != nil {
		return nil, 0, err
	}
	where, args := siteVisible(p)
	conds := []string{where}
	if f.SiteTypeID != 0 {
		conds, args = append(conds, "s.site_type_id = ?"), append(args, f.SiteTypeID)
	}
	if f.UnitID != 0 {
		conds, args = append(conds, "s.unit_id = ?"), append(args, f.UnitID)
	}
	if f.RegionID != 0 {
		conds, args = append(conds, "r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'"), append(args, f.RegionID)
	}
	if f.GroupID != 0 {
		conds, args = append(conds, coveredBy), append(args, f.GroupID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		conds = append(conds, "(s.code LIKE ? ESCAPE '\\' OR s.name LIKE ? ESCAPE '\\' OR s.address LIKE ? ESCAPE '\\')")
		l := db.Like(q)
		args = append(args, l, l, l)
	}
	w := " WHERE " + strings.Join(conds, " AND ")
	limit, offset := f.Size, (max(f.Page, 1)-1)*f.Size
	switch {
	case f.Size == AllRows:
		limit, offset = MaxExportRows, 0
	case f.Size <= 0:
		limit, offset = 50, (max(f.Page, 1)-1)*50
	case f.Size > 500:
		limit = 500
	}
	var out []Site
	var total int
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		n, err := tx.Count(ctx, "SELECT COUNT(*)"+siteFrom+w, args...)
		if err != nil {
			return err
		}
		total = int(n)
		rows, err := tx.Query(ctx, "SELECT "+siteCols+siteFrom+w+" ORDER BY s.code LIMIT "+strconv.Itoa(limit)+" OFFSET "+strconv.Itoa(offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanSite(rows.Scan)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return groupNames(ctx, tx, out)
	})
	return out, total, err
}

func groupNames(ctx context.Context, tx *db.Tx, sites []Site) error {
	names := map[int64][2]string{}
	for i := range sites {
		id := sites[i].GroupID
		if id == 0 {
			continue
		}
		if _, ok := names[id]; !ok {
			var n, en string
			if err := tx.Get(ctx, "entity.unit", "SELECT name, name_en FROM units WHERE id = ?", []any{id}, &n, &en); err != nil {
				return err
			}
			names[id] = [2]string{n, en}
		}
		sites[i].GroupName, sites[i].GroupEN = names[id][0], names[id][1]
	}
	return nil
}

func getSite(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Site, error) {
	where, args := siteVisible(p)
	x, err := scanSite(func(d ...any) error {
		return tx.Get(ctx, "inspection.entity.site", "SELECT "+siteCols+siteFrom+" WHERE s.id = ? AND "+where, append([]any{id}, args...), d...)
	})
	if err != nil {
		return x, err
	}
	one := []Site{x}
	err = groupNames(ctx, tx, one)
	return one[0], err
}

// GetSite returns one site the caller sees.
func (s *Service) GetSite(ctx context.Context, p *auth.Principal, id int64) (Site, error) {
	if err := canView(p); err != nil {
		return Site{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Site, error) { return getSite(ctx, tx, p, id) })
}

// MaxLinePoints bounds a line's vertices.
const MaxLinePoints = 200

// ParseLine reads "lat,lng;lat,lng;…": at least two points, each a valid
// coordinate, at most MaxLinePoints. It returns the normalised text.
func ParseLine(s string) (string, bool) {
	parts := strings.Split(strings.TrimSpace(s), ";")
	if len(parts) < 2 || len(parts) > MaxLinePoints {
		return "", false
	}
	out := make([]string, 0, len(parts))
	for _, pt := range parts {
		ll := strings.Split(strings.TrimSpace(pt), ",")
		if len(ll) != 2 {
			return "", false
		}
		lat, err1 := inputtext.Decimal(strings.TrimSpace(ll[0]))
		lng, err2 := inputtext.Decimal(strings.TrimSpace(ll[1]))
		if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lng < -180 || lng > 180 {
			return "", false
		}
		out = append(out, strconv.FormatFloat(lat, 'f', -1, 64)+","+strconv.FormatFloat(lng, 'f', -1, 64))
	}
	return strings.Join(out, ";"), true
}

func checkSite(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, in *SiteInput) error {
	in.Code, in.Name, in.Address = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	var f errs.Fields
	checkCode(&f, "code", in.Code)
	checkLen(&f, "name", in.Name, 100, true)
	checkLen(&f, "address", in.Address, 200, false)
	in.NameEN, in.AddressEN = strings.TrimSpace(in.NameEN), strings.TrimSpace(in.AddressEN)
	checkLen(&f, "name_en", in.NameEN, 100, false)
	checkLen(&f, "address_en", in.AddressEN, 200, false)
	switch in.Shape {
	case ShapePoint:
		in.Line = ""
		if in.Lat == nil || *in.Lat < -90 || *in.Lat > 90 {
			f.Add("lat", "field.out_of_range", -90, 90)
		}
		if in.Lng == nil || *in.Lng < -180 || *in.Lng > 180 {
			f.Add("lng", "field.out_of_range", -180, 180)
		}
	case ShapeLine:
		line, ok := ParseLine(in.Line)
		if !ok {
			f.Add("line", "inspection.site.bad_line", MaxLinePoints)
		} else {
			in.Line = line
			// The line's first point places it on the map and for the GPS check.
			ll := strings.Split(strings.Split(line, ";")[0], ",")
			lat, _ := strconv.ParseFloat(ll[0], 64)
			lng, _ := strconv.ParseFloat(ll[1], 64)
			in.Lat, in.Lng = &lat, &lng
		}
	default:
		f.Add("shape", "field.bad_choice")
	}
	if in.SiteTypeID == 0 {
		f.Add("site_type_id", "field.required")
	} else if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_site_types WHERE id = ?", in.SiteTypeID); err != nil {
		return err
	} else if n == 0 {
		f.Add("site_type_id", "field.bad_choice")
	}
	var regionPath, unitPath string
	if in.RegionID == 0 {
		f.Add("region_id", "field.required")
	} else if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{in.RegionID}, &regionPath); err != nil || (p != nil && !p.Scope.Contains(regionPath, "", 0)) {
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		f.Add("region_id", "field.bad_choice")
	}
	if in.UnitID == 0 {
		f.Add("unit_id", "field.required")
	} else if err := tx.Get(ctx, "entity.unit", "SELECT path FROM units WHERE id = ?", []any{in.UnitID}, &unitPath); err != nil {
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		f.Add("unit_id", "field.bad_choice")
	}
	if in.Code != "" {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_sites WHERE code = ? AND id <> ?", in.Code, id)
		if err != nil {
			return err
		}
		f.Check(n == 0, "code", "inspection.code_taken")
	}
	return f.Err()
}

// SaveSite creates (id 0) or changes a site.
func (s *Service) SaveSite(ctx context.Context, p *auth.Principal, id int64, in SiteInput) (Site, error) {
	if err := canManage(p); err != nil {
		return Site{}, err
	}
	now := s.now().UnixMilli()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Site, error) {
		var before Site
		var err error
		if id != 0 {
			if before, err = getSite(ctx, tx, p, id); err != nil {
				return before, err
			}
		}
		if err := checkSite(ctx, tx, p, id, &in); err != nil {
			return before, err
		}
		if id == 0 {
			id, err = insertSite(ctx, tx, in, now)
		} else {
			_, err = tx.Exec(ctx, `UPDATE inspection_sites SET code = ?, name = ?, site_type_id = ?, shape = ?, lat = ?, lng = ?, line = ?,
				address = ?, region_id = ?, unit_id = ?, active = ?, updated_at = ?, name_en = ?, address_en = ? WHERE id = ?`, in.Code, in.Name, in.SiteTypeID, string(in.Shape),
				in.Lat, in.Lng, in.Line, in.Address, in.RegionID, in.UnitID, in.Active, now, in.NameEN, in.AddressEN, id)
		}
		if err != nil {
			return before, err
		}
		after, err := getSite(ctx, tx, nil, id)
		if err != nil {
			return after, err
		}
		action, b := "update", any(before)
		if before.ID == 0 {
			action, b = "create", nil
		}
		return after, record(ctx, tx, p, time.UnixMilli(now), action, "inspection_site", id, after.Code+" "+after.Name, b, after)
	})
}

func insertSite(ctx context.Context, tx *db.Tx, in SiteInput, now int64) (int64, error) {
	return tx.InsertID(ctx, `INSERT INTO inspection_sites (code, name, site_type_id, shape, lat, lng, line, address, region_id, unit_id, active, created_at, updated_at, name_en, address_en)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Code, in.Name, in.SiteTypeID, string(in.Shape),
		in.Lat, in.Lng, in.Line, in.Address, in.RegionID, in.UnitID, in.Active, now, now, in.NameEN, in.AddressEN)
}

// DeleteSite removes a site.
func (s *Service) DeleteSite(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canManage(p); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		x, err := getSite(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM inspection_sites WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "delete", "inspection_site", id, x.Code+" "+x.Name, x, nil)
	})
}

// Counts are the home page's figures: sites the caller sees, site types, and indicators in force.
func (s *Service) Counts(ctx context.Context, p *auth.Principal) (sites, types int, err error) {
	if err := canView(p); err != nil {
		return 0, 0, err
	}
	where, args := siteVisible(p)
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		n, err := tx.Count(ctx, "SELECT COUNT(*)"+siteFrom+" WHERE s.active = TRUE AND "+where, args...)
		if err != nil {
			return err
		}
		m, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_site_types WHERE active = TRUE")
		sites, types = int(n), int(m)
		return err
	})
	return
}
