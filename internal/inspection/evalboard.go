package inspection

import (
	"context"
	"sort"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/scoring"
)

// The quarterly evaluation, complete: the district rollup of its streets'
// scores, the history across quarters, the 红黑榜 (top and bottom of each
// unit type's list, published once after the quarter and then public) and
// the trace of a unit's figures to the rows that make them.

// DistrictRow is a district's rollup: the mean of its ranked streets'
// totals (rounded half up), the best and worst of them, and the districts'
// rank by that mean (ties share a rank; 0 when none of its streets is
// ranked), beside the district government's own result.
type DistrictRow struct {
	UnitID   int64         `json:"unit_id"`
	UnitName string        `json:"unit_name"`
	UnitEN   string        `json:"unit_name_en"`
	Streets  int           `json:"streets"`  // ranked streets
	Unranked int           `json:"unranked"` // streets not ranked (none of their sites inspected)
	Sum      scoring.Cents `json:"sum_centi"`
	Average  scoring.Cents `json:"average_centi"`
	Best     scoring.Cents `json:"best_centi"`
	Worst    scoring.Cents `json:"worst_centi"`
	Rank     int           `json:"rank"`
	Own      scoring.Cents `json:"own_centi"`
	OwnRank  int           `json:"own_rank"`
}

// DistrictRollup rolls the streets' results of an evaluation up to their
// districts (a street office's parent unit), in the districts' order.
func DistrictRollup(rows []EvalRow) []DistrictRow {
	var out []DistrictRow
	at := map[int64]int{}
	for _, r := range rows {
		if r.Type == EvalDistrict {
			at[r.UnitID] = len(out)
			out = append(out, DistrictRow{UnitID: r.UnitID, UnitName: r.UnitName, UnitEN: r.UnitEN, Own: r.Total, OwnRank: r.Rank})
		}
	}
	for _, r := range rows {
		i, ok := at[r.ParentID]
		if r.Type != EvalStreet || !ok {
			continue
		}
		d := &out[i]
		if r.Rank == 0 {
			d.Unranked++
			continue
		}
		if d.Streets == 0 || r.Total > d.Best {
			d.Best = r.Total
		}
		if d.Streets == 0 || r.Total < d.Worst {
			d.Worst = r.Total
		}
		d.Streets++
		d.Sum += r.Total
	}
	for i := range out {
		if n := scoring.Cents(out[i].Streets); n > 0 {
			s := out[i].Sum
			if s >= 0 {
				out[i].Average = (2*s + n) / (2 * n)
			} else {
				out[i].Average = -((-2*s + n) / (2 * n))
			}
		}
	}
	// Rank by the mean, ties shared (1, 1, 3).
	idx := make([]int, 0, len(out))
	for i := range out {
		if out[i].Streets > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return out[idx[a]].Average > out[idx[b]].Average })
	for k, i := range idx {
		if k > 0 && out[i].Average == out[idx[k-1]].Average {
			out[i].Rank = out[idx[k-1]].Rank
		} else {
			out[i].Rank = k + 1
		}
	}
	return out
}

// DefaultBoardSize is how many units the 红黑榜 names at each end of a list
// unless the publisher chooses otherwise; MaxBoardSize bounds the choice.
const (
	DefaultBoardSize = 3
	MaxBoardSize     = 10
)

// BoardList is one unit type's 红黑榜: the best (red) and the worst (black)
// of its ranked units.
type BoardList struct {
	Type  EvalType  `json:"type"`
	Red   []EvalRow `json:"red"`
	Black []EvalRow `json:"black"`
}

// BoardOf picks each type's red and black list from rows (by type, then
// rank): red is the first n ranked units, black the last n of those left,
// worst first; a unit tied with the last one taken at either end is taken
// too, so a tie is never split. A list with fewer than 2n ranked units
// shares them out without naming a unit twice.
func BoardOf(rows []EvalRow, n int) []BoardList {
	n = max(n, 1)
	var out []BoardList
	for _, t := range EvalTypes {
		var ranked []EvalRow
		for _, r := range rows {
			if r.Type == t && r.Rank > 0 {
				ranked = append(ranked, r)
			}
		}
		sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Rank < ranked[j].Rank })
		b := BoardList{Type: t}
		red := 0
		for red < len(ranked) && (red < n || ranked[red].Rank == ranked[red-1].Rank) {
			red++
		}
		b.Red = ranked[:red]
		black := len(ranked)
		for black > red && (len(ranked)-black < n || ranked[black-1].Rank == ranked[black].Rank) {
			black--
		}
		for i := len(ranked) - 1; i >= black; i-- {
			b.Black = append(b.Black, ranked[i])
		}
		out = append(out, b)
	}
	return out
}

