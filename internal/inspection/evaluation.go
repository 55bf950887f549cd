package inspection

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/scoring"
	"github.com/wenming-city/wenming/internal/workorder"
)

// EvalRow is one unit's result in a quarter.
type EvalRow struct {
	UnitID    int64                    `json:"unit_id"`
	UnitCode  string                   `json:"unit_code"`
	UnitName  string                   `json:"unit_name"`
	UnitEN    string                   `json:"unit_name_en"`
	ParentID  int64                    `json:"parent_id"` // the unit above (a street's district government)
	Type      EvalType                 `json:"type"`
	Total     scoring.Cents            `json:"total_centi"`
	Rank      int                      `json:"rank"` // 0: not ranked (incomplete)
	GroupSize int                      `json:"group_size"`
	Complete  bool                     `json:"complete"`
	Criteria  map[string]scoring.Cents `json:"criteria_centi"`
	Adjusted  scoring.Cents            `json:"adjusted_centi"` // the approved adjustments' sum
	Inputs    EvalInputs               `json:"inputs"`         // the counts behind the criteria (as published, once frozen)
}

// Evaluation is a quarter's results by unit type.
type Evaluation struct {
	Quarter     string       `json:"quarter"`
	Published   bool         `json:"published"`
	PublishedAt *time.Time   `json:"published_at"`
	Rows        []EvalRow    `json:"rows"` // by type, then rank
	Adjustments []Adjustment `json:"adjustments"`
}

// Adjustment is a proposed plus or minus on a unit's quarter.
type Adjustment struct {
	ID         int64         `json:"id"`
	Quarter    string        `json:"quarter"`
	UnitID     int64         `json:"unit_id"`
	UnitName   string        `json:"unit_name"`
	UnitEN     string        `json:"unit_name_en"`
	Value      scoring.Cents `json:"value_centi"`
	Reason     string        `json:"reason"`
	Evidence   string        `json:"evidence"`
	State      string        `json:"state"` // pending, approved, refused
	ProposedBy int64         `json:"proposed_by"`
	Proposer   string        `json:"proposer_name"`
	DecidedBy  int64         `json:"decided_by"`
	Decider    string        `json:"decider_name"`
}

// canEvaluate: reading needs inspection.view (or manage).
func canEvaluate(p *auth.Principal) error { return canView(p) }

// Evaluation returns a quarter's scores and ranks: the frozen results once
// it is published, else computed now from the quarter's rows.
func (s *Service) Evaluation(ctx context.Context, p *auth.Principal, quarter string) (Evaluation, error) {
	if err := canEvaluate(p); err != nil {
		return Evaluation{}, err
	}
	q, ok := ParseQuarter(quarter)
	if !ok {
		var f errs.Fields
		f.Add("quarter", "inspection.eval.bad_quarter")
		return Evaluation{}, f.Err()
	}
	ev := Evaluation{Quarter: q.String()}
	var err error
	if ev.Adjustments, err = s.adjustments(ctx, q); err != nil {
		return ev, err
	}
	var at *int64
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		err := tx.Get(ctx, "", "SELECT published_at FROM inspection_eval_quarters WHERE quarter = ?", []any{q.String()}, &at)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return ev, err
	}
	if at != nil {
		t := time.UnixMilli(*at)
		ev.Published, ev.PublishedAt = true, &t
		ev.Rows, err = s.frozen(ctx, q)
		return ev, err
	}
	ev.Rows, err = s.compute(ctx, p, q, ev.Adjustments)
	return ev, err
}

type evalUnit struct {
	id, parent int64
	code, name string
	nameEN     string
	regionPath string // "" without a region: the city
	typ        EvalType
}

