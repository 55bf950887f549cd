package rating

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/scoring"
)

// ---- rounds ----

// CreateRound opens a round of a template for a quarter: every active
// subject of the template's unit, kind and job type gets an entry, and the
// scorers are assigned with their kinds.
func (s *Service) CreateRound(ctx context.Context, p *auth.Principal, in RoundInput) (int64, error) {
	if p != nil {
		if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
			return 0, err
		}
	}
	var f errs.Fields
	from, to, ok := ParsePeriod(in.Period)
	f.Check(ok, "period", "rating.err.period")
	f.Check(validDate(in.SelfFrom), "self_from", "field.bad_date")
	f.Check(validDate(in.SelfTo), "self_to", "field.bad_date")
	if validDate(in.SelfFrom) && validDate(in.SelfTo) && in.SelfTo < in.SelfFrom {
		f.Add("self_to", "rating.err.window_order")
	}
	f.Check(in.AppealDays >= 1 && in.AppealDays <= 30, "appeal_days", "rating.err.appeal_days")
	f.Check(len(in.Scorers) > 0, "scorers", "rating.err.no_scorers")
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		t, err := getTemplate(ctx, tx, p, in.TemplateID)
		if err != nil {
			return 0, fieldErr("template_id", "field.bad_choice")
		}
		seen := map[int64]bool{}
		for _, sc := range in.Scorers {
			if seen[sc.UserID] || !slices.ContainsFunc(t.Scheme.Weights, func(w scoring.ScorerWeight) bool { return w.Kind == sc.Kind }) {
				return 0, fieldErr("scorers", "rating.err.scorer_kind")
			}
			seen[sc.UserID] = true
			if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM users WHERE id = ? AND active = TRUE", sc.UserID); err != nil {
				return 0, err
			} else if n == 0 {
				return 0, fieldErr("scorers", "field.bad_choice")
			}
		}
		name := fmt.Sprintf("%s %s", in.Period, t.JobType)
		id, err := tx.InsertID(ctx, `INSERT INTO rating_rounds (unit_id, template_id, period, name, state, self_from, self_to, period_from, period_to,
			appeal_days, created_at) VALUES (?, ?, ?, ?, 'scoring', ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.UnitID, t.ID, in.Period, name, in.SelfFrom, in.SelfTo, from, to, in.AppealDays, now.UnixMilli())
		if errs.CodeOf(err) == errs.Conflict {
			return 0, fieldErr("period", "rating.err.round_exists")
		}
		if err != nil {
			return 0, err
		}
		for _, sc := range in.Scorers {
			if _, err := tx.Exec(ctx, "INSERT INTO rating_scorers (round_id, user_id, kind) VALUES (?, ?, ?)", id, sc.UserID, sc.Kind); err != nil {
				return 0, err
			}
		}
		n, err := tx.ExecN(ctx, `INSERT INTO rating_entries (round_id, subject_id)
			SELECT ?, s.id FROM rating_subjects s WHERE s.unit_id = ? AND s.kind = ? AND s.job_type = ? AND s.active = TRUE`,
			id, t.UnitID, string(t.Kind), t.JobType)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, fieldErr("template_id", "rating.err.no_subjects")
		}
		return id, audit.Record(ctx, tx, p, now, audit.Entry{Action: "create", Entity: "rating_round", EntityID: audit.ID(id), Summary: name},
			nil, map[string]any{"template_id": t.ID, "version": t.Version, "period": in.Period, "scorers": in.Scorers, "entries": n})
	})
}

const roundCols = `r.id, r.unit_id, u.name, u.name_en, r.template_id, r.period, r.name, r.state, r.self_from, r.self_to, r.period_from, r.period_to,
	r.appeal_days, r.published_at, r.appeal_until, r.closed_at, r.missing_note, r.created_at,
	(SELECT COUNT(*) FROM rating_entries e WHERE e.round_id = r.id)`

func scanRound(sc interface{ Scan(...any) error }) (Round, error) {
	var r Round
	var state string
	var pub, until, closed *int64
	var at int64
	err := sc.Scan(&r.ID, &r.UnitID, &r.UnitName, &r.UnitEN, &r.TemplateID, &r.Period, &r.Name, &state, &r.SelfFrom, &r.SelfTo, &r.PeriodFrom, &r.PeriodTo,
		&r.AppealDays, &pub, &until, &closed, &r.MissingNote, &at, &r.Entries)
	r.State, r.PublishedAt, r.AppealUntil, r.ClosedAt, r.CreatedAt = State(state), msPtr(pub), msPtr(until), msPtr(closed), time.UnixMilli(at)
	return r, err
}

func getRound(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Round, error) {
	where, args := scope(p)
	r, err := queryOne(ctx, tx, "entity.round", scanRound, "SELECT "+roundCols+" FROM rating_rounds r JOIN units u ON u.id = r.unit_id WHERE r.id = ? AND "+where,
		append([]any{id}, args...)...)
	if err != nil {
		return r, err
	}
	r.Template, err = getTemplate(ctx, tx, nil, r.TemplateID)
	return r, err
}

// GetRound returns a round in scope.
func (s *Service) GetRound(ctx context.Context, p *auth.Principal, id int64) (Round, error) {
	if err := canRead(p); err != nil {
		return Round{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Round, error) { return getRound(ctx, tx, p, id) })
}

// Rounds lists the rounds in scope, newest period first.
func (s *Service) Rounds(ctx context.Context, p *auth.Principal, state State) ([]Round, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	where, args := scope(p)
	q := "SELECT " + roundCols + " FROM rating_rounds r JOIN units u ON u.id = r.unit_id WHERE " + where
	if state != "" {
		q += " AND r.state = ?"
		args = append(args, string(state))
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Round, error) {
		rows, err := tx.Query(ctx, q+" ORDER BY r.period DESC, r.name", args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Round
		for rows.Next() {
			r, err := scanRound(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	})
}

// ---- entries, marks, results ----

const entryCols = `e.id, e.round_id, e.subject_id, s.code, s.name, s.post, e.self_note, e.self_at, e.total, e.complete, e.rank, e.group_size,
	e.band, e.stars_before, e.stars_after, e.star_delta, e.trace,
	COALESCE((SELECT SUM(a.value) FROM rating_adjustments a WHERE a.entry_id = e.id AND a.approved_by IS NOT NULL), 0)`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var selfAt *int64
	var trace string
	err := sc.Scan(&e.ID, &e.RoundID, &e.SubjectID, &e.Code, &e.Name, &e.Post, &e.SelfNote, &selfAt, &e.Total, &e.Complete, &e.Rank, &e.GroupSize,
		&e.Band, &e.StarsBefore, &e.StarsAfter, &e.Delta, &trace, &e.Adjusted)
	e.SelfAt = msPtr(selfAt)
	if err == nil {
		err = e.readTrace(trace)
	}
	return e, err
}

// traceDoc is the stored trace: every part and each criterion's score.
type traceDoc struct {
	Parts []scoring.Part
	By    map[string]scoring.Cents
}

func (e *Entry) readTrace(s string) error {
	if s == "" {
		return nil
	}
	var d traceDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return err
	}
	e.Trace, e.ByCrit = d.Parts, d.By
	return nil
}

func listEntries(ctx context.Context, tx *db.Tx, roundID int64) ([]Entry, error) {
	rows, err := tx.Query(ctx, "SELECT "+entryCols+` FROM rating_entries e JOIN rating_subjects s ON s.id = e.subject_id WHERE e.round_id = ?
		ORDER BY CASE WHEN e.rank = 0 THEN 1 ELSE 0 END, e.rank, s.code`, roundID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Entries lists a round's entries by rank.
func (s *Service) Entries(ctx context.Context, p *auth.Principal, roundID int64) ([]Entry, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Entry, error) {
		if _, err := getRound(ctx, tx, p, roundID); err != nil {
			return nil, err
		}
		return listEntries(ctx, tx, roundID)
	})
}

func listMarks(ctx context.Context, tx *db.Tx, roundID int64) ([]Mark, error) {
	rows, err := tx.Query(ctx, `SELECT m.entry_id, m.criterion, m.scorer_id, m.kind, m.value, m.note FROM rating_marks m
		JOIN rating_entries e ON e.id = m.entry_id WHERE e.round_id = ? ORDER BY m.entry_id, m.criterion, m.scorer_id`, roundID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mark
	for rows.Next() {
		var m Mark
		if err := rows.Scan(&m.EntryID, &m.Criterion, &m.ScorerID, &m.Kind, &m.Value, &m.Note); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Marks lists a round's marks (all of them for a manager, the caller's own for a scorer).
func (s *Service) Marks(ctx context.Context, p *auth.Principal, roundID int64) ([]Mark, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Mark, error) {
		if _, err := getRound(ctx, tx, p, roundID); err != nil {
			return nil, err
		}
		ms, err := listMarks(ctx, tx, roundID)
		if err != nil || p == nil || p.Can(auth.PermAppraisalManage) {
			return ms, err
		}
		return slices.DeleteFunc(ms, func(m Mark) bool { return m.ScorerID != p.UserID && m.ScorerID != 0 }), nil
	})
}

// Scorers lists a round's scorers with how far each has got.
func (s *Service) Scorers(ctx context.Context, p *auth.Principal, roundID int64) ([]Scorer, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Scorer, error) {
		r, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return nil, err
		}
		return scorers(ctx, tx, r)
	})
}

func judged(t Template) []scoring.Criterion {
	return slices.DeleteFunc(slices.Clone(t.Scheme.Criteria), func(c scoring.Criterion) bool { return c.Method != scoring.MethodJudgement })
}

func scorers(ctx context.Context, tx *db.Tx, r Round) ([]Scorer, error) {
	rows, err := tx.Query(ctx, `SELECT sc.user_id, u.display_name, sc.kind,
		(SELECT COUNT(*) FROM rating_marks m JOIN rating_entries e ON e.id = m.entry_id WHERE e.round_id = sc.round_id AND m.scorer_id = sc.user_id)
		FROM rating_scorers sc JOIN users u ON u.id = sc.user_id WHERE sc.round_id = ? ORDER BY sc.kind, u.display_name`, r.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Scorer
	need := r.Entries * len(judged(r.Template))
	for rows.Next() {
		var sc Scorer
		if err := rows.Scan(&sc.UserID, &sc.Name, &sc.Kind, &sc.Given); err != nil {
			return nil, err
		}
		sc.Needed = need
		out = append(out, sc)
	}
	return out, rows.Err()
}

// MarkInput is one mark as a scorer (or the office, for test scores) enters it.
type MarkInput struct {
	EntryID   int64
	Criterion string
	Value     scoring.Cents
	Note      string
}

// SaveMarks stores the caller's marks on judged criteria of a round being
// scored; the caller must be one of the round's scorers. The results are
// recomputed in the same transaction.
func (s *Service) SaveMarks(ctx context.Context, p *auth.Principal, roundID int64, in []MarkInput) error {
	if err := auth.Require(p, auth.PermAppraise); err != nil {
		return err
	}
	return s.saveMarks(ctx, p, roundID, in, false)
}

// SaveTests stores the office's test scores (and other objective values
// entered by hand) on test criteria.
func (s *Service) SaveTests(ctx context.Context, p *auth.Principal, roundID int64, in []MarkInput) error {
	if p != nil {
		if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
			return err
		}
	}
	return s.saveMarks(ctx, p, roundID, in, true)
}

func (s *Service) saveMarks(ctx context.Context, p *auth.Principal, roundID int64, in []MarkInput, objective bool) error {
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		r, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return err
		}
		if r.State != StateScoring {
			return errs.E(errs.Conflict, "rating.err.not_scoring")
		}
		kind, scorer := "", int64(0)
		if !objective {
			scorer = principalID(p)
			if err := tx.Get(ctx, "entity.scorer", "SELECT kind FROM rating_scorers WHERE round_id = ? AND user_id = ?", []any{roundID, scorer}, &kind); err != nil {
				return errs.E(errs.Forbidden, "rating.err.not_a_scorer")
			}
		}
		entries, err := listEntries(ctx, tx, roundID)
		if err != nil {
			return err
		}
		var f errs.Fields
		for _, m := range in {
			field := "m." + strconv.FormatInt(m.EntryID, 10) + "." + m.Criterion
			e := slices.IndexFunc(entries, func(e Entry) bool { return e.ID == m.EntryID })
			c := slices.IndexFunc(r.Template.Scheme.Criteria, func(c scoring.Criterion) bool { return c.Code == m.Criterion })
			if e < 0 || c < 0 {
				f.Add(field, "field.bad_choice")
				continue
			}
			crit := r.Template.Scheme.Criteria[c]
			if (crit.Method == scoring.MethodJudgement) == objective || crit.Method == scoring.MethodFigure {
				f.Add(field, "rating.err.wrong_method")
				continue
			}
			if ps := r.Template.Scheme.CheckMark(scoring.Mark{Criterion: m.Criterion, Kind: kind, Value: m.Value}); ps != nil {
				f.Add(field, "rating.err.mark_range", crit.Points.String())
				continue
			}
			m.Note = clean(m.Note)
			if crit.Evidence && m.Note == "" {
				f.Add(field+".note", "rating.err.evidence")
			}
			if len([]rune(m.Note)) > 200 {
				f.Add(field+".note", "field.too_long", 200)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		for _, m := range in {
			if _, err := tx.Exec(ctx, "DELETE FROM rating_marks WHERE entry_id = ? AND criterion = ? AND scorer_id = ?", m.EntryID, m.Criterion, scorer); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO rating_marks (entry_id, criterion, scorer_id, kind, value, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				m.EntryID, m.Criterion, scorer, kind, int64(m.Value), clean(m.Note), now.UnixMilli()); err != nil {
				return err
			}
		}
		return recompute(ctx, tx, r)
	})
}

// SetObjective stores computed values (figure criteria) for entries of a
// round; used by PullFigures and the demo.
func setObjective(ctx context.Context, tx *db.Tx, entryID int64, crit string, v scoring.Cents, note string, now time.Time) error {
	if _, err := tx.Exec(ctx, "DELETE FROM rating_marks WHERE entry_id = ? AND criterion = ? AND scorer_id = 0", entryID, crit); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO rating_marks (entry_id, criterion, scorer_id, kind, value, note, at) VALUES (?, ?, 0, '', ?, ?, ?)",
		entryID, crit, int64(v), note, now.UnixMilli())
	return err
}

// recompute scores and ranks every entry of a round from its marks and
// approved adjustments (internal/scoring) and stores totals, ranks, bands
// and the trace.
func recompute(ctx context.Context, tx *db.Tx, r Round) error {
	entries, err := listEntries(ctx, tx, r.ID)
	if err != nil {
		return err
	}
	marks, err := listMarks(ctx, tx, r.ID)
	if err != nil {
		return err
	}
	adjs, err := listAdjustments(ctx, tx, r.ID)
	if err != nil {
		return err
	}
	subs := make([]scoring.Subject, 0, len(entries))
	for _, e := range entries {
		sub := scoring.Subject{Code: e.Code, Group: r.Template.JobType, Objective: map[string]scoring.Cents{}}
		for _, m := range marks {
			if m.EntryID != e.ID {
				continue
			}
			if m.ScorerID == 0 {
				sub.Objective[m.Criterion] = m.Value
			} else {
				sub.Marks = append(sub.Marks, scoring.Mark{Criterion: m.Criterion, Kind: m.Kind, Scorer: strconv.FormatInt(m.ScorerID, 10), Value: m.Value})
			}
		}
		for _, a := range adjs {
			if a.EntryID == e.ID {
				ap := ""
				if a.ApprovedBy != 0 {
					ap = strconv.FormatInt(a.ApprovedBy, 10)
				}
				sub.Adjustments = append(sub.Adjustments, scoring.Adjustment{Value: a.Value, Reason: a.Reason, Evidence: a.Evidence,
					ProposedBy: strconv.FormatInt(a.ProposedBy, 10), ApprovedBy: ap})
			}
		}
		subs = append(subs, sub)
	}
	byCode := map[string]int64{}
	for _, e := range entries {
		byCode[e.Code] = e.ID
	}
	for _, res := range r.Template.Scheme.Rank(subs) {
		band := r.Template.Ladder.BandOf(res.Rank, res.GroupSize, res.Total)
		if _, err := tx.Exec(ctx, "UPDATE rating_entries SET total = ?, complete = ?, rank = ?, group_size = ?, band = ?, trace = ? WHERE id = ?",
			int64(res.Total), res.Complete, res.Rank, res.GroupSize, band, encodeJSON(traceDoc{Parts: res.Parts, By: res.ByCrit}), byCode[res.Code]); err != nil {
			return err
		}
	}
	return nil
}

// ---- self-assessment ----

// SelfAssess stores the rated person's self-assessment while its window is open.
func (s *Service) SelfAssess(ctx context.Context, p *auth.Principal, entryID int64, note string) error {
	if p == nil || p.UserID == 0 {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	note = clean(note)
	var f errs.Fields
	f.Check(note != "", "self_note", "field.required")
	f.Check(len([]rune(note)) <= 1000, "self_note", "field.too_long", 1000)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	today := now.In(clock.CST).Format(time.DateOnly)
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var state, from, to string
		if err := tx.Get(ctx, "entity.entry", `SELECT r.state, r.self_from, r.self_to FROM rating_entries e JOIN rating_rounds r ON r.id = e.round_id
			JOIN rating_subjects s ON s.id = e.subject_id WHERE e.id = ? AND s.user_id = ?`, []any{entryID, p.UserID}, &state, &from, &to); err != nil {
			return err
		}
		if State(state) != StateScoring || today < from || today > to {
			return errs.E(errs.Conflict, "rating.err.self_closed", from, to)
		}
		if _, err := tx.Exec(ctx, "UPDATE rating_entries SET self_note = ?, self_at = ? WHERE id = ?", note, now.UnixMilli(), entryID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "self_assess", Entity: "rating_entry", EntityID: audit.ID(entryID), Summary: "self-assessment"}, nil, map[string]string{"self_note": note})
	})
}

// ---- publication, appeals, closing ----

// Publish publishes a round's results to those rated (公示) and opens the
// appeal window (to the end of the day appeal_days later, China Standard
// Time). Every scorer must have scored; otherwise a note saying why the
// round is published without them is required, and a scheme whose missing
// rule is "incomplete" cannot be published with an entry lacking a total.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, roundID int64, missingNote string) error {
	if p != nil {
		if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
			return err
		}
	}
	missingNote = clean(missingNote)
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		r, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return err
		}
		if r.State != StateScoring {
			return errs.E(errs.Conflict, "rating.err.not_scoring")
		}
		scs, err := scorers(ctx, tx, r)
		if err != nil {
			return err
		}
		var behind []string
		for _, sc := range scs {
			if !sc.Done() {
				behind = append(behind, sc.Name)
			}
		}
		if len(behind) > 0 && missingNote == "" {
			return fieldErr("missing_note", "rating.err.scorers_missing", fmt.Sprint(behind))
		}
		if err := recompute(ctx, tx, r); err != nil {
			return err
		}
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM rating_entries WHERE round_id = ? AND complete = FALSE", roundID)
		if err != nil {
			return err
		}
		if n > 0 && r.Template.Scheme.Missing == scoring.MissingIncomplete {
			return errs.E(errs.Conflict, "rating.err.incomplete", n)
		}
		day := now.In(clock.CST)
		until := time.Date(day.Year(), day.Month(), day.Day()+r.AppealDays, 23, 59, 59, 0, clock.CST)
		if _, err := tx.Exec(ctx, "UPDATE rating_rounds SET state = 'published', published_at = ?, appeal_until = ?, missing_note = ? WHERE id = ?",
			now.UnixMilli(), until.UnixMilli(), missingNote, roundID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "publish", Entity: "rating_round", EntityID: audit.ID(roundID), Summary: r.Name},
			map[string]any{"state": r.State}, map[string]any{"state": StatePublished, "appeal_until": until, "missing_note": missingNote, "behind": behind})
	})
}

// FileAppeal files the rated person's appeal while the window is open; one
// open appeal per entry.
func (s *Service) FileAppeal(ctx context.Context, p *auth.Principal, entryID int64, reason string) error {
	if p == nil || p.UserID == 0 {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	reason = clean(reason)
	var f errs.Fields
	f.Check(reason != "", "reason", "field.required")
	f.Check(len([]rune(reason)) <= 1000, "reason", "field.too_long", 1000)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var state string
		var until *int64
		if err := tx.Get(ctx, "entity.entry", `SELECT r.state, r.appeal_until FROM rating_entries e JOIN rating_rounds r ON r.id = e.round_id
			JOIN rating_subjects s ON s.id = e.subject_id WHERE e.id = ? AND s.user_id = ?`, []any{entryID, p.UserID}, &state, &until); err != nil {
			return err
		}
		if State(state) != StatePublished || until == nil || now.UnixMilli() > *until {
			return errs.E(errs.Conflict, "rating.err.appeal_closed")
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM rating_appeals WHERE entry_id = ? AND state = 'pending'", entryID); err != nil {
			return err
		} else if n > 0 {
			return errs.E(errs.Conflict, "rating.err.appeal_pending")
		}
		id, err := tx.InsertID(ctx, "INSERT INTO rating_appeals (entry_id, reason, filed_by, filed_at, state) VALUES (?, ?, ?, ?, 'pending') RETURNING id",
			entryID, reason, p.UserID, now.UnixMilli())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "appeal", Entity: "rating_appeal", EntityID: audit.ID(id), Summary: reason}, nil, map[string]any{"entry_id": entryID})
	})
}

// AnswerAppeal decides an appeal: upheld with a change of the score (not 0)
// that joins the entry's adjustments and re-ranks the round, or refused;
// either way with the answer shown to the appellant.
func (s *Service) AnswerAppeal(ctx context.Context, p *auth.Principal, appealID int64, upheld bool, change scoring.Cents, answer string) error {
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return err
	}
	answer = clean(answer)
	var f errs.Fields
	f.Check(answer != "", "answer", "field.required")
	f.Check(len([]rune(answer)) <= 1000, "answer", "field.too_long", 1000)
	f.Check(!upheld || change != 0, "change", "rating.err.change_zero")
	f.Check(upheld || change == 0, "change", "rating.err.change_refused")
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var entryID, roundID, filedBy int64
		var state string
		if err := tx.Get(ctx, "entity.appeal", `SELECT a.entry_id, e.round_id, a.filed_by, a.state FROM rating_appeals a JOIN rating_entries e ON e.id = a.entry_id
			WHERE a.id = ?`, []any{appealID}, &entryID, &roundID, &filedBy, &state); err != nil {
			return err
		}
		r, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return errs.NotFoundf("entity.appeal")
		}
		if state != "pending" || r.State != StatePublished {
			return errs.E(errs.Conflict, "rating.err.appeal_answered")
		}
		to := "refused"
		if upheld {
			to = "upheld"
			if _, err := tx.Exec(ctx, `INSERT INTO rating_adjustments (entry_id, value, reason, evidence, source, proposed_by, approved_by, created_at, approved_at)
				VALUES (?, ?, ?, ?, 'appeal', ?, ?, ?, ?)`, entryID, int64(change), answer, "appeal #"+strconv.FormatInt(appealID, 10),
				filedBy, p.UserID, now.UnixMilli(), now.UnixMilli()); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE rating_appeals SET state = ?, answer = ?, change = ?, answered_by = ?, answered_at = ? WHERE id = ?",
			to, answer, int64(change), p.UserID, now.UnixMilli(), appealID); err != nil {
			return err
		}
		if upheld {
			if err := recompute(ctx, tx, r); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "answer_appeal", Entity: "rating_appeal", EntityID: audit.ID(appealID), Summary: answer},
			map[string]any{"state": "pending"}, map[string]any{"state": to, "change": change.String(), "answer": answer})
	})
}

// Appeals lists a round's appeals.
func (s *Service) Appeals(ctx context.Context, p *auth.Principal, roundID int64) ([]Appeal, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Appeal, error) {
		if _, err := getRound(ctx, tx, p, roundID); err != nil {
			return nil, err
		}
		return appeals(ctx, tx, "e.round_id = ?", roundID)
	})
}

func appeals(ctx context.Context, tx *db.Tx, where string, arg any) ([]Appeal, error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.entry_id, s.name, a.reason, a.filed_by, a.filed_at, a.state, a.answer, a.change, COALESCE(a.answered_by, 0), a.answered_at
		FROM rating_appeals a JOIN rating_entries e ON e.id = a.entry_id JOIN rating_subjects s ON s.id = e.subject_id WHERE `+where+` ORDER BY a.id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Appeal
	for rows.Next() {
		var a Appeal
		var at int64
		var ans *int64
		if err := rows.Scan(&a.ID, &a.EntryID, &a.Subject, &a.Reason, &a.FiledBy, &at, &a.State, &a.Answer, &a.Change, &a.AnsweredBy, &ans); err != nil {
			return nil, err
		}
		a.FiledAt, a.AnsweredAt = time.UnixMilli(at), msPtr(ans)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Close ends a published round once its appeal window is over and every
// appeal is answered, and moves each subject's stars by the ladder's rules
// (scoring.Ladder.Next) from where the last closed round left them.
func (s *Service) Close(ctx context.Context, p *auth.Principal, roundID int64) error {
	if p != nil {
		if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
			return err
		}
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		r, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return err
		}
		if r.State != StatePublished {
			return errs.E(errs.Conflict, "rating.err.not_published")
		}
		if r.AppealUntil != nil && now.Before(*r.AppealUntil) {
			return errs.E(errs.Conflict, "rating.err.appeal_window_open", r.AppealUntil.In(clock.CST).Format("2006-01-02 15:04"))
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM rating_appeals a JOIN rating_entries e ON e.id = a.entry_id WHERE e.round_id = ? AND a.state = 'pending'", roundID); err != nil {
			return err
		} else if n > 0 {
			return errs.E(errs.Conflict, "rating.err.appeals_open", n)
		}
		entries, err := listEntries(ctx, tx, roundID)
		if err != nil {
			return err
		}
		moves := map[string]int{}
		for _, e := range entries {
			prev := scoring.StarState{}
			var stars, run int
			var band string
			err := tx.Get(ctx, "entity.stars", "SELECT stars, band, run FROM rating_stars WHERE subject_id = ? AND job_type = ?",
				[]any{e.SubjectID, r.Template.JobType}, &stars, &band, &run)
			switch {
			case err == nil:
				prev = scoring.StarState{Stars: stars, Band: band, Run: run, Rated: true}
			case errs.CodeOf(err) != errs.NotFound:
				return err
			}
			step := r.Template.Ladder.Next(prev, e.Band)
			if _, err := tx.Exec(ctx, "UPDATE rating_entries SET stars_before = ?, stars_after = ?, star_delta = ? WHERE id = ?",
				prev.Stars, step.State.Stars, step.Delta, e.ID); err != nil {
				return err
			}
			if !step.State.Rated {
				continue
			}
			if err := putStars(ctx, tx, e.SubjectID, r.Template.JobType, step.State, now); err != nil {
				return err
			}
			switch {
			case step.Delta > 0:
				moves["up"]++
			case step.Delta < 0:
				moves["down"]++
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE rating_rounds SET state = 'closed', closed_at = ? WHERE id = ?", now.UnixMilli(), roundID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "close", Entity: "rating_round", EntityID: audit.ID(roundID), Summary: r.Name},
			map[string]any{"state": r.State}, map[string]any{"state": StateClosed, "moves": moves})
	})
}

func putStars(ctx context.Context, tx *db.Tx, subjectID int64, jobType string, st scoring.StarState, now time.Time) error {
	n, err := tx.ExecN(ctx, "UPDATE rating_stars SET stars = ?, band = ?, run = ?, updated_at = ? WHERE subject_id = ? AND job_type = ?",
		st.Stars, st.Band, st.Run, now.UnixMilli(), subjectID, jobType)
	if err != nil || n > 0 {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO rating_stars (subject_id, job_type, stars, band, run, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		subjectID, jobType, st.Stars, st.Band, st.Run, now.UnixMilli())
	return err
}
