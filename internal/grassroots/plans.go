package grassroots

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Rule is a visit plan's rule, stored in the plan's row: which households
// (those with Tag in force, or every household when Tag is empty) and how
// often (Every: once a month, once a quarter, or once in the period).
// "Every monitored household once a month" is Rule{Tag: "monitored",
// Every: "month"}; "every household of the village this quarter" is
// Rule{Every: "once"} over the quarter.
type Rule struct {
	Tag   string `json:"tag"`
	Every string `json:"every"`
}

// Everies are the repeat kinds.
var Everies = []string{"month", "quarter", "once"}

// Window is one due window of a plan: a household is due once in it.
type Window struct{ From, To string }

// Windows splits the period [start, end] (days) by the rule's repeat: each
// calendar month's or quarter's part of the period, or the whole period.
func (r Rule) Windows(start, end string) []Window {
	a, err1 := time.ParseInLocation(time.DateOnly, start, clock.CST)
	b, err2 := time.ParseInLocation(time.DateOnly, end, clock.CST)
	if err1 != nil || err2 != nil || b.Before(a) {
		return nil
	}
	months := map[string]int{"month": 1, "quarter": 3}[r.Every]
	if months == 0 {
		return []Window{{start, end}}
	}
	var out []Window
	// The first window starts at the calendar month (or quarter) that holds start.
	m := int(a.Month()) - 1
	m -= m % months
	cur := time.Date(a.Year(), time.Month(m+1), 1, 0, 0, 0, 0, clock.CST)
	for !cur.After(b) {
		next := cur.AddDate(0, months, 0)
		from, to := cur, next.AddDate(0, 0, -1)
		if from.Before(a) {
			from = a
		}
		if to.After(b) {
			to = b
		}
		out = append(out, Window{from.Format(time.DateOnly), to.Format(time.DateOnly)})
		cur = next
	}
	return out
}

// Plan is a visit plan of a region.
type Plan struct {
	ID           int64  `json:"id"`
	RegionID     int64  `json:"region_id"`
	RegionPath   string `json:"region_path"`
	RegionName   string `json:"region_name"`
	RegionNameEN string `json:"region_name_en"`
	Name         string `json:"name"`
	Rule         Rule   `json:"rule"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	Items        int    `json:"items"`
	Done         int    `json:"done"`
}

// PlanInput is a new plan.
type PlanInput struct {
	RegionID int64  `json:"region_id"`
	Name     string `json:"name"`
	Rule     Rule   `json:"rule"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

// PlanItem is one household due in one window.
type PlanItem struct {
	ID          int64  `json:"id"`
	HouseholdID int64  `json:"household_id"`
	Household   string `json:"household"`
	DueFrom     string `json:"due_from"`
	DueOn       string `json:"due_on"`
	VisitID     int64  `json:"visit_id"`
}

func (in *PlanInput) validate(f *errs.Fields, kinds []TagKind) {
	in.Name, in.StartsOn, in.EndsOn = strings.TrimSpace(in.Name), strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.EndsOn)
	checkLen(f, "name", in.Name, 100, true)
	f.Check(in.RegionID > 0, "region_id", "field.required")
	if !slices.Contains(Everies, in.Rule.Every) {
		f.Add("every", "field.bad_choice")
	}
	if in.Rule.Tag != "" && !slices.ContainsFunc(kinds, func(k TagKind) bool { return k.Code == in.Rule.Tag }) {
		f.Add("tag", "field.bad_choice")
	}
	if !validDay(in.StartsOn) {
		f.Add("starts_on", "field.bad_date")
	}
	if !validDay(in.EndsOn) {
		f.Add("ends_on", "field.bad_date")
	} else if in.EndsOn < in.StartsOn {
		f.Add("ends_on", "grassroots.err.end_before_start")
	} else if validDay(in.StartsOn) {
		a, _ := time.Parse(time.DateOnly, in.StartsOn)
		b, _ := time.Parse(time.DateOnly, in.EndsOn)
		if b.Sub(a) > 366*24*time.Hour {
			f.Add("ends_on", "grassroots.err.plan_too_long")
		}
	}
}

// CreatePlan creates a plan and generates its items by the rule.
func (s *Service) CreatePlan(ctx context.Context, p *auth.Principal, in PlanInput) (Plan, error) {
	if err := canRead(p); err != nil {
		return Plan{}, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.createPlan(ctx, tx, p, in)
		return err
	})
	if err != nil {
		return Plan{}, err
	}
	return s.GetPlan(ctx, p, id)
}