// compute scores every evaluated unit from the quarter's rows.
func (s *Service) compute(ctx context.Context, p *auth.Principal, q Quarter, adjs []Adjustment) ([]EvalRow, error) {
	from, to := q.Start().UnixMilli(), q.End().UnixMilli()
	var units []evalUnit
	in := map[int64]*EvalInputs{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.id, COALESCE(u.parent_id, 0), u.code, u.name, u.name_en, u.kind, COALESCE(r.path, '') FROM units u LEFT JOIN regions r ON r.id = u.region_id
			WHERE u.active = TRUE AND u.kind IN ('district_gov', 'street_office', 'department') ORDER BY u.sort, u.id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u evalUnit
			var kind string
			if err := rows.Scan(&u.id, &u.parent, &u.code, &u.name, &u.nameEN, &kind, &u.regionPath); err != nil {
				rows.Close()
				return err
			}
			u.typ = EvalTypeOf(kind)
			units = append(units, u)
			in[u.id] = &EvalInputs{}
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT unit_id, COUNT(*), COALESCE(SUM(findings), 0), COALESCE(SUM(earned), 0), COALESCE(SUM(possible), 0) FROM inspections
			WHERE inspected_at >= ? AND inspected_at < ? GROUP BY unit_id`, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u, n, f, e, ps int64
			if err := rows.Scan(&u, &n, &f, &e, &ps); err != nil {
				rows.Close()
				return err
			}
			if x := in[u]; x != nil {
				x.Inspections, x.Findings, x.InspEarned, x.InspPossible = n, f, e, ps
			}
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT x.unit_id, COUNT(*),
			COALESCE(SUM(CASE WHEN w.state = 'closed' AND w.resolved_at <= COALESCE(w.resolve_due_at, x.due_at) THEN 1 ELSE 0 END), 0)
			FROM inspection_rectifications x JOIN workorders w ON w.id = x.order_id
			WHERE x.created_at >= ? AND x.created_at < ? GROUP BY x.unit_id`, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u, n, ok int64
			if err := rows.Scan(&u, &n, &ok); err != nil {
				rows.Close()
				return err
			}
			if x := in[u]; x != nil {
				x.RectFiled, x.RectOnTime = n, ok
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The questionnaire: the answers from within each unit's region.
		answers, err := questionnaireRates(ctx, tx, q)
		if err != nil {
			return err
		}
		for _, u := range units {
			x := in[u.id]
			for _, a := range answers {
				if strings.HasPrefix(a.path, u.regionPath) {
					x.QuestPositive, x.QuestAnswered = x.QuestPositive+a.pos, x.QuestAnswered+a.ans
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The work-order KPIs come from the work orders' own rollups, the
	// figures every other screen shows.
	if s.Orders != nil {
		last := q.End().AddDate(0, 0, -1).Format(time.DateOnly)
		// The evaluation is the city's, the same for everyone who may read
		// it (inspection.view), so the KPIs are read city-wide, not in the
		// reader's own scope.
		city := &auth.Principal{UserID: p.UserID, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermOrderView: true}}
		stats, err := s.Orders.Stats(ctx, city, q.Start().Format(time.DateOnly), last, workorder.ByUnit)
		if err != nil {
			return nil, err
		}
		for _, r := range stats {
			if x := in[r.ID]; x != nil {
				x.AckOnTime, x.Dispatched = r.AckOnTime, r.Dispatched
				x.ResolvedOnTime, x.Resolved = r.ResolvedOnTime, r.Resolved
				x.SatisfiedOrBasic, x.Reached = r.Satisfied+r.BasicallySatisfied, r.CallbacksReached
			}
		}
	}
	byUnit := map[int64][]scoring.Adjustment{}
	for _, a := range adjs {
		approver := ""
		if a.State == "approved" {
			approver = strconv.FormatInt(a.DecidedBy, 10)
		}
		if a.State != "refused" {
			byUnit[a.UnitID] = append(byUnit[a.UnitID], scoring.Adjustment{Value: a.Value, Reason: a.Reason, Evidence: a.Evidence,
				ProposedBy: strconv.FormatInt(a.ProposedBy, 10), ApprovedBy: approver})
		}
	}
	var out []EvalRow
	for _, t := range EvalTypes {
		var subs []scoring.Subject
		info := map[string]evalUnit{}
		for _, u := range units {
			if u.typ == t {
				code := strconv.FormatInt(u.id, 10)
				subs = append(subs, EvalSubject(t, code, *in[u.id], byUnit[u.id]))
				info[code] = u
			}
		}
		for _, r := range EvalSchemes[t].Rank(subs) {
			u := info[r.Code]
			row := EvalRow{UnitID: u.id, UnitCode: u.code, UnitName: u.name, UnitEN: u.nameEN, ParentID: u.parent, Type: t, Total: r.Total, Rank: r.Rank, GroupSize: r.GroupSize,
				Complete: r.Complete, Criteria: r.ByCrit, Inputs: *in[u.id]}
			for _, part := range r.Parts {
				if part.Weight == 1 && strings.HasPrefix(part.Note, "adjustment") {
					row.Adjusted += part.Value
				}
			}
			out = append(out, row)
		}
	}
	return out, nil
}

func (s *Service) frozen(ctx context.Context, q Quarter) ([]EvalRow, error) {
	var out []EvalRow
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT r.unit_id, u.code, u.name, u.name_en, COALESCE(u.parent_id, 0), r.unit_type, r.total, r.rank, r.group_size, r.complete,
			r.criteria, r.adjusted, r.inputs FROM inspection_eval_results r JOIN units u ON u.id = r.unit_id WHERE r.quarter = ?`, q.String())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r EvalRow
			var crit, inputs string
			if err := rows.Scan(&r.UnitID, &r.UnitCode, &r.UnitName, &r.UnitEN, &r.ParentID, &r.Type, &r.Total, &r.Rank, &r.GroupSize, &r.Complete, &crit,
				&r.Adjusted, &inputs); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(crit), &r.Criteria); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(inputs), &r.Inputs); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	typeOrder := map[EvalType]int{}
	for i, t := range EvalTypes {
		typeOrder[t] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Type != b.Type {
			return typeOrder[a.Type] < typeOrder[b.Type]
		}
		if (a.Rank == 0) != (b.Rank == 0) {
			return a.Rank != 0
		}
		if a.Rank != b.Rank {
			return a.Rank < b.Rank
		}
		return a.UnitCode < b.UnitCode
	})
	return out, err
}

func (s *Service) adjustments(ctx context.Context, q Quarter) ([]Adjustment, error) {
	var out []Adjustment
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT a.id, a.quarter, a.unit_id, u.name, u.name_en, a.value, a.reason, a.evidence, a.state, a.proposed_by,
			COALESCE(pu.display_name, ''), COALESCE(a.decided_by, 0), COALESCE(du.display_name, '')
			FROM inspection_eval_adjustments a JOIN units u ON u.id = a.unit_id LEFT JOIN users pu ON pu.id = a.proposed_by
			LEFT JOIN users du ON du.id = a.decided_by WHERE a.quarter = ? ORDER BY a.id`, q.String())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a Adjustment
			if err := rows.Scan(&a.ID, &a.Quarter, &a.UnitID, &a.UnitName, &a.UnitEN, &a.Value, &a.Reason, &a.Evidence, &a.State, &a.ProposedBy,
				&a.Proposer, &a.DecidedBy, &a.Decider); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// MaxAdjustment bounds one adjustment (±10 points).
const MaxAdjustment = scoring.Cents(1000)

// AdjustmentInput is a proposed adjustment.
type AdjustmentInput struct {
	Quarter          string
	UnitID           int64
	Value            scoring.Cents
	Reason, Evidence string
}

// ProposeAdjustment records a plus or minus for a unit's quarter with its
// reason and evidence; it counts only once another person approves it.
func (s *Service) ProposeAdjustment(ctx context.Context, p *auth.Principal, in AdjustmentInput) (Adjustment, error) {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return Adjustment{}, err
	}
	in.Reason, in.Evidence = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Evidence)
	var f errs.Fields
	q, ok := ParseQuarter(in.Quarter)
	if !ok {
		f.Add("quarter", "inspection.eval.bad_quarter")
	}
	for _, pr := range scoring.CheckAdjustment(scoring.Adjustment{Value: in.Value, Reason: in.Reason, Evidence: in.Evidence, ProposedBy: "p"}, false) {
		f.Add(pr.Field, pr.Key)
	}
	if in.Value > MaxAdjustment || in.Value < -MaxAdjustment {
		f.Add("value", "field.out_of_range", -10, 10)
	}
	f.Check(utf8.RuneCountInString(in.Reason) <= 500, "reason", "field.too_long", 500)
	f.Check(utf8.RuneCountInString(in.Evidence) <= 500, "evidence", "field.too_long", 500)
	f.Check(in.UnitID != 0, "unit_id", "field.required")
	if err := f.Err(); err != nil {
		return Adjustment{}, err
	}
	now := s.now()
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := refusePublished(ctx, tx, q); err != nil {
			return err
		}
		var kind string
		if err := tx.Get(ctx, "entity.unit", "SELECT kind FROM units WHERE id = ? AND active = TRUE", []any{in.UnitID}, &kind); err != nil || EvalTypeOf(kind) == "" {
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			f.Add("unit_id", "field.bad_choice")
			return f.Err()
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO inspection_eval_adjustments (quarter, unit_id, value, reason, evidence, proposed_by, proposed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, q.String(), in.UnitID, int64(in.Value), in.Reason, in.Evidence, p.UserID, now.UnixMilli())
		if err != nil {
			return err
		}
		return record(ctx, tx, p, now, "propose", "inspection_eval_adjustment", id, q.String()+" "+in.Value.String(), nil,
			map[string]any{"unit_id": in.UnitID, "value": in.Value.String(), "reason": in.Reason})
	})
	if err != nil {
		return Adjustment{}, err
	}
	adjs, err := s.adjustments(ctx, q)
	for _, a := range adjs {
		if a.ID == id {
			return a, err
		}
	}
	return Adjustment{}, err
}

func refusePublished(ctx context.Context, tx *db.Tx, q Quarter) error {
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_eval_quarters WHERE quarter = ?", q.String())
	if err != nil {
		return err
	}
	if n > 0 {
		return errs.E(errs.Conflict, "inspection.eval.published")
	}
	return nil
}

// DecideAdjustment approves or refuses a pending adjustment; the one who
// proposed it cannot decide it.
func (s *Service) DecideAdjustment(ctx context.Context, p *auth.Principal, id int64, approve bool) error {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var quarter, state string
		var proposer int64
		if err := tx.Get(ctx, "inspection.entity.adjustment", "SELECT quarter, state, proposed_by FROM inspection_eval_adjustments WHERE id = ?",
			[]any{id}, &quarter, &state, &proposer); err != nil {
			return err
		}
		q, _ := ParseQuarter(quarter)
		if err := refusePublished(ctx, tx, q); err != nil {
			return err
		}
		if proposer == p.UserID {
			return errs.E(errs.Forbidden, "inspection.eval.second_person")
		}
		to := "refused"
		if approve {
			to = "approved"
		}
		res, err := tx.Exec(ctx, "UPDATE inspection_eval_adjustments SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
			to, p.UserID, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "inspection.eval.decided")
		}
		return record(ctx, tx, p, now, to, "inspection_eval_adjustment", id, quarter, map[string]any{"state": state}, map[string]any{"state": to})
	})
}

