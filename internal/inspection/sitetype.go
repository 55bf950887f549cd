package inspection

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// SiteType is a kind of site (点位类型) with its checklist.
type SiteType struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	NameEN    string    `json:"name_en"`
	Active    bool      `json:"active"`
	Sort      int       `json:"sort"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Items     int       `json:"items"` // check items
	Sites     int       `json:"sites"`
	Points    Points    `json:"points_centi"` // the checklist's points summed
}

// Severity decides how long a unit has to rectify a finding.
type Severity string

const (
	SeverityMinor   Severity = "minor"
	SeverityNormal  Severity = "normal"
	SeveritySerious Severity = "serious"
)

// Severities lists them from the mildest.
var Severities = []Severity{SeverityMinor, SeverityNormal, SeveritySerious}

// Valid reports whether s is known.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Key is the severity's message key.
func (s Severity) Key() string { return "inspection.severity." + string(s) }

// CheckItem is one line of a site type's checklist (检查项).
type CheckItem struct {
	ID            int64    `json:"id"`
	SiteTypeID    int64    `json:"site_type_id"`
	IndicatorCode string   `json:"indicator_code"`
	IndicatorName string   `json:"indicator_name"` // from the index in force ("" when it has none)
	Title         string   `json:"title"`
	Rule          string   `json:"rule"`
	Points        Points   `json:"points_centi"`
	Deduct        Points   `json:"deduct_centi"` // per finding
	Cap           Points   `json:"cap_centi"`    // the most the findings may take
	Severity      Severity `json:"severity"`
	AllowNA       bool     `json:"allow_na"`
	Sort          int      `json:"sort"`
	TitleEN       string   `json:"title_en"` // empty: the page shows Title
	RuleEN        string   `json:"rule_en"`
	IndicatorEN   string   `json:"indicator_name_en"`
}

// SiteTypeInput is what the site-type form gives.
type SiteTypeInput struct {
	Code, Name, NameEN string
	Active             bool
	Sort               int
}

// CheckItemInput is what the check-item form gives.
type CheckItemInput struct {
	IndicatorCode, Title, Rule string
	TitleEN, RuleEN            string
	Points, Deduct, Cap        Points
	Severity                   Severity
	AllowNA                    bool
	Sort                       int
}

const siteTypeCols = `t.id, t.code, t.name, t.name_en, t.active, t.sort, t.created_at, t.updated_at,
	(SELECT COUNT(*) FROM inspection_check_items c WHERE c.site_type_id = t.id),
	(SELECT COUNT(*) FROM inspection_sites s WHERE s.site_type_id = t.id),
	COALESCE((SELECT SUM(c.points) FROM inspection_check_items c WHERE c.site_type_id = t.id), 0)`

func scanSiteType(dest func(...any) error) (SiteType, error) {
	var t SiteType
	var c, u int64
	err := dest(&t.ID, &t.Code, &t.Name, &t.NameEN, &t.Active, &t.Sort, &c, &u, &t.Items, &t.Sites, &t.Points)
	t.CreatedAt, t.UpdatedAt = time.UnixMilli(c), time.UnixMilli(u)
	return t, err
}

// ListSiteTypes returns the site types by sort and code.
func (s *Service) ListSiteTypes(ctx context.Context, p *auth.Principal) ([]SiteType, error) {
	if err := canView(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]SiteType, error) {
		rows, err := tx.Query(ctx, "SELECT "+siteTypeCols+" FROM inspection_site_types t ORDER BY t.sort, t.code")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []SiteType
		for rows.Next() {
			t, err := scanSiteType(rows.Scan)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, rows.Err()
	})
}

func getSiteType(ctx context.Context, tx *db.Tx, id int64) (SiteType, error) {
	return scanSiteType(func(d ...any) error {
		return tx.Get(ctx, "inspection.entity.site_type", "SELECT "+siteTypeCols+" FROM inspection_site_types t WHERE t.id = ?", []any{id}, d...)
	})
}

// GetSiteType returns one site type.
func (s *Service) GetSiteType(ctx context.Context, p *auth.Principal, id int64) (SiteType, error) {
	if err := canView(p); err != nil {
		return SiteType{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (SiteType, error) { return getSiteType(ctx, tx, id) })
}

func checkSiteType(ctx context.Context, tx *db.Tx, id int64, in *SiteTypeInput) error {
	in.Code, in.Name, in.NameEN = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEN)
	var f errs.Fields
	checkCode(&f, "code", in.Code)
	checkLen(&f, "name", in.Name, 100, true)
	checkLen(&f, "name_en", in.NameEN, 100, false)
	if in.Sort < 0 || in.Sort > 100000 {
		f.Add("sort", "field.out_of_range", 0, 100000)
	}
	if in.Code != "" {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_site_types WHERE code = ? AND id <> ?", in.Code, id)
		if err != nil {
			return err
		}
		f.Check(n == 0, "code", "inspection.code_taken")
	}
	return f.Err()
}

// SaveSiteType creates (id 0) or changes a site type.
func (s *Service) SaveSiteType(ctx context.Context, p *auth.Principal, id int64, in SiteTypeInput) (SiteType, error) {
	if err := canManage(p); err != nil {
		return SiteType{}, err
	}
	now := s.now().UnixMilli()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (SiteType, error) {
		var before SiteType
		var err error
		if id != 0 {
			if before, err = getSiteType(ctx, tx, id); err != nil {
				return before, err
			}
		}
		if err := checkSiteType(ctx, tx, id, &in); err != nil {
			return before, err
		}
		if id == 0 {
			id, err = tx.InsertID(ctx, `INSERT INTO inspection_site_types (code, name, name_en, active, sort, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Code, in.Name, in.NameEN, in.Active, in.Sort, now, now)
		} else {
			_, err = tx.Exec(ctx, `UPDATE inspection_site_types SET code = ?, name = ?, name_en = ?, active = ?, sort = ?, updated_at = ? WHERE id = ?`,
				in.Code, in.Name, in.NameEN, in.Active, in.Sort, now, id)
		}
		if err != nil {
			return before, err
		}
		after, err := getSiteType(ctx, tx, id)
		if err != nil {
			return after, err
		}
		action, b := "update", any(before)
		if before.ID == 0 {
			action, b = "create", nil
		}
		return after, record(ctx, tx, p, time.UnixMilli(now), action, "inspection_site_type", id, after.Code+" "+after.Name, b, after)
	})
}

