package inspection

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The monthly dispatch (一月一调度): on the first working day of a month
// (the work orders' holiday calendar) the report of the month before is
// drafted once, its figures frozen as computed then; the page, the PDF and
// the workbook render the same DispatchReport. The meeting's decisions
// are tasks, each a work order of kind rectification to a unit with a
// deadline; the next month's report shows how they ended.

// Month is a calendar month, "2026-11".
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "2026-11".
func ParseMonth(s string) (Month, bool) {
	t, err := time.ParseInLocation("2006-01", strings.TrimSpace(s), clock.CST)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return Month{}, false
	}
	return Month{t.Year(), t.Month()}, true
}

// MonthOf is the month of t (CST).
func MonthOf(t time.Time) Month {
	t = t.In(clock.CST)
	return Month{t.Year(), t.Month()}
}

func (m Month) String() string { return m.Start().Format("2006-01") }

// Start is the month's first instant (CST); End the next month's.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, clock.CST) }

// End is the first instant after the month.
func (m Month) End() time.Time { return m.Start().AddDate(0, 1, 0) }

// Prev is the month before.
func (m Month) Prev() Month { return MonthOf(m.Start().AddDate(0, -1, 0)) }

// FirstWorkingDay is the month's first working day under the calendar.
func FirstWorkingDay(cal workorder.Calendar, m Month) time.Time {
	d := m.Start()
	for !cal.IsWorkingDay(d) && d.Before(m.End()) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// DispatchDue reports which month's report is due at now: the month
// before now's, once now is on or after its month's first working day (a
// report missed that day, the app being down, is drafted at the next run).
func DispatchDue(cal workorder.Calendar, now time.Time) (Month, bool) {
	m := MonthOf(now)
	return m.Prev(), !now.Before(FirstWorkingDay(cal, m))
}

// DispatchUnit is one unit's month: its citizens' requests (the work-order
// rollups), its inspections and rectifications, and its rank by inspection
// score among the units inspected (with last month's).
type DispatchUnit struct {
	UnitID         int64        `json:"unit_id"`
	Name           string       `json:"name"`
	Received       int64        `json:"received"`
	OnTime         figures.Rate `json:"on_time"`      // resolved on time / resolved
	Satisfaction   figures.Rate `json:"satisfaction"` // satisfied or basically / callbacks reached
	OverdueNow     int64        `json:"overdue_now"`  // requests past their deadline when drafted
	Inspections    int64        `json:"inspections"`
	Findings       int64        `json:"findings"`
	Score          figures.Rate `json:"score"` // centi-points earned / possible
	Rectifications int64        `json:"rectifications"`
	RectOnTime     figures.Rate `json:"rect_on_time"` // closed on time / filed in the month
	PatrolFound    int64        `json:"patrol_found"` // patrol findings of the unit in the month
	PatrolFixed    figures.Rate `json:"patrol_fixed"` // fixed on the spot / found
	Rank           int          `json:"rank"`         // by Score, 0: not inspected
	PrevRank       int          `json:"prev_rank"`    // last month's, 0: not inspected then
}

// Change is the places moved up since last month (0 without both ranks).
func (u DispatchUnit) Change() int {
	if u.Rank == 0 || u.PrevRank == 0 {
		return 0
	}
	return u.PrevRank - u.Rank
}

// DispatchCategory is one category's requests in the month.
type DispatchCategory struct {
	Name         string       `json:"name"`
	Received     int64        `json:"received"`
	OnTime       figures.Rate `json:"on_time"`
	Satisfaction figures.Rate `json:"satisfaction"`
}

// DispatchSiteType is the findings at one kind of site in the month.
type DispatchSiteType struct {
	Name        string       `json:"name"`
	Inspections int64        `json:"inspections"`
	Findings    int64        `json:"findings"`
	Score       figures.Rate `json:"score"`
}

// DispatchProblem is one of the month's most frequent problems: a check
// item, how often it failed, at how many sites.
type DispatchProblem struct {
	Title    string `json:"title"`
	Failures int64  `json:"failures"` // failed results
	Count    int64  `json:"count"`    // the places found (a result's count)
	Sites    int64  `json:"sites"`
}

// DispatchOverdue is a rectification open past its deadline when drafted.
type DispatchOverdue struct {
	Code  string    `json:"code"`
	Title string    `json:"title"`
	Unit  string    `json:"unit"`
	Due   time.Time `json:"due"`
	Days  int       `json:"days"` // whole days past the deadline
}

// DispatchTask is a meeting decision: a work order to a unit with a deadline.
type DispatchTask struct {
	ID       int64     `json:"id"`
	Month    string    `json:"month"` // the report it was decided on
	UnitID   int64     `json:"unit_id"`
	Unit     string    `json:"unit"`
	Title    string    `json:"title"`
	Detail   string    `json:"detail"`
	Due      time.Time `json:"due"`
	OrderID  int64     `json:"order_id"`
	Code     string    `json:"code"`
	State    string    `json:"state"`
	OnTime   bool      `json:"on_time"` // closed, resolved by the deadline
	Overdue  bool      `json:"overdue"` // open past the deadline
	Resolved bool      `json:"resolved"`
}

// Outcome is how a task ended (or stands): closed_on_time, closed_late,
// overdue or open.
func (t DispatchTask) Outcome() string {
	switch {
	case t.State == "closed" && t.OnTime:
		return "closed_on_time"
	case t.State == "closed":
		return "closed_late"
	case t.Overdue:
		return "overdue"
	}
	return "open"
}

// DispatchReport is a month's report as drafted.
type DispatchReport struct {
	Month      string             `json:"month"`
	From       string             `json:"from"` // the month's first day
	To         string             `json:"to"`   // and last
	DraftedAt  time.Time          `json:"drafted_at"`
	Totals     DispatchUnit       `json:"totals"` // the city: every unit's sums (Rank unused)
	Units      []DispatchUnit     `json:"units"`  // by rank, then the unranked by name
	Categories []DispatchCategory `json:"categories"`
	SiteTypes  []DispatchSiteType `json:"site_types"`
	Problems   []DispatchProblem  `json:"problems"`   // the ten most frequent
	Overdue    []DispatchOverdue  `json:"overdue"`    // rectifications, longest overdue first (at most MaxDispatchOverdue)
	LastTasks  []DispatchTask     `json:"last_tasks"` // last month's decisions, as they stood when drafted
}

// MaxDispatchOverdue bounds the overdue list; DispatchProblems the problem list.
const (
	MaxDispatchOverdue = 50
	DispatchProblems   = 10
)

// canDispatch: reading the reports needs inspection.view.
func canDispatch(p *auth.Principal) error { return canView(p) }

// cityReader reads the work-order rollups city-wide: the report is the
// city's, the same for everyone who may read it.
func cityReader(p *auth.Principal) *auth.Principal {
	var id int64
	if p != nil {
		id = p.UserID
	}
	return &auth.Principal{UserID: id, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermOrderView: true}}
}

