package inspection

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/jobs"
)

// Reason is why a site is in a week's round.
type Reason string

const (
	ReasonRecheck Reason = "recheck" // it failed its last inspection: again the next week
	ReasonMissed  Reason = "missed"  // planned earlier this month and not inspected
	ReasonMonthly Reason = "monthly" // the month's coverage
	ReasonManual  Reason = "manual"  // added by the group's leader
)

// Key is the reason's message key.
func (r Reason) Key() string { return "inspection.reason." + string(r) }

// PlanCandidate is a site of a group as the plan rule sees it.
type PlanCandidate struct {
	SiteID     int64
	LastAt     time.Time // its last inspection; zero for never
	LastFailed bool      // that inspection had a failure
	DoneMonth  bool      // inspected since the month began
	MissedPlan bool      // planned in an earlier week of this month, not inspected
}

// PlanPick is a site chosen for the round.
type PlanPick struct {
	SiteID int64
	Reason Reason
}

// PlanWeek is the weekly round rule: every site whose last inspection
// failed comes again this week; of the sites not yet inspected this month,
// this week takes its share (their number divided by the weeks left in
// the month, rounded up, so the last week takes all that remain and every
// site is inspected at least once a month), missed ones first, then those
// never inspected, then the longest since their last inspection.
func PlanWeek(sites []PlanCandidate, weeksLeft int) []PlanPick {
	weeksLeft = max(weeksLeft, 1)
	var out []PlanPick
	taken := map[int64]bool{}
	for _, s := range sites {
		if s.LastFailed {
			out = append(out, PlanPick{s.SiteID, ReasonRecheck})
			taken[s.SiteID] = true
		}
	}
	var due []PlanCandidate
	for _, s := range sites {
		if !s.DoneMonth {
			due = append(due, s)
		}
	}
	quota := (len(due) + weeksLeft - 1) / weeksLeft
	slices.SortStableFunc(due, func(a, b PlanCandidate) int {
		if a.MissedPlan != b.MissedPlan {
			if a.MissedPlan {
				return -1
			}
			return 1
		}
		if c := a.LastAt.Compare(b.LastAt); c != 0 {
			return c // zero (never) sorts first
		}
		return int(a.SiteID - b.SiteID)
	})
	for _, s := range due[:quota] {
		if taken[s.SiteID] {
			continue // already in as a recheck; it counts towards the month too
		}
		r := ReasonMonthly
		if s.MissedPlan {
			r = ReasonMissed
		}
		out = append(out, PlanPick{s.SiteID, r})
		taken[s.SiteID] = true
	}
	return out
}

