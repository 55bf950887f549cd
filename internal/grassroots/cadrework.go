package grassroots

import (
	"context"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// A campaign's tasks: what is to be done, by which cadre, by when, and how
// far it is. TaskMoves is the state rule as data: the states a task may
// move to from each state (done can be reopened as doing).
var (
	TaskStates = []string{"open", "doing", "done"}
	TaskMoves  = map[string][]string{"open": {"doing", "done"}, "doing": {"open", "done"}, "done": {"doing"}}
)

// MaxTaskTitleLen caps a task's title.
const MaxTaskTitleLen = 200

// CanMoveTask tells whether a task in state from may move to state to.
func CanMoveTask(from, to string) bool { return slices.Contains(TaskMoves[from], to) }

// Task is one task of a campaign.
type Task struct {
	ID         int64  `json:"id"`
	CampaignID int64  `json:"campaign_id"`
	Title      string `json:"title"`
	OwnerID    int64  `json:"owner_id"`
	Owner      string `json:"owner"`
	OwnerRank  string `json:"owner_rank"`
	DueOn      string `json:"due_on"`
	State      string `json:"state"`
	DoneOn     string `json:"done_on"`
	Note       string `json:"note"`
	Overdue    bool   `json:"overdue"` // past its day and not done
}

// TaskInput is a new task.
type TaskInput struct {
	Title   string `json:"title"`
	OwnerID int64  `json:"owner_id"`
	DueOn   string `json:"due_on"`
	Note    string `json:"note"`
}

// visibleCadre checks that a cadre exists and the caller may see it: a
// cadre of the caller's scope, or of a region above it (the county's
// cadres serve the villages below).
func visibleCadre(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (string, bool, error) {
	var path, name string
	err := tx.Get(ctx, "entity.cadre", "SELECT region_path, name FROM gr_cadres WHERE id = ?", []any{id}, &path, &name)
	if errs.Is(err, errs.NotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return name, campaignVisible(p, path), nil
}

// CreateTask adds a task to a campaign the caller can see; its owner is
// a cadre the caller can see, its day inside the campaign.
func (s *Service) CreateTask(ctx context.Context, p *auth.Principal, campaignID int64, in TaskInput) (int64, error) {
	c, err := s.GetCampaign(ctx, p, campaignID)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.createTask(ctx, tx, p, c, in)
		return err
	})
	return id, err
}

func (s *Service) createTask(ctx context.Context, tx *db.Tx, p *auth.Principal, c Campaign, in TaskInput) (int64, error) {
	in.Title, in.DueOn, in.Note = strings.TrimSpace(in.Title), strings.TrimSpace(in.DueOn), strings.TrimSpace(in.Note)
	var f errs.Fields
	checkLen(&f, "title", in.Title, MaxTaskTitleLen, true)
	checkLen(&f, "note", in.Note, 1000, false)
	if in.DueOn == "" {
		f.Add("due_on", "field.required")
	} else if !validDay(in.DueOn) {
		f.Add("due_on", "field.bad_date")
	} else if in.DueOn < c.StartsOn || in.DueOn > c.EndsOn {
		f.Add("due_on", "grassroots.err.outside_campaign", c.StartsOn, c.EndsOn)
	}
	if in.OwnerID <= 0 {
		f.Add("owner_id", "field.required")
	} else if _, ok, err := visibleCadre(ctx, tx, p, in.OwnerID); err != nil {
		return 0, err
	} else if !ok {
		f.Add("owner_id", "field.bad_choice")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	var by any
	if p != nil {
		by = p.UserID
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_campaign_tasks (campaign_id, title, owner_id, due_on, note, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, in.Title, in.OwnerID, in.DueOn, in.Note, by, now.UnixMilli(), now.UnixMilli())
	if err != nil || p == nil {
		return id, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "campaign_task", id, in.Title, nil, in)
}

// MoveTask moves a task of a campaign to a state its rule allows (done
// keeps today as its day; a task moved back loses it).
func (s *Service) MoveTask(ctx context.Context, p *auth.Principal, campaignID, taskID int64, state string) error {
	if _, err := s.GetCampaign(ctx, p, campaignID); err != nil {
		return err
	}
	if !slices.Contains(TaskStates, state) {
		return fieldErr("state", "field.bad_choice")
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var from, title string
		if err := tx.Get(ctx, "entity.task", "SELECT state, title FROM gr_campaign_tasks WHERE id = ? AND campaign_id = ?",
			[]any{taskID, campaignID}, &from, &title); err != nil {
			return err
		}
		if !CanMoveTask(from, state) {
			return errs.E(errs.Conflict, "grassroots.err.task_move")
		}
		var done any
		if state == "done" {
			done = s.today()
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, "UPDATE gr_campaign_tasks SET state = ?, done_on = ?, updated_at = ? WHERE id = ? AND state = ?",
			state, done, now.UnixMilli(), taskID, from); err != nil {
			return err
		}
		return record(ctx, tx, p, now, audit.ActionUpdate, "campaign_task", taskID, title, map[string]any{"state": from}, map[string]any{"state": state})
	})
}

// Tasks lists a campaign's tasks, open ones first by their day.
func (s *Service) Tasks(ctx context.Context, p *auth.Principal, campaignID int64) ([]Task, error) {
	if _, err := s.GetCampaign(ctx, p, campaignID); err != nil {
		return nil, err
	}
	return s.tasksWhere(ctx, "t.campaign_id = ?", campaignID)
}

func (s *Service) tasksWhere(ctx context.Context, where string, args ...any) ([]Task, error) {
	today := s.today()
	var out []Task
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT t.id, t.campaign_id, t.title, t.owner_id, c.name, c.rank, t.due_on, t.state, COALESCE(t.done_on, ''), t.note
			FROM gr_campaign_tasks t JOIN gr_cadres c ON c.id = t.owner_id WHERE `+where+`
			ORDER BY CASE t.state WHEN 'done' THEN 1 ELSE 0 END, t.due_on, t.id LIMIT 1000`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Task
			if err := rows.Scan(&t.ID, &t.CampaignID, &t.Title, &t.OwnerID, &t.Owner, &t.OwnerRank, &t.DueOn, &t.State, &t.DoneOn, &t.Note); err != nil {
				return err
			}
			t.Overdue = t.State != "done" && t.DueOn < today
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// CadreWork is what a cadre did, counted from rows: the visits they made
// (and the households those reached), the meetings they spoke at and
// their audience, the needs their visits found and those solved (the
// work order resolved or closed), and their tasks.
type CadreWork struct {
	Cadre
	Visits      int64 `json:"visits"`
	Households  int64 `json:"households"`
	Meetings    int64 `json:"meetings"`
	Audience    int64 `json:"audience"`
	NeedsFound  int64 `json:"needs_found"`
	NeedsSolved int64 `json:"needs_solved"`
	Tasks       int64 `json:"tasks"`
	TasksDone   int64 `json:"tasks_done"`
}

// solvedStates are the work-order states of a need solved (as the
// figure grassroots.needs_solved counts them).
const solvedStates = "('resolved', 'verified', 'callback_done', 'closed')"

// cadreWorkCols counts a cadre c's work within the caller's scope ({vs}
// and {ms}: the scope predicates on the visit's and the meeting's path).
const cadreWorkCols = `(SELECT COUNT(*) FROM gr_visit_cadres vc JOIN gr_visits v ON v.id = vc.visit_id WHERE vc.cadre_id = c.id AND {vs}),
	(SELECT COUNT(DISTINCT v.household_id) FROM gr_visit_cadres vc JOIN gr_visits v ON v.id = vc.visit_id WHERE vc.cadre_id = c.id AND {vs}),
	(SELECT COUNT(*) FROM gr_meeting_speakers ms JOIN gr_meetings m ON m.id = ms.meeting_id WHERE ms.cadre_id = c.id AND {ms}),
	(SELECT COALESCE(SUM(m.audience), 0) FROM gr_meeting_speakers ms JOIN gr_meetings m ON m.id = ms.meeting_id WHERE ms.cadre_id = c.id AND {ms}),
	(SELECT COUNT(*) FROM gr_visit_cadres vc JOIN gr_visits v ON v.id = vc.visit_id WHERE vc.cadre_id = c.id AND v.needs <> '' AND {vs}),
	(SELECT COUNT(*) FROM gr_visit_cadres vc JOIN gr_visits v ON v.id = vc.visit_id JOIN workorders w ON w.id = v.workorder_id
		WHERE vc.cadre_id = c.id AND v.needs <> '' AND w.state IN ` + solvedStates + ` AND {vs}),
	(SELECT COUNT(*) FROM gr_campaign_tasks t WHERE t.owner_id = c.id),
	(SELECT COUNT(*) FROM gr_campaign_tasks t WHERE t.owner_id = c.id AND t.state = 'done')`

// cadreWork lists the cadres the caller can see (one when id > 0) with
// their work.
func (s *Service) cadreWork(ctx context.Context, p *auth.Principal, id int64) ([]CadreWork, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []CadreWork
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		vs, vargs := scopeWhere(p, "v.region_path")
		ms, margs := scopeWhere(p, "m.region_path")
		cols := cadreWorkCols
		var args []any
		// The placeholders come in the columns' order: vs, vs, ms, ms, vs, vs.
		for _, part := range []string{"vs", "vs", "ms", "ms", "vs", "vs"} {
			if part == "vs" {
				cols = strings.Replace(cols, "{vs}", vs, 1)
				args = append(args, vargs...)
			} else {
				cols = strings.Replace(cols, "{ms}", ms, 1)
				args = append(args, margs...)
			}
		}
		q := `SELECT c.id, r.name, r.name_en, c.name, c.rank, c.unit_name, (SELECT COUNT(DISTINCT x.region_id) FROM gr_dispatches x WHERE x.cadre_id = c.id),
			c.region_path, ` + cols + ` FROM gr_cadres c JOIN regions r ON r.id = c.region_id`
		if id > 0 {
			q += " WHERE c.id = ?"
			args = append(args, id)
		}
		rows, err := tx.Query(ctx, q+" ORDER BY c.rank, c.name, c.id LIMIT 2000", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c CadreWork
			var path string
			if err := rows.Scan(&c.ID, &c.RegionName, &c.RegionNameEN, &c.Name, &c.Rank, &c.Unit, &c.Villages, &path,
				&c.Visits, &c.Households, &c.Meetings, &c.Audience, &c.NeedsFound, &c.NeedsSolved, &c.Tasks, &c.TasksDone); err != nil {
				return err
			}
			if campaignVisible(p, path) {
				out = append(out, c)
			}
		}
		return rows.Err()
	})
	return out, err
}

// CadresWork lists the cadres the caller can see with their work.
func (s *Service) CadresWork(ctx context.Context, p *auth.Principal) ([]CadreWork, error) {
	return s.cadreWork(ctx, p, 0)
}

// CadrePage is one cadre's work with its rows: where they were sent, the
// latest visits and meetings, and their tasks.
type CadrePage struct {
	Work       CadreWork
	Dispatches []Dispatch
	Visits     []Visit
	Meetings   []Meeting
	Tasks      []Task
}

// GetCadreWork returns one cadre the caller can see with their work.
func (s *Service) GetCadreWork(ctx context.Context, p *auth.Principal, id int64) (CadrePage, error) {
	ws, err := s.cadreWork(ctx, p, id)
	if err != nil {
		return CadrePage{}, err
	}
	if len(ws) == 0 {
		return CadrePage{}, errs.NotFoundf("entity.cadre")
	}
	out := CadrePage{Work: ws[0]}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT x.id, x.cadre_id, c.name, c.rank, x.region_id, r.name, r.name_en, x.starts_on, x.ends_on
			FROM gr_dispatches x JOIN gr_cadres c ON c.id = x.cadre_id JOIN regions r ON r.id = x.region_id WHERE x.cadre_id = ? ORDER BY x.starts_on, r.path`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Dispatch
			if err := rows.Scan(&d.ID, &d.CadreID, &d.Cadre, &d.Rank, &d.RegionID, &d.Village, &d.VillageEN, &d.StartsOn, &d.EndsOn); err != nil {
				return err
			}
			out.Dispatches = append(out.Dispatches, d)
		}
		return rows.Err()
	})
	if err != nil {
		return CadrePage{}, err
	}
	if out.Visits, _, err = s.ListVisits(ctx, p, VisitFilter{CadreID: id, Size: 50}); err != nil {
		return CadrePage{}, err
	}
	if out.Meetings, err = s.meetingsWhere(ctx, p, "m.id IN (SELECT meeting_id FROM gr_meeting_speakers WHERE cadre_id = ?)", id); err != nil {
		return CadrePage{}, err
	}
	if out.Tasks, err = s.tasksWhere(ctx, "t.owner_id = ?", id); err != nil {
		return CadrePage{}, err
	}
	return out, nil
}