// PublishEvaluation freezes a finished quarter: its results as computed
// now are written once and shown from then on, and its adjustments can no
// longer change. A quarter not over yet cannot be published.
func (s *Service) PublishEvaluation(ctx context.Context, p *auth.Principal, quarter string) error {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return err
	}
	q, ok := ParseQuarter(quarter)
	if !ok {
		var f errs.Fields
		f.Add("quarter", "inspection.eval.bad_quarter")
		return f.Err()
	}
	now := s.now()
	if now.Before(q.End()) {
		return errs.E(errs.Conflict, "inspection.eval.not_over")
	}
	ev, err := s.Evaluation(ctx, p, q.String())
	if err != nil {
		return err
	}
	if ev.Published {
		return errs.E(errs.Conflict, "inspection.eval.published")
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO inspection_eval_quarters (quarter, published_at, published_by) VALUES (?, ?, ?)",
			q.String(), now.UnixMilli(), p.UserID); err != nil {
			return err
		}
		for _, r := range ev.Rows {
			crit, _ := json.Marshal(r.Criteria)
			inputs, _ := json.Marshal(r.Inputs)
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_eval_results (quarter, unit_id, unit_type, total, rank, group_size, complete, criteria, adjusted, inputs)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, q.String(), r.UnitID, string(r.Type), int64(r.Total), r.Rank, r.GroupSize, r.Complete,
				string(crit), int64(r.Adjusted), string(inputs)); err != nil {
				return err
			}
		}
		// Pending adjustments of a published quarter are refused by the publication.
		if _, err := tx.Exec(ctx, "UPDATE inspection_eval_adjustments SET state = 'refused', decided_by = ?, decided_at = ? WHERE quarter = ? AND state = 'pending'",
			p.UserID, now.UnixMilli(), q.String()); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "publish", "inspection_eval_quarter", 0, q.String(), nil, map[string]any{"units": len(ev.Rows)})
	})
}