// Board is a quarter's 红黑榜 with its publication.
type Board struct {
	Quarter     string      `json:"quarter"`
	Size        int         `json:"size"`
	Published   bool        `json:"published"` // the board (the quarter's results are frozen whenever this is true)
	PublishedAt *time.Time  `json:"published_at"`
	Lists       []BoardList `json:"lists"`
}

// boardOf reads a quarter's board publication (size 0: not published).
func (s *Service) boardOf(ctx context.Context, q Quarter) (size int, at *time.Time, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		var ms int64
		err := tx.Get(ctx, "", "SELECT size, published_at FROM inspection_eval_boards WHERE quarter = ?", []any{q.String()}, &size, &ms)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err == nil {
			t := time.UnixMilli(ms)
			at = &t
		}
		return err
	})
	return size, at, err
}

// BoardFor is the 红黑榜 of an evaluation as the office sees it: the
// published one, or a preview of the default size.
func (s *Service) BoardFor(ctx context.Context, ev Evaluation) (Board, error) {
	q, _ := ParseQuarter(ev.Quarter)
	size, at, err := s.boardOf(ctx, q)
	if err != nil {
		return Board{}, err
	}
	b := Board{Quarter: ev.Quarter, Size: size, Published: at != nil, PublishedAt: at}
	if size == 0 {
		b.Size = DefaultBoardSize
	}
	b.Lists = BoardOf(ev.Rows, b.Size)
	return b, nil
}

// PublishBoard publishes a quarter's 红黑榜 with size units at each end of
// every list. The quarter's results must be published (frozen) first, and
// a board is published once: a second publisher, on any instance, is
// refused.
func (s *Service) PublishBoard(ctx context.Context, p *auth.Principal, quarter string, size int) error {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return err
	}
	var f errs.Fields
	q, ok := ParseQuarter(quarter)
	if !ok {
		f.Add("quarter", "inspection.eval.bad_quarter")
	}
	if size < 1 || size > MaxBoardSize {
		f.Add("size", "field.out_of_range", 1, MaxBoardSize)
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_eval_quarters WHERE quarter = ?", q.String())
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "inspection.eval.board_needs_publication")
		}
		res, err := tx.Exec(ctx, `INSERT INTO inspection_eval_boards (quarter, size, published_at, published_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (quarter) DO NOTHING`, q.String(), size, now.UnixMilli(), p.UserID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errs.E(errs.Conflict, "inspection.eval.board_published")
		}
		return record(ctx, tx, p, now, "publish", "inspection_eval_board", 0, q.String(), nil, map[string]any{"size": size})
	})
}

// PublicBoard is a published 红黑榜 for the public page (no login): the
// given quarter's, or the latest published one's when quarter is "".
// Quarters lists every published board, latest first. A quarter whose
// board is not published is not found.
type PublicBoard struct {
	Board
	Quarters []string `json:"quarters"`
}

// PublicBoardOf returns a published board.
func (s *Service) PublicBoardOf(ctx context.Context, quarter string) (PublicBoard, error) {
	var pb PublicBoard
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT quarter FROM inspection_eval_boards ORDER BY quarter DESC")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var q string
			if err := rows.Scan(&q); err != nil {
				return err
			}
			pb.Quarters = append(pb.Quarters, q)
		}
		return rows.Err()
	})
	if err != nil {
		return pb, err
	}
	if quarter == "" && len(pb.Quarters) > 0 {
		quarter = pb.Quarters[0]
	}
	q, ok := ParseQuarter(quarter)
	if !ok {
		return pb, errs.NotFoundf("inspection.entity.board")
	}
	size, at, err := s.boardOf(ctx, q)
	if err != nil {
		return pb, err
	}
	if at == nil {
		return pb, errs.NotFoundf("inspection.entity.board")
	}
	rows, err := s.frozen(ctx, q)
	if err != nil {
		return pb, err
	}
	pb.Board = Board{Quarter: q.String(), Size: size, Published: true, PublishedAt: at, Lists: BoardOf(rows, size)}
	return pb, nil
}

// HistoryPoint is a unit's result in one quarter of a history.
type HistoryPoint struct {
	Quarter string        `json:"quarter"`
	Total   scoring.Cents `json:"total_centi"`
	Rank    int           `json:"rank"`   // 0: not ranked, or not evaluated that quarter
	Change  int           `json:"change"` // places moved up since the quarter before (both ranked), negative down
	Down    int           `json:"-"`      // -Change when it moved down
	Has     bool          `json:"has"`    // evaluated that quarter
}

// HistoryRow is one unit's results across the history's quarters.
type HistoryRow struct {
	UnitID   int64          `json:"unit_id"`
	UnitName string         `json:"unit_name"`
	UnitEN   string         `json:"unit_name_en"`
	Type     EvalType       `json:"type"`
	Points   []HistoryPoint `json:"points"`
}