// DeleteSiteType removes a site type no site uses, with its checklist.
func (s *Service) DeleteSiteType(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canManage(p); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		t, err := getSiteType(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Sites > 0 {
			return errs.E(errs.Conflict, "inspection.site_type.in_use", t.Sites)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM inspection_check_items WHERE site_type_id = ?", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM inspection_site_types WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "delete", "inspection_site_type", id, t.Code+" "+t.Name, t, nil)
	})
}

const itemCols = `id, site_type_id, indicator_code, title, rule, points, deduct, cap, severity, allow_na, sort, title_en, rule_en`

func scanItem(dest func(...any) error) (CheckItem, error) {
	var c CheckItem
	err := dest(&c.ID, &c.SiteTypeID, &c.IndicatorCode, &c.Title, &c.Rule, &c.Points, &c.Deduct, &c.Cap, &c.Severity, &c.AllowNA, &c.Sort, &c.TitleEN, &c.RuleEN)
	return c, err
}

func checkItems(ctx context.Context, tx *db.Tx, typeID int64) ([]CheckItem, error) {
	rows, err := tx.Query(ctx, "SELECT "+itemCols+" FROM inspection_check_items WHERE site_type_id = ? ORDER BY sort, id", typeID)
	if err != nil {
		return nil, err
	}
	var out []CheckItem
	for rows.Next() {
		c, err := scanItem(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	inds, err := activeIndicators(tx)
	if err != nil {
		return nil, err
	}
	names := map[string]Node{}
	for _, n := range inds {
		names[n.Code] = n
	}
	for i := range out {
		n := names[out[i].IndicatorCode]
		out[i].IndicatorName, out[i].IndicatorEN = n.Name, n.NameEN
	}
	return out, nil
}

// CheckItems returns a site type's checklist in order.
func (s *Service) CheckItems(ctx context.Context, p *auth.Principal, typeID int64) ([]CheckItem, error) {
	if err := canView(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]CheckItem, error) {
		if _, err := getSiteType(ctx, tx, typeID); err != nil {
			return nil, err
		}
		return checkItems(ctx, tx, typeID)
	})
}

func getItem(ctx context.Context, tx *db.Tx, typeID, id int64) (CheckItem, error) {
	return scanItem(func(d ...any) error {
		return tx.Get(ctx, "inspection.entity.check_item", "SELECT "+itemCols+" FROM inspection_check_items WHERE id = ? AND site_type_id = ?", []any{id, typeID}, d...)
	})
}