// checkCadres checks the cadres a visit or meeting names (each one the
// caller can see, no repeats) and returns them in order.
func checkCadres(ctx context.Context, tx *db.Tx, p *auth.Principal, ids []int64, field string, f *errs.Fields) ([]int64, error) {
	var out []int64
	for _, id := range ids {
		if id <= 0 || slices.Contains(out, id) {
			continue
		}
		if _, ok, err := visibleCadre(ctx, tx, p, id); err != nil {
			return nil, err
		} else if !ok {
			f.Add(field, "field.bad_choice")
			return nil, nil
		}
		out = append(out, id)
	}
	if len(out) > 20 {
		f.Add(field, "grassroots.err.too_many_cadres", 20)
	}
	return out, nil
}

// linkCadres writes the rows tying a visit or meeting to its cadres.
func linkCadres(ctx context.Context, tx *db.Tx, table, col string, id int64, cadres []int64) error {
	for _, c := range cadres {
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" ("+col+", cadre_id) VALUES (?, ?) ON CONFLICT DO NOTHING", id, c); err != nil {
			return err
		}
	}
	return nil
}

// VisitCadres are the cadres a visit of the caller may name: those sent
// (in any campaign) to a village that holds or lies in the caller's
// scope, by rank and name.
func (s *Service) VisitCadres(ctx context.Context, p *auth.Principal) ([]Cadre, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Cadre
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.id, c.name, c.rank, c.unit_name, x.region_path FROM gr_dispatches x JOIN gr_cadres c ON c.id = x.cadre_id
			ORDER BY CASE c.rank WHEN 'county' THEN 0 WHEN 'section' THEN 1 ELSE 2 END, c.name, c.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := map[int64]bool{}
		for rows.Next() {
			var c Cadre
			var path string
			if err := rows.Scan(&c.ID, &c.Name, &c.Rank, &c.Unit, &path); err != nil {
				return err
			}
			if !seen[c.ID] && campaignVisible(p, path) {
				seen[c.ID] = true
				out = append(out, c)
			}
		}
		return rows.Err()
	})
	return out, err
}