// History is n quarters of evaluations up to one, oldest first: every
// unit's total and rank (with its move since the quarter before), and the
// district rollup of each quarter.
type History struct {
	Quarters  []string        `json:"quarters"`
	Published []bool          `json:"published"`
	Rows      []HistoryRow    `json:"rows"` // by type, then the last quarter's rank
	Districts [][]DistrictRow `json:"districts"`
}

// MaxHistory bounds a history's length.
const MaxHistory = 8

// EvaluationHistory returns the n quarters up to quarter (each frozen once
// published, else computed now).
func (s *Service) EvaluationHistory(ctx context.Context, p *auth.Principal, quarter string, n int) (History, error) {
	if err := canEvaluate(p); err != nil {
		return History{}, err
	}
	var f errs.Fields
	last, ok := ParseQuarter(quarter)
	if !ok {
		f.Add("quarter", "inspection.eval.bad_quarter")
	}
	if n < 2 || n > MaxHistory {
		f.Add("n", "field.out_of_range", 2, MaxHistory)
	}
	if err := f.Err(); err != nil {
		return History{}, err
	}
	qs := make([]Quarter, n)
	qs[n-1] = last
	for i := n - 2; i >= 0; i-- {
		qs[i] = qs[i+1].Prev()
	}
	var h History
	byUnit := map[int64]*HistoryRow{}
	var order []int64
	for i, q := range qs {
		ev, err := s.Evaluation(ctx, p, q.String())
		if err != nil {
			return h, err
		}
		h.Quarters = append(h.Quarters, q.String())
		h.Published = append(h.Published, ev.Published)
		h.Districts = append(h.Districts, DistrictRollup(ev.Rows))
		for _, r := range ev.Rows {
			row := byUnit[r.UnitID]
			if row == nil {
				row = &HistoryRow{UnitID: r.UnitID, Type: r.Type, Points: make([]HistoryPoint, n)}
				for k := range row.Points {
					row.Points[k].Quarter = qs[k].String()
				}
				byUnit[r.UnitID] = row
				order = append(order, r.UnitID)
			}
			row.UnitName, row.UnitEN = r.UnitName, r.UnitEN
			pt := &row.Points[i]
			pt.Total, pt.Rank, pt.Has = r.Total, r.Rank, true
			if i > 0 {
				if before := row.Points[i-1]; before.Rank > 0 && r.Rank > 0 {
					pt.Change = before.Rank - r.Rank
					pt.Down = max(0, -pt.Change)
				}
			}
		}
	}
	typeOrder := map[EvalType]int{}
	for i, t := range EvalTypes {
		typeOrder[t] = i
	}
	for _, id := range order {
		h.Rows = append(h.Rows, *byUnit[id])
	}
	sort.SliceStable(h.Rows, func(i, j int) bool {
		a, b := h.Rows[i], h.Rows[j]
		if a.Type != b.Type {
			return typeOrder[a.Type] < typeOrder[b.Type]
		}
		ra, rb := a.Points[n-1].Rank, b.Points[n-1].Rank
		if (ra == 0) != (rb == 0) {
			return ra != 0
		}
		return ra < rb
	})
	return h, nil
}

// TraceInspection is one inspection behind a unit's score.
type TraceInspection struct {
	ID       int64     `json:"id"`
	SiteName string    `json:"site_name"`
	At       time.Time `json:"inspected_at"`
	Earned   Points    `json:"earned_centi"`
	Possible Points    `json:"possible_centi"`
	Findings int       `json:"findings"`
}

// TraceRect is one rectification behind a unit's rectified-on-time rate.
type TraceRect struct {
	ID       int64     `json:"id"`
	OrderID  int64     `json:"order_id"`
	Code     string    `json:"code"`
	Title    string    `json:"title"`
	State    string    `json:"state"`
	Due      time.Time `json:"due_at"`
	OnTime   bool      `json:"on_time"` // counted in the rate's numerator
	Severity Severity  `json:"severity"`
}

// EvalTrace is what makes one unit's quarter: the result, the inspections
// and rectifications counted in it (those the caller may see; Hidden
// counts the rest), the adjustments, and the counts the rows give now
// (Now; a published quarter's Row.Inputs are the counts as published).
type EvalTrace struct {
	Quarter        string            `json:"quarter"`
	Published      bool              `json:"published"`
	From, To       string            `json:"-"` // the quarter's days, for the work-order KPI links
	Row            EvalRow           `json:"row"`
	Now            EvalInputs        `json:"now"`
	Inspections    []TraceInspection `json:"inspections"`
	Rectifications []TraceRect       `json:"rectifications"`
	Adjustments    []Adjustment      `json:"adjustments"`
	Hidden         int64             `json:"hidden"`
}