func (s *Service) createPlan(ctx context.Context, tx *db.Tx, p *auth.Principal, in PlanInput) (int64, error) {
	kinds, err := tagKinds(ctx, tx)
	if err != nil {
		return 0, err
	}
	var f errs.Fields
	in.validate(&f, kinds)
	var path string
	if in.RegionID > 0 {
		_, rp, _, err := regionOf(ctx, tx, p, in.RegionID)
		if errs.Is(err, errs.NotFound) {
			f.Add("region_id", "field.bad_choice")
		} else if err != nil {
			return 0, err
		}
		path = rp
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	var by any
	if p != nil {
		by = p.UserID
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_visit_plans (region_id, region_path, name, rule_tag, rule_every, starts_on, ends_on, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.RegionID, path, in.Name, in.Rule.Tag, in.Rule.Every, in.StartsOn, in.EndsOn, by, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	if err := generate(ctx, tx, id, path, in.Rule, in.StartsOn, in.EndsOn); err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "visit_plan", id, in.Name, nil, in)
}

// generate adds the plan's items: for each window, each household of the
// region with the rule's tag in force in it; items already there stay (so
// a plan can be generated again after households were added), and visits
// already made in a window fulfil its items.
func generate(ctx context.Context, tx *db.Tx, planID int64, path string, r Rule, start, end string) error {
	for _, w := range r.Windows(start, end) {
		q := `INSERT INTO gr_plan_items (plan_id, household_id, region_path, due_from, due_on)
			SELECT ?, h.id, h.region_path, ?, ? FROM gr_households h WHERE h.region_path >= ? AND h.region_path < ?`
		lo, hi := pathRange(path)
		args := []any{planID, w.From, w.To, lo, hi}
		if r.Tag != "" {
			q += ` AND EXISTS (SELECT 1 FROM gr_tags g WHERE g.household_id = h.id AND g.tag = ? AND g.started_on <= ?
				AND (g.ended_on IS NULL OR g.ended_on >= ?))`
			args = append(args, r.Tag, w.To, w.From)
		}
		if _, err := tx.Exec(ctx, q+" ON CONFLICT (plan_id, household_id, due_on) DO NOTHING", args...); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE gr_plan_items SET visit_id = (SELECT MIN(v.id) FROM gr_visits v WHERE v.household_id = gr_plan_items.household_id
		AND v.visited_on >= gr_plan_items.due_from AND v.visited_on <= gr_plan_items.due_on) WHERE plan_id = ? AND visit_id IS NULL`, planID)
	if err != nil {
		return err
	}
	return refreshCoverage(ctx, tx, "SELECT household_id FROM gr_plan_items WHERE plan_id = ?", []any{planID}, start, end)
}

// Regenerate adds the items of households that now match the plan's rule.
func (s *Service) Regenerate(ctx context.Context, p *auth.Principal, id int64) error {
	pl, err := s.GetPlan(ctx, p, id)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		return generate(ctx, tx, id, pl.RegionPath, pl.Rule, pl.StartsOn, pl.EndsOn)
	})
}

// RemovePlanItem takes a household off a plan (an edit of the generated list).
func (s *Service) RemovePlanItem(ctx context.Context, p *auth.Principal, planID, itemID int64) error {
	if _, err := s.GetPlan(ctx, p, planID); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var hh int64
		err := tx.Get(ctx, "entity.plan_item", "DELETE FROM gr_plan_items WHERE id = ? AND plan_id = ? RETURNING household_id", []any{itemID, planID}, &hh)
		if err != nil {
			return err
		}
		if err := refreshHousehold(ctx, tx, hh); err != nil {
			return err
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionDelete, "visit_plan_item", itemID, "", nil, nil)
	})
}

const planCols = `l.id, l.region_id, l.region_path, r.name, r.name_en, l.name, l.rule_tag, l.rule_every, l.starts_on, l.ends_on,
	(SELECT COUNT(*) FROM gr_plan_items i WHERE i.plan_id = l.id), (SELECT COUNT(*) FROM gr_plan_items i WHERE i.plan_id = l.id AND i.visit_id IS NOT NULL)`

func scanPlan(sc interface{ Scan(...any) error }) (Plan, error) {
	var x Plan
	err := sc.Scan(&x.ID, &x.RegionID, &x.RegionPath, &x.RegionName, &x.RegionNameEN, &x.Name, &x.Rule.Tag, &x.Rule.Every, &x.StartsOn, &x.EndsOn, &x.Items, &x.Done)
	return x, err
}

// Plans lists the plans in the caller's scope.
func (s *Service) Plans(ctx context.Context, p *auth.Principal) ([]Plan, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Plan
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "l.region_path")
		rows, err := tx.Query(ctx, "SELECT "+planCols+" FROM gr_visit_plans l JOIN regions r ON r.id = l.region_id WHERE "+w+
			" ORDER BY l.starts_on DESC, l.id DESC LIMIT 500", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanPlan(rows)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

// GetPlan returns a plan in the caller's scope.
func (s *Service) GetPlan(ctx context.Context, p *auth.Principal, id int64) (Plan, error) {
	if err := canRead(p); err != nil {
		return Plan{}, err
	}
	var x Plan
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "l.region_path")
		rows, err := tx.Query(ctx, "SELECT "+planCols+" FROM gr_visit_plans l JOIN regions r ON r.id = l.region_id WHERE l.id = ? AND "+w,
			append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return errs.NotFoundf("entity.visit_plan")
		}
		x, err = scanPlan(rows)
		return err
	})
	return x, err
}

// PlanItems lists a plan's items (those in the caller's scope).
func (s *Service) PlanItems(ctx context.Context, p *auth.Principal, id int64) ([]PlanItem, error) {
	if _, err := s.GetPlan(ctx, p, id); err != nil {
		return nil, err
	}
	var out []PlanItem
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "i.region_path")
		rows, err := tx.Query(ctx, `SELECT i.id, i.household_id, h.address || ' ' || h.building || ' ' || h.door || ' ' || h.head_name, i.due_from, i.due_on,
			COALESCE(i.visit_id, 0) FROM gr_plan_items i JOIN gr_households h ON h.id = i.household_id WHERE i.plan_id = ? AND `+w+
			` ORDER BY i.due_on, h.region_path, h.building, h.door, h.id LIMIT 5000`, append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x PlanItem
			if err := rows.Scan(&x.ID, &x.HouseholdID, &x.Household, &x.DueFrom, &x.DueOn, &x.VisitID); err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}