// groupCandidates reads the plan rule's view of a group's active sites.
func groupCandidates(ctx context.Context, tx *db.Tx, groupID int64, monday time.Time) ([]PlanCandidate, error) {
	month := MonthStart(monday)
	rows, err := tx.Query(ctx, `SELECT s.id,
		COALESCE((SELECT MAX(i.inspected_at) FROM inspections i WHERE i.site_id = s.id), 0),
		COALESCE((SELECT CASE WHEN i.passed THEN 0 ELSE 1 END FROM inspections i WHERE i.site_id = s.id ORDER BY i.inspected_at DESC, i.id DESC LIMIT 1), 0),
		(SELECT COUNT(*) FROM inspections i WHERE i.site_id = s.id AND i.inspected_at >= ?),
		(SELECT COUNT(*) FROM inspection_plan_sites ps JOIN inspection_plans pl ON pl.id = ps.plan_id
			WHERE ps.site_id = s.id AND pl.group_id = ? AND pl.week >= ? AND pl.week < ?)
		FROM inspection_sites s JOIN regions r ON r.id = s.region_id
		WHERE s.active = TRUE AND `+coveredBy+` ORDER BY s.id`,
		month.UnixMilli(), groupID, month.Format(time.DateOnly), monday.Format(time.DateOnly), groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PlanCandidate
	for rows.Next() {
		var c PlanCandidate
		var last int64
		var failed, done, planned int
		if err := rows.Scan(&c.SiteID, &last, &failed, &done, &planned); err != nil {
			return nil, err
		}
		if last > 0 {
			c.LastAt = time.UnixMilli(last)
		}
		c.LastFailed, c.DoneMonth = failed == 1, done > 0
		c.MissedPlan = planned > 0 && !c.DoneMonth
		out = append(out, c)
	}
	return out, rows.Err()
}

// generatePlan writes a group's round for a week unless it exists (the
// unique group and week decide between instances); it reports whether it
// wrote one.
func generatePlan(ctx context.Context, tx *db.Tx, groupID int64, monday time.Time, now int64) (bool, error) {
	week := monday.Format(time.DateOnly)
	rows, err := tx.Query(ctx, `INSERT INTO inspection_plans (group_id, week, generated_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (group_id, week) DO NOTHING RETURNING id`, groupID, week, now, now)
	if err != nil {
		return false, err
	}
	var id int64
	got := rows.Next()
	if got {
		err = rows.Scan(&id)
	}
	rows.Close()
	if err != nil || !got {
		return false, err
	}
	cands, err := groupCandidates(ctx, tx, groupID, monday)
	if err != nil {
		return false, err
	}
	for _, pk := range PlanWeek(cands, WeeksLeft(monday)) {
		if _, err := tx.Exec(ctx, "INSERT INTO inspection_plan_sites (plan_id, site_id, reason) VALUES (?, ?, ?)", id, pk.SiteID, string(pk.Reason)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// GeneratePlans writes the current week's round for every active
// supervision group that has none yet; it returns how many it wrote.
// Any number of instances may run it at once: each group's round is
// written once.
func (s *Service) GeneratePlans(ctx context.Context) (int, error) {
	return s.generatePlans(ctx, Monday(s.now()))
}

func (s *Service) generatePlans(ctx context.Context, monday time.Time) (int, error) {
	var groups []int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM units WHERE kind = 'supervision_group' AND active = TRUE ORDER BY sort, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			groups = append(groups, id)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, g := range groups {
		err := s.DB.Write(ctx, func(tx *db.Tx) error {
			made, err := generatePlan(ctx, tx, g, monday, s.now().UnixMilli())
			if made {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// PlanJob generates the week's rounds; hourly, so a new week's rounds
// exist within the hour after Monday 00:00 CST.
func (s *Service) PlanJob() jobs.Job {
	return jobs.Job{Name: "inspection.weekly_plans", Every: time.Hour, Run: func(ctx context.Context) error {
		_, err := s.GeneratePlans(ctx)
		return err
	}}
}

// PlanState is where a planned site stands.
type PlanState string

const (
	PlanDone    PlanState = "done"
	PlanPending PlanState = "pending" // the week is not over
	PlanMissed  PlanState = "missed"  // the week is over and the site was not inspected
)

// Key is the state's message key.
func (p PlanState) Key() string { return "inspection.plan_state." + string(p) }

// PlanSite is one site of a round.
type PlanSite struct {
	SiteID       int64     `json:"site_id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	TypeName     string    `json:"site_type_name"`
	UnitName     string    `json:"unit_name"`
	NameEN       string    `json:"name_en"`
	TypeEN       string    `json:"site_type_name_en"`
	UnitEN       string    `json:"unit_name_en"`
	Reason       Reason    `json:"reason"`
	State        PlanState `json:"state"`
	InspectionID int64     `json:"inspection_id"`
	Rate         int       `json:"rate"`
	Passed       bool      `json:"passed"`
}

// Plan is a group's round for a week.
type Plan struct {
	ID        int64      `json:"id"`
	GroupID   int64      `json:"group_id"`
	GroupName string     `json:"group_name"`
	GroupEN   string     `json:"group_name_en"`
	Week      string     `json:"week"`
	Sites     []PlanSite `json:"sites"`
	Done      int        `json:"done"`
	Missed    int        `json:"missed"`
	Pending   int        `json:"pending"`
}

// seesGroup: HQ-wide staff see every group's rounds, a group's staff their own.
func seesGroup(p *auth.Principal, groupID int64) bool {
	return p == nil || p.Scope.All || p.UnitID == groupID
}

// Plans lists the rounds of a week the caller sees, with their counts.
func (s *Service) Plans(ctx context.Context, p *auth.Principal, week string) ([]Plan, error) {
	if err := canView(p); err != nil {
		return nil, err
	}
	monday, ok := ParseWeek(week)
	if !ok {
		return nil, errs.E(errs.Invalid, "field.bad_date")
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Plan, error) {
		rows, err := tx.Query(ctx, `SELECT pl.id, pl.group_id, u.name, u.name_en, pl.week FROM inspection_plans pl JOIN units u ON u.id = pl.group_id
			WHERE pl.week = ? ORDER BY u.sort, u.id`, monday.Format(time.DateOnly))
		if err != nil {
			return nil, err
		}
		var out []Plan
		for rows.Next() {
			var pl Plan
			if err := rows.Scan(&pl.ID, &pl.GroupID, &pl.GroupName, &pl.GroupEN, &pl.Week); err != nil {
				rows.Close()
				return nil, err
			}
			if seesGroup(p, pl.GroupID) {
				out = append(out, pl)
			}
		}
		rows.Close()
		for i := range out {
			if err := s.planSites(ctx, tx, &out[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

func (s *Service) planSites(ctx context.Context, tx *db.Tx, pl *Plan) error {
	monday, _ := ParseWeek(pl.Week)
	over := !s.now().Before(monday.AddDate(0, 0, 7))
	rows, err := tx.Query(ctx, `SELECT s.id, s.code, s.name, t.name, u.name, s.name_en, t.name_en, u.name_en, ps.reason,
		COALESCE((SELECT MAX(i.id) FROM inspections i WHERE i.site_id = s.id AND i.week = ?), 0)
		FROM inspection_plan_sites ps JOIN inspection_sites s ON s.id = ps.site_id JOIN inspection_site_types t ON t.id = s.site_type_id
		JOIN units u ON u.id = s.unit_id WHERE ps.plan_id = ? ORDER BY CASE ps.reason WHEN 'recheck' THEN 0 WHEN 'missed' THEN 1 ELSE 2 END, s.code`,
		pl.Week, pl.ID)
	if err != nil {
		return err
	}
	pl.Sites = []PlanSite{}
	for rows.Next() {
		var x PlanSite
		if err := rows.Scan(&x.SiteID, &x.Code, &x.Name, &x.TypeName, &x.UnitName, &x.NameEN, &x.TypeEN, &x.UnitEN, &x.Reason, &x.InspectionID); err != nil {
			rows.Close()
			return err
		}
		pl.Sites = append(pl.Sites, x)
	}
	rows.Close()
	pl.Done, pl.Missed, pl.Pending = 0, 0, 0
	for i := range pl.Sites {
		x := &pl.Sites[i]
		switch {
		case x.InspectionID != 0:
			x.State = PlanDone
			pl.Done++
			if err := tx.Get(ctx, "inspection.entity.inspection", "SELECT rate, passed FROM inspections WHERE id = ?", []any{x.InspectionID}, &x.Rate, &x.Passed); err != nil {
				return err
			}
		case over:
			x.State = PlanMissed
			pl.Missed++
		default:
			x.State = PlanPending
			pl.Pending++
		}
	}
	return nil
}

func getPlan(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Plan, error) {
	var pl Plan
	err := tx.Get(ctx, "inspection.entity.plan", `SELECT pl.id, pl.group_id, u.name, u.name_en, pl.week FROM inspection_plans pl JOIN units u ON u.id = pl.group_id
		WHERE pl.id = ?`, []any{id}, &pl.ID, &pl.GroupID, &pl.GroupName, &pl.GroupEN, &pl.Week)
	if err == nil && !seesGroup(p, pl.GroupID) {
		err = errs.NotFoundf("inspection.entity.plan")
	}
	return pl, err
}

// GetPlan returns one round the caller sees, with its sites.
func (s *Service) GetPlan(ctx context.Context, p *auth.Principal, id int64) (Plan, error) {
	if err := canView(p); err != nil {
		return Plan{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Plan, error) {
		pl, err := getPlan(ctx, tx, p, id)
		if err != nil {
			return pl, err
		}
		return pl, s.planSites(ctx, tx, &pl)
	})
}

// canEditPlan: the group's leader (inspection.plan, in the group) or HQ-wide staff holding it.
func canEditPlan(p *auth.Principal, pl Plan) error {
	if err := auth.Require(p, auth.PermInspectionPlan); err != nil {
		return err
	}
	if !p.Scope.All && p.UnitID != pl.GroupID {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	return nil
}

// AddPlanSite puts a site the group covers into its round (the leader's edit).
func (s *Service) AddPlanSite(ctx context.Context, p *auth.Principal, planID, siteID int64) error {
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		pl, err := getPlan(ctx, tx, p, planID)
		if err != nil {
			return err
		}
		if err := canEditPlan(p, pl); err != nil {
			return err
		}
		var f errs.Fields
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_sites s JOIN regions r ON r.id = s.region_id WHERE s.id = ? AND s.active = TRUE AND "+coveredBy, siteID, pl.GroupID)
		if err != nil {
			return err
		}
		f.Check(n == 1, "site_id", "inspection.plan.not_covered")
		if n == 1 {
			m, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_plan_sites WHERE plan_id = ? AND site_id = ?", planID, siteID)
			if err != nil {
				return err
			}
			f.Check(m == 0, "site_id", "inspection.plan.already")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO inspection_plan_sites (plan_id, site_id, reason, added_by) VALUES (?, ?, 'manual', ?)", planID, siteID, p.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE inspection_plans SET updated_at = ? WHERE id = ?", now.UnixMilli(), planID); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "plan_add", "inspection_plan", planID, pl.GroupName+" "+pl.Week+" +"+strconv.FormatInt(siteID, 10), nil, nil)
	})
}

// RemovePlanSite takes a site not yet inspected out of a round.
func (s *Service) RemovePlanSite(ctx context.Context, p *auth.Principal, planID, siteID int64) error {
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		pl, err := getPlan(ctx, tx, p, planID)
		if err != nil {
			return err
		}
		if err := canEditPlan(p, pl); err != nil {
			return err
		}
		done, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspections WHERE site_id = ? AND week = ?", siteID, pl.Week)
		if err != nil {
			return err
		}
		if done > 0 {
			return errs.E(errs.Conflict, "inspection.plan.already_done")
		}
		n, err := tx.ExecN(ctx, "DELETE FROM inspection_plan_sites WHERE plan_id = ? AND site_id = ?", planID, siteID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("inspection.entity.site")
		}
		return record(ctx, tx, p, now, "plan_remove", "inspection_plan", planID, pl.GroupName+" "+pl.Week+" -"+strconv.FormatInt(siteID, 10), nil, nil)
	})
}