// GetCheckItem returns one check item of a site type.
func (s *Service) GetCheckItem(ctx context.Context, p *auth.Principal, typeID, id int64) (CheckItem, error) {
	if err := canView(p); err != nil {
		return CheckItem{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (CheckItem, error) { return getItem(ctx, tx, typeID, id) })
}

// CheckItemRules are a check item's own rules: an indicator or content of
// the index in force, a title and a measurable rule, points above zero, a
// deduction per finding above zero and no more than the cap, and a cap no
// more than the item's points.
func CheckItemRules(in *CheckItemInput, indicators map[string]bool) error {
	in.IndicatorCode, in.Title, in.Rule = strings.TrimSpace(in.IndicatorCode), strings.TrimSpace(in.Title), strings.TrimSpace(in.Rule)
	var f errs.Fields
	if in.IndicatorCode == "" {
		f.Add("indicator_code", "field.required")
	} else if !indicators[in.IndicatorCode] {
		f.Add("indicator_code", "inspection.item.unknown_indicator")
	}
	checkLen(&f, "title", in.Title, 100, true)
	checkLen(&f, "rule", in.Rule, 500, true)
	in.TitleEN, in.RuleEN = strings.TrimSpace(in.TitleEN), strings.TrimSpace(in.RuleEN)
	checkLen(&f, "title_en", in.TitleEN, 100, false)
	checkLen(&f, "rule_en", in.RuleEN, 500, false)
	f.Check(in.Points > 0, "points", "inspection.tree.points_positive")
	f.Check(in.Deduct > 0, "deduct", "inspection.tree.points_positive")
	if in.Cap <= 0 {
		f.Add("cap", "inspection.tree.points_positive")
	} else if in.Points > 0 && in.Cap > in.Points {
		f.Add("cap", "inspection.item.cap_over_points", in.Points.String())
	} else if in.Deduct > in.Cap {
		f.Add("deduct", "inspection.item.deduct_over_cap", in.Cap.String())
	}
	if !in.Severity.Valid() {
		f.Add("severity", "field.bad_choice")
	}
	if in.Sort < 0 || in.Sort > 100000 {
		f.Add("sort", "field.out_of_range", 0, 100000)
	}
	return f.Err()
}

// SaveCheckItem creates (id 0) or changes a check item.
func (s *Service) SaveCheckItem(ctx context.Context, p *auth.Principal, typeID, id int64, in CheckItemInput) (CheckItem, error) {
	if err := canManage(p); err != nil {
		return CheckItem{}, err
	}
	now := s.now().UnixMilli()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (CheckItem, error) {
		t, err := getSiteType(ctx, tx, typeID)
		if err != nil {
			return CheckItem{}, err
		}
		var before CheckItem
		if id != 0 {
			if before, err = getItem(ctx, tx, typeID, id); err != nil {
				return before, err
			}
		}
		inds, err := activeIndicators(tx)
		if err != nil {
			return before, err
		}
		known := map[string]bool{}
		for _, n := range inds {
			known[n.Code] = true
		}
		if id != 0 {
			known[before.IndicatorCode] = true // an unchanged tie to a retired code stays
		}
		if err := CheckItemRules(&in, known); err != nil {
			return before, err
		}
		if id == 0 {
			id, err = tx.InsertID(ctx, `INSERT INTO inspection_check_items (site_type_id, indicator_code, title, rule, points, deduct, cap, severity, allow_na, sort, created_at, updated_at, title_en, rule_en)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, typeID, in.IndicatorCode, in.Title, in.Rule,
				int64(in.Points), int64(in.Deduct), int64(in.Cap), string(in.Severity), in.AllowNA, in.Sort, now, now, in.TitleEN, in.RuleEN)
		} else {
			_, err = tx.Exec(ctx, `UPDATE inspection_check_items SET indicator_code = ?, title = ?, rule = ?, points = ?, deduct = ?, cap = ?,
				severity = ?, allow_na = ?, sort = ?, updated_at = ?, title_en = ?, rule_en = ? WHERE id = ?`, in.IndicatorCode, in.Title, in.Rule,
				int64(in.Points), int64(in.Deduct), int64(in.Cap), string(in.Severity), in.AllowNA, in.Sort, now, in.TitleEN, in.RuleEN, id)
		}
		if err != nil {
			return before, err
		}
		after, err := getItem(ctx, tx, typeID, id)
		if err != nil {
			return after, err
		}
		action, b := "update", any(before)
		if before.ID == 0 {
			action, b = "create", nil
		}
		return after, record(ctx, tx, p, time.UnixMilli(now), action, "inspection_check_item", id, t.Code+" "+after.Title, b, after)
	})
}

// DeleteCheckItem removes a check item.
func (s *Service) DeleteCheckItem(ctx context.Context, p *auth.Principal, typeID, id int64) error {
	if err := canManage(p); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		c, err := getItem(ctx, tx, typeID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM inspection_check_items WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "delete", "inspection_check_item", id, c.Title, c, nil)
	})
}