// EvaluationTrace returns the rows behind a unit's quarter.
func (s *Service) EvaluationTrace(ctx context.Context, p *auth.Principal, quarter string, unitID int64) (EvalTrace, error) {
	ev, err := s.Evaluation(ctx, p, quarter)
	if err != nil {
		return EvalTrace{}, err
	}
	q, _ := ParseQuarter(ev.Quarter)
	t := EvalTrace{Quarter: ev.Quarter, Published: ev.Published, From: q.Start().Format(time.DateOnly),
		To: q.End().AddDate(0, 0, -1).Format(time.DateOnly)}
	found := false
	for _, r := range ev.Rows {
		if r.UnitID == unitID {
			t.Row, found = r, true
		}
	}
	if !found {
		return t, errs.NotFoundf("entity.unit")
	}
	for _, a := range ev.Adjustments {
		if a.UnitID == unitID {
			t.Adjustments = append(t.Adjustments, a)
		}
	}
	from, to := q.Start().UnixMilli(), q.End().UnixMilli()
	where, args := inspectionVisible(p)
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		if err := tx.Get(ctx, "", `SELECT COUNT(*), COALESCE(SUM(findings), 0), COALESCE(SUM(earned), 0), COALESCE(SUM(possible), 0)
			FROM inspections WHERE unit_id = ? AND inspected_at >= ? AND inspected_at < ?`, []any{unitID, from, to},
			&t.Now.Inspections, &t.Now.Findings, &t.Now.InspEarned, &t.Now.InspPossible); err != nil {
			return err
		}
		if err := tx.Get(ctx, "", `SELECT COUNT(*), COALESCE(SUM(CASE WHEN w.state = 'closed' AND w.resolved_at <= COALESCE(w.resolve_due_at, x.due_at) THEN 1 ELSE 0 END), 0)
			FROM inspection_rectifications x JOIN workorders w ON w.id = x.order_id WHERE x.unit_id = ? AND x.created_at >= ? AND x.created_at < ?`,
			[]any{unitID, from, to}, &t.Now.RectFiled, &t.Now.RectOnTime); err != nil {
			return err
		}
		t.Now.AckOnTime, t.Now.Dispatched = t.Row.Inputs.AckOnTime, t.Row.Inputs.Dispatched
		t.Now.ResolvedOnTime, t.Now.Resolved = t.Row.Inputs.ResolvedOnTime, t.Row.Inputs.Resolved
		t.Now.SatisfiedOrBasic, t.Now.Reached = t.Row.Inputs.SatisfiedOrBasic, t.Row.Inputs.Reached
		t.Now.QuestPositive, t.Now.QuestAnswered = t.Row.Inputs.QuestPositive, t.Row.Inputs.QuestAnswered
		rows, err := tx.Query(ctx, `SELECT i.id, s.name, i.inspected_at, i.earned, i.possible, i.findings`+inspectionFrom+`
			WHERE i.unit_id = ? AND i.inspected_at >= ? AND i.inspected_at < ? AND `+where+` ORDER BY i.inspected_at, i.id`,
			append([]any{unitID, from, to}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x TraceInspection
			var at int64
			if err := rows.Scan(&x.ID, &x.SiteName, &at, &x.Earned, &x.Possible, &x.Findings); err != nil {
				rows.Close()
				return err
			}
			x.At = time.UnixMilli(at)
			t.Inspections = append(t.Inspections, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		where, args := rectVisible(p)
		rows, err = tx.Query(ctx, `SELECT x.id, w.id, w.code, w.title, w.state, COALESCE(w.resolve_due_at, x.due_at), x.severity,
			CASE WHEN w.state = 'closed' AND w.resolved_at <= COALESCE(w.resolve_due_at, x.due_at) THEN 1 ELSE 0 END`+rectFrom+`
			WHERE x.unit_id = ? AND x.created_at >= ? AND x.created_at < ? AND `+where+` ORDER BY x.created_at, x.id`,
			append([]any{unitID, from, to}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x TraceRect
			var due, ok int64
			if err := rows.Scan(&x.ID, &x.OrderID, &x.Code, &x.Title, &x.State, &due, &x.Severity, &ok); err != nil {
				return err
			}
			x.Due, x.OnTime = time.UnixMilli(due), ok == 1
			t.Rectifications = append(t.Rectifications, x)
		}
		return rows.Err()
	})
	t.Hidden = t.Now.Inspections - int64(len(t.Inspections)) + t.Now.RectFiled - int64(len(t.Rectifications))
	return t, err
}