// ComputeDispatch computes a month's report from the rows as they stand at now.
func (s *Service) ComputeDispatch(ctx context.Context, m Month, now time.Time) (DispatchReport, error) {
	rep := DispatchReport{Month: m.String(), From: m.Start().Format(time.DateOnly), To: m.End().AddDate(0, 0, -1).Format(time.DateOnly), DraftedAt: now}
	units := map[int64]*DispatchUnit{}
	var order []int64
	unit := func(id int64, name string) *DispatchUnit {
		u := units[id]
		if u == nil {
			u = &DispatchUnit{UnitID: id, Name: name}
			units[id] = u
			order = append(order, id)
		}
		return u
	}
	if s.Orders != nil {
		stats, err := s.Orders.Stats(ctx, cityReader(nil), rep.From, rep.To, workorder.ByUnit)
		if err != nil {
			return rep, err
		}
		for _, r := range stats {
			if r.ID == 0 || r.Received+r.OverdueNow == 0 {
				continue
			}
			u := unit(r.ID, r.Name)
			u.Received, u.OnTime, u.Satisfaction, u.OverdueNow = r.Received, r.OnTimeRate, r.SatisfactionRate, r.OverdueNow
		}
		cats, err := s.Orders.Stats(ctx, cityReader(nil), rep.From, rep.To, workorder.ByCategory)
		if err != nil {
			return rep, err
		}
		for _, r := range cats {
			if r.Received > 0 {
				rep.Categories = append(rep.Categories, DispatchCategory{Name: r.Name, Received: r.Received, OnTime: r.OnTimeRate, Satisfaction: r.SatisfactionRate})
			}
		}
		sort.SliceStable(rep.Categories, func(i, j int) bool { return rep.Categories[i].Received > rep.Categories[j].Received })
	}
	from, to := m.Start().UnixMilli(), m.End().UnixMilli()
	prevRates := map[int64]figures.Rate{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		// Inspections by unit, this month and last.
		for k, span := range [][2]int64{{from, to}, {m.Prev().Start().UnixMilli(), from}} {
			rows, err := tx.Query(ctx, `SELECT i.unit_id, u.name, COUNT(*), COALESCE(SUM(i.findings), 0), COALESCE(SUM(i.earned), 0), COALESCE(SUM(i.possible), 0)
				FROM inspections i JOIN units u ON u.id = i.unit_id WHERE i.inspected_at >= ? AND i.inspected_at < ? GROUP BY i.unit_id, u.name`, span[0], span[1])
			if err != nil {
				return err
			}
			for rows.Next() {
				var id, n, f, e, ps int64
				var name string
				if err := rows.Scan(&id, &name, &n, &f, &e, &ps); err != nil {
					rows.Close()
					return err
				}
				if k == 1 {
					prevRates[id] = figures.Of(e, ps)
					continue
				}
				u := unit(id, name)
				u.Inspections, u.Findings, u.Score = n, f, figures.Of(e, ps)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT x.unit_id, u.name, COUNT(*),
			COALESCE(SUM(CASE WHEN w.state = 'closed' AND w.resolved_at <= COALESCE(w.resolve_due_at, x.due_at) THEN 1 ELSE 0 END), 0)
			FROM inspection_rectifications x JOIN workorders w ON w.id = x.order_id JOIN units u ON u.id = x.unit_id
			WHERE x.created_at >= ? AND x.created_at < ? GROUP BY x.unit_id, u.name`, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, n, ok int64
			var name string
			if err := rows.Scan(&id, &name, &n, &ok); err != nil {
				rows.Close()
				return err
			}
			u := unit(id, name)
			u.Rectifications, u.RectOnTime = n, figures.Of(ok, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Patrol findings by the unit responsible.
		rows, err = tx.Query(ctx, `SELECT f.unit_id, u.name, COUNT(*), COALESCE(SUM(CASE WHEN f.fixed THEN 1 ELSE 0 END), 0)
			FROM inspection_patrol_findings f JOIN units u ON u.id = f.unit_id WHERE f.created_at >= ? AND f.created_at < ? GROUP BY f.unit_id, u.name`, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, n, fixed int64
			var name string
			if err := rows.Scan(&id, &name, &n, &fixed); err != nil {
				rows.Close()
				return err
			}
			u := unit(id, name)
			u.PatrolFound, u.PatrolFixed = n, figures.Of(fixed, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Findings by site type.
		rows, err = tx.Query(ctx, `SELECT t.name, COUNT(*), COALESCE(SUM(i.findings), 0), COALESCE(SUM(i.earned), 0), COALESCE(SUM(i.possible), 0)
			FROM inspections i JOIN inspection_sites s ON s.id = i.site_id JOIN inspection_site_types t ON t.id = s.site_type_id
			WHERE i.inspected_at >= ? AND i.inspected_at < ? GROUP BY t.name, t.sort ORDER BY t.sort, t.name`, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x DispatchSiteType
			var e, ps int64
			if err := rows.Scan(&x.Name, &x.Inspections, &x.Findings, &e, &ps); err != nil {
				rows.Close()
				return err
			}
			x.Score = figures.Of(e, ps)
			rep.SiteTypes = append(rep.SiteTypes, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The ten most frequent problems.
		rows, err = tx.Query(ctx, `SELECT res.title, COUNT(*), COALESCE(SUM(res.count), 0), COUNT(DISTINCT i.site_id)
			FROM inspection_results res JOIN inspections i ON i.id = res.inspection_id
			WHERE res.outcome = 'fail' AND i.inspected_at >= ? AND i.inspected_at < ?
			GROUP BY res.title ORDER BY COUNT(*) DESC, SUM(res.count) DESC, res.title LIMIT ?`, from, to, DispatchProblems)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x DispatchProblem
			if err := rows.Scan(&x.Title, &x.Failures, &x.Count, &x.Sites); err != nil {
				rows.Close()
				return err
			}
			rep.Problems = append(rep.Problems, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Rectifications open past their deadline when drafted.
		rows, err = tx.Query(ctx, `SELECT w.code, w.title, u.name, COALESCE(w.resolve_due_at, x.due_at)
			FROM inspection_rectifications x JOIN workorders w ON w.id = x.order_id JOIN units u ON u.id = x.unit_id
			WHERE w.state NOT IN ('closed', 'resolved') AND COALESCE(w.resolve_due_at, x.due_at) < ?
			ORDER BY COALESCE(w.resolve_due_at, x.due_at), w.id LIMIT ?`, now.UnixMilli(), MaxDispatchOverdue)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x DispatchOverdue
			var due int64
			if err := rows.Scan(&x.Code, &x.Title, &x.Unit, &due); err != nil {
				rows.Close()
				return err
			}
			x.Due = time.UnixMilli(due)
			x.Days = int(now.Sub(x.Due).Hours() / 24)
			rep.Overdue = append(rep.Overdue, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var err2 error
		rep.LastTasks, err2 = dispatchTasks(ctx, tx, m.Prev().String(), now)
		return err2
	})
	if err != nil {
		return rep, err
	}
	// Rank by inspection score, this month and last (ties shared).
	rankOf := func(rates map[int64]figures.Rate) map[int64]int {
		type kv struct {
			id int64
			v  float64
		}
		var xs []kv
		for id, r := range rates {
			if v, ok := r.Value(); ok {
				xs = append(xs, kv{id, v})
			}
		}
		sort.Slice(xs, func(i, j int) bool {
			if xs[i].v != xs[j].v {
				return xs[i].v > xs[j].v
			}
			return xs[i].id < xs[j].id
		})
		out := map[int64]int{}
		for i, x := range xs {
			if i > 0 && x.v == xs[i-1].v {
				out[x.id] = out[xs[i-1].id]
			} else {
				out[x.id] = i + 1
			}
		}
		return out
	}
	cur := map[int64]figures.Rate{}
	for id, u := range units {
		cur[id] = u.Score
	}
	ranks, prev := rankOf(cur), rankOf(prevRates)
	for _, id := range order {
		u := units[id]
		u.Rank, u.PrevRank = ranks[id], prev[id]
		if u.Rank == 0 {
			u.PrevRank = 0
		}
		rep.Units = append(rep.Units, *u)
		t := &rep.Totals
		t.Received += u.Received
		t.OnTime, t.Satisfaction = t.OnTime.Add(u.OnTime), t.Satisfaction.Add(u.Satisfaction)
		t.OverdueNow += u.OverdueNow
		t.Inspections, t.Findings, t.Score = t.Inspections+u.Inspections, t.Findings+u.Findings, t.Score.Add(u.Score)
		t.Rectifications, t.RectOnTime = t.Rectifications+u.Rectifications, t.RectOnTime.Add(u.RectOnTime)
		t.PatrolFound, t.PatrolFixed = t.PatrolFound+u.PatrolFound, t.PatrolFixed.Add(u.PatrolFixed)
	}
	sort.SliceStable(rep.Units, func(i, j int) bool {
		a, b := rep.Units[i], rep.Units[j]
		if (a.Rank == 0) != (b.Rank == 0) {
			return a.Rank != 0
		}
		if a.Rank != b.Rank {
			return a.Rank < b.Rank
		}
		return a.Name < b.Name
	})
	return rep, nil
}

// dispatchTasks lists a report's tasks with their orders' state at now.
func dispatchTasks(ctx context.Context, tx *db.Tx, month string, now time.Time) ([]DispatchTask, error) {
	rows, err := tx.Query(ctx, `SELECT t.id, t.month, t.unit_id, u.name, t.title, t.detail, t.due_at, w.id, w.code, w.state,
		CASE WHEN w.state = 'closed' AND w.resolved_at <= t.due_at THEN 1 ELSE 0 END, COALESCE(w.resolved_at, 0)
		FROM inspection_dispatch_tasks t JOIN units u ON u.id = t.unit_id JOIN workorders w ON w.id = t.order_id
		WHERE t.month = ? ORDER BY t.id`, month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DispatchTask
	for rows.Next() {
		var x DispatchTask
		var due, ok, resolved int64
		if err := rows.Scan(&x.ID, &x.Month, &x.UnitID, &x.Unit, &x.Title, &x.Detail, &due, &x.OrderID, &x.Code, &x.State, &ok, &resolved); err != nil {
			return nil, err
		}
		x.Due, x.OnTime, x.Resolved = time.UnixMilli(due), ok == 1, resolved != 0
		x.Overdue = x.State != "closed" && x.State != "resolved" && now.UnixMilli() > due
		out = append(out, x)
	}
	return out, rows.Err()
}

// DraftDispatch drafts a month's report once: it returns false when the
// month already has one (drafted by another run or instance). p nil is the
// job.
func (s *Service) DraftDispatch(ctx context.Context, p *auth.Principal, m Month) (bool, error) {
	if p != nil {
		if err := auth.Require(p, auth.PermInspectionManage); err != nil {
			return false, err
		}
	}
	now := s.now()
	if now.Before(m.End()) {
		return false, errs.E(errs.Conflict, "inspection.dispatch.not_over")
	}
	rep, err := s.ComputeDispatch(ctx, m, now)
	if err != nil {
		return false, err
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return false, err
	}
	made := false
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var by any
		if p != nil {
			by = p.UserID
		}
		res, err := tx.Exec(ctx, `INSERT INTO inspection_dispatches (month, report, drafted_at, drafted_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (month) DO NOTHING`, m.String(), string(body), now.UnixMilli(), by)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		made = true
		return record(ctx, tx, p, now, "draft", "inspection_dispatch", 0, m.String(), nil, map[string]any{"units": len(rep.Units)})
	})
	return made, err
}

// DispatchJob drafts the month before's report on the first working day
// of a month (hourly; any number of instances: the month's row is written
// once).
func (s *Service) DispatchJob() jobs.Job {
	return jobs.Job{Name: "inspection.monthly_dispatch", Every: time.Hour, Run: func(ctx context.Context) error {
		_, err := s.RunDispatch(ctx)
		return err
	}}
}

// RunDispatch is one run of the job: it drafts the due month's report if
// none exists yet, and says whether it did.
func (s *Service) RunDispatch(ctx context.Context) (bool, error) {
	now := s.now()
	cal := workorder.Calendar{}
	if s.Orders != nil {
		for _, y := range []int{now.In(clock.CST).Year()} {
			days, err := s.Orders.Holidays(ctx, y)
			if err != nil {
				return false, err
			}
			for _, d := range days {
				cal[d.Day] = d.Kind
			}
		}
	}
	m, due := DispatchDue(cal, now)
	if !due {
		return false, nil
	}
	var n int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(ctx, "SELECT COUNT(*) FROM inspection_dispatches WHERE month = ?", m.String())
		return err
	})
	if err != nil || n > 0 {
		return false, err
	}
	return s.DraftDispatch(ctx, nil, m)
}

// Dispatch is a drafted report with its own tasks as they stand now.
type Dispatch struct {
	Report    DispatchReport `json:"report"`
	DraftedBy string         `json:"drafted_by"`
	Tasks     []DispatchTask `json:"tasks"`
}

// GetDispatch returns a month's report.
func (s *Service) GetDispatch(ctx context.Context, p *auth.Principal, month string) (Dispatch, error) {
	if err := canDispatch(p); err != nil {
		return Dispatch{}, err
	}
	m, ok := ParseMonth(month)
	if !ok {
		var f errs.Fields
		f.Add("month", "inspection.dispatch.bad_month")
		return Dispatch{}, f.Err()
	}
	var d Dispatch
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var body string
		if err := tx.Get(ctx, "inspection.entity.dispatch", `SELECT d.report, COALESCE(u.display_name, '') FROM inspection_dispatches d
			LEFT JOIN users u ON u.id = d.drafted_by WHERE d.month = ?`, []any{m.String()}, &body, &d.DraftedBy); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(body), &d.Report); err != nil {
			return err
		}
		var err error
		d.Tasks, err = dispatchTasks(ctx, tx, m.String(), s.now())
		return err
	})
	return d, err
}

// Dispatches lists the drafted months, latest first.
func (s *Service) Dispatches(ctx context.Context, p *auth.Principal) ([]string, error) {
	if err := canDispatch(p); err != nil {
		return nil, err
	}
	var out []string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT month FROM inspection_dispatches ORDER BY month DESC")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// TaskInput is a meeting decision to enter.
type TaskInput struct {
	UnitID        int64
	Title, Detail string
	Due           string // YYYY-MM-DD, CST: due at the end of that day
}

// MaxTaskTitle bounds a task's title; MaxTaskDetail its text.
const (
	MaxTaskTitle  = 100
	MaxTaskDetail = 1000
)

// AddTask enters a meeting decision on a month's report: a work order of
// kind rectification to the unit, due at the end of the given day, filed
// in the same transaction as the task.
func (s *Service) AddTask(ctx context.Context, p *auth.Principal, month string, in TaskInput) (DispatchTask, error) {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return DispatchTask{}, err
	}
	if s.Orders == nil {
		return DispatchTask{}, errs.E(errs.Conflict, "inspection.dispatch.no_orders")
	}
	in.Title, in.Detail = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail)
	var f errs.Fields
	m, ok := ParseMonth(month)
	if !ok {
		f.Add("month", "inspection.dispatch.bad_month")
	}
	f.Check(in.UnitID != 0, "unit_id", "field.required")
	f.Check(in.Title != "", "title", "field.required")
	f.Check(utf8.RuneCountInString(in.Title) <= MaxTaskTitle, "title", "field.too_long", MaxTaskTitle)
	f.Check(utf8.RuneCountInString(in.Detail) <= MaxTaskDetail, "detail", "field.too_long", MaxTaskDetail)
	now := s.now()
	var due time.Time
	if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(in.Due), clock.CST); err != nil {
		f.Add("due", "field.bad_date")
	} else if due = d.AddDate(0, 0, 1).Add(-time.Second); due.Before(now) {
		f.Add("due", "inspection.dispatch.due_past")
	}
	if err := f.Err(); err != nil {
		return DispatchTask{}, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_dispatches WHERE month = ?", m.String())
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("inspection.entity.dispatch")
		}
		var kind string
		var region *int64
		if err := tx.Get(ctx, "entity.unit", "SELECT kind, region_id FROM units WHERE id = ? AND active = TRUE", []any{in.UnitID}, &kind, &region); err != nil {
			if errs.Is(err, errs.NotFound) {
				f.Add("unit_id", "field.bad_choice")
				return f.Err()
			}
			return err
		}
		desc := "一月一调度（" + m.String() + "）会议议定事项：" + in.Title + "。"
		if in.Detail != "" {
			desc += in.Detail
		}
		var regionID int64
		if region != nil {
			regionID = *region
		}
		// The office enters decisions (inspection.manage), not findings:
		// the order is filed as the system's, the audit entry below is the
		// person's.
		sub, err := s.Orders.SubmitInternalTx(ctx, tx, nil, workorder.InternalOrder{Kind: workorder.KindRectification,
			Title: truncate("调度事项："+in.Title, workorder.MaxTitleLen), Description: truncate(desc, workorder.MaxDescriptionLen),
			RegionID: regionID, UnitID: in.UnitID, ResolveDue: due, Source: "dispatch " + m.String(), At: now})
		if err != nil {
			return err
		}
		id, err = tx.InsertID(ctx, `INSERT INTO inspection_dispatch_tasks (month, unit_id, title, detail, due_at, order_id, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.String(), in.UnitID, in.Title, in.Detail, due.UnixMilli(), sub.ID, p.UserID, now.UnixMilli())
		if err != nil {
			return err
		}
		return record(ctx, tx, p, now, "create", "inspection_dispatch_task", id, m.String()+" "+in.Title, nil,
			map[string]any{"unit_id": in.UnitID, "due": in.Due, "order_id": sub.ID})
	})
	if err != nil {
		return DispatchTask{}, err
	}
	var tasks []DispatchTask
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		tasks, err = dispatchTasks(ctx, tx, m.String(), now)
		return err
	})
	for _, t := range tasks {
		if t.ID == id {
			return t, err
		}
	}
	return DispatchTask{}, err
}

// CheckTask closes a resolved task's order (pass) or sends it back to the
// unit (fail), as an inspector's recheck does for a finding.
func (s *Service) CheckTask(ctx context.Context, p *auth.Principal, id int64, pass bool, note string) error {
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxTaskDetail {
		var f errs.Fields
		f.Add("note", "field.too_long", MaxTaskDetail)
		return f.Err()
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var order int64
		if err := tx.Get(ctx, "inspection.entity.task", "SELECT order_id FROM inspection_dispatch_tasks WHERE id = ?", []any{id}, &order); err != nil {
			return err
		}
		action := workorder.ActionRecheckPass
		if !pass {
			action = workorder.ActionRecheckFail
		}
		if note == "" {
			note = "调度事项核查通过"
			if !pass {
				note = "调度事项核查未通过"
			}
		}
		if _, err := s.Orders.StepTx(ctx, tx, p, order, workorder.ActionInput{Action: action, Note: note}, now); err != nil {
			return err
		}
		return record(ctx, tx, p, now, string(action), "inspection_dispatch_task", id, note, nil, nil)
	})
}
