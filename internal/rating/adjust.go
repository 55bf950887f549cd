package rating

import (
	"context"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/scoring"
)

// ProposeAdjustment proposes a plus or minus on an entry of a round being
// scored (加减分): reason and evidence required; it counts once a second
// person approves it.
func (s *Service) ProposeAdjustment(ctx context.Context, p *auth.Principal, entryID int64, value scoring.Cents, reason, evidence string) (int64, error) {
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return 0, err
	}
	reason, evidence = clean(reason), clean(evidence)
	var f errs.Fields
	for _, pr := range scoring.CheckAdjustment(scoring.Adjustment{Value: value, Reason: reason, Evidence: evidence, ProposedBy: strconv.FormatInt(p.UserID, 10)}, false) {
		f.Add(pr.Field, pr.Key)
	}
	f.Check(len([]rune(reason)) <= 500, "reason", "field.too_long", 500)
	f.Check(len([]rune(evidence)) <= 500, "evidence", "field.too_long", 500)
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		var roundID int64
		if err := tx.Get(ctx, "entity.entry", "SELECT round_id FROM rating_entries WHERE id = ?", []any{entryID}, &roundID); err != nil {
			return 0, err
		}
		r, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return 0, errs.NotFoundf("entity.entry")
		}
		if r.State != StateScoring {
			return 0, errs.E(errs.Conflict, "rating.err.not_scoring")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO rating_adjustments (entry_id, value, reason, evidence, source, proposed_by, created_at)
			VALUES (?, ?, ?, ?, 'manual', ?, ?) RETURNING id`, entryID, int64(value), reason, evidence, p.UserID, now.UnixMilli())
		if err != nil {
			return 0, err
		}
		return id, audit.Record(ctx, tx, p, now, audit.Entry{Action: "propose", Entity: "rating_adjustment", EntityID: audit.ID(id), Summary: reason},
			nil, map[string]any{"entry_id": entryID, "value": value.String(), "reason": reason, "evidence": evidence})
	})
}

// ApproveAdjustment approves a pending adjustment; the approver must not be
// the proposer. The round is re-ranked in the same transaction.
func (s *Service) ApproveAdjustment(ctx context.Context, p *auth.Principal, adjID int64) error {
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var roundID, proposer int64
		var approved *int64
		if err := tx.Get(ctx, "entity.adjustment", `SELECT e.round_id, a.proposed_by, a.approved_by FROM rating_adjustments a
			JOIN rating_entries e ON e.id = a.entry_id WHERE a.id = ?`, []any{adjID}, &roundID, &proposer, &approved); err != nil {
			return err
		}
		r, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return errs.NotFoundf("entity.adjustment")
		}
		switch {
		case approved != nil:
			return errs.E(errs.Conflict, "rating.err.adjust_decided")
		case proposer == p.UserID:
			return errs.E(errs.Conflict, "scoring.err.adjust_second_person")
		case r.State != StateScoring:
			return errs.E(errs.Conflict, "rating.err.not_scoring")
		}
		if _, err := tx.Exec(ctx, "UPDATE rating_adjustments SET approved_by = ?, approved_at = ? WHERE id = ?", p.UserID, now.UnixMilli(), adjID); err != nil {
			return err
		}
		if err := recompute(ctx, tx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "approve", Entity: "rating_adjustment", EntityID: audit.ID(adjID), Summary: "approved"},
			map[string]any{"approved_by": nil}, map[string]any{"approved_by": p.UserID})
	})
}

func listAdjustments(ctx context.Context, tx *db.Tx, roundID int64) ([]Adjustment, error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.entry_id, s.name, a.value, a.reason, a.evidence, a.source, a.proposed_by, COALESCE(pu.display_name, ''),
		COALESCE(a.approved_by, 0), COALESCE(au.display_name, ''), a.created_at, a.approved_at
		FROM rating_adjustments a JOIN rating_entries e ON e.id = a.entry_id JOIN rating_subjects s ON s.id = e.subject_id
		LEFT JOIN users pu ON pu.id = a.proposed_by LEFT JOIN users au ON au.id = a.approved_by
		WHERE e.round_id = ? ORDER BY a.id`, roundID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Adjustment
	for rows.Next() {
		var a Adjustment
		var at int64
		var ap *int64
		if err := rows.Scan(&a.ID, &a.EntryID, &a.Subject, &a.Value, &a.Reason, &a.Evidence, &a.Source, &a.ProposedBy, &a.Proposer,
			&a.ApprovedBy, &a.Approver, &at, &ap); err != nil {
			return nil, err
		}
		a.CreatedAt, a.ApprovedAt = time.UnixMilli(at), msPtr(ap)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Adjustments lists a round's adjustments.
func (s *Service) Adjustments(ctx context.Context, p *auth.Principal, roundID int64) ([]Adjustment, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Adjustment, error) {
		if _, err := getRound(ctx, tx, p, roundID); err != nil {
			return nil, err
		}
		return listAdjustments(ctx, tx, roundID)
	})
}

// ---- manual star changes ----

// ProposeStars proposes a manual change of a subject's stars on its job
// type's ladder (never by the rules): a reason is required and a second
// person must approve it.
func (s *Service) ProposeStars(ctx context.Context, p *auth.Principal, subjectID int64, to int, reason string) (int64, error) {
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return 0, err
	}
	reason = clean(reason)
	var f errs.Fields
	f.Check(reason != "", "reason", "field.required")
	f.Check(len([]rune(reason)) <= 500, "reason", "field.too_long", 500)
	f.Check(to >= 0 && to <= 5, "stars", "rating.err.stars_range")
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		sub, err := getSubject(ctx, tx, p, subjectID)
		if err != nil {
			return 0, err
		}
		if sub.Stars == to {
			return 0, fieldErr("stars", "rating.err.stars_same")
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM rating_star_changes WHERE subject_id = ? AND state = 'pending'", subjectID); err != nil {
			return 0, err
		} else if n > 0 {
			return 0, errs.E(errs.Conflict, "rating.err.stars_pending")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO rating_star_changes (subject_id, job_type, stars_from, stars_to, reason, state, proposed_by, created_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id`, subjectID, sub.JobType, sub.Stars, to, reason, p.UserID, now.UnixMilli())
		if err != nil {
			return 0, err
		}
		return id, audit.Record(ctx, tx, p, now, audit.Entry{Action: "propose", Entity: "rating_star_change", EntityID: audit.ID(id), Summary: reason},
			map[string]any{"stars": sub.Stars}, map[string]any{"stars": to, "reason": reason})
	})
}

// DecideStars approves or refuses a pending star change; the decider must
// not be the proposer. Approval sets the stars and starts the band's run again.
func (s *Service) DecideStars(ctx context.Context, p *auth.Principal, changeID int64, approve bool) error {
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var c StarChange
		if err := tx.Get(ctx, "entity.star_change", "SELECT subject_id, job_type, stars_from, stars_to, state, proposed_by FROM rating_star_changes WHERE id = ?",
			[]any{changeID}, &c.SubjectID, &c.JobType, &c.From, &c.To, &c.State, &c.ProposedBy); err != nil {
			return err
		}
		if _, err := getSubject(ctx, tx, p, c.SubjectID); err != nil {
			return errs.NotFoundf("entity.star_change")
		}
		switch {
		case c.State != "pending":
			return errs.E(errs.Conflict, "rating.err.stars_decided")
		case c.ProposedBy == p.UserID:
			return errs.E(errs.Conflict, "rating.err.second_person")
		}
		to := "refused"
		if approve {
			to = "approved"
			if err := putStars(ctx, tx, c.SubjectID, c.JobType, scoring.StarState{Stars: c.To, Rated: true}, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE rating_star_changes SET state = ?, approved_by = ?, decided_at = ? WHERE id = ?", to, p.UserID, now.UnixMilli(), changeID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "decide", Entity: "rating_star_change", EntityID: audit.ID(changeID), Summary: to},
			map[string]any{"state": "pending", "stars": c.From}, map[string]any{"state": to, "stars": c.To})
	})
}

// StarChanges lists a subject's manual star changes.
func (s *Service) StarChanges(ctx context.Context, p *auth.Principal, subjectID int64) ([]StarChange, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]StarChange, error) {
		if _, err := getSubject(ctx, tx, p, subjectID); err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, c.subject_id, c.job_type, c.stars_from, c.stars_to, c.reason, c.state, c.proposed_by, COALESCE(u.display_name, ''),
			COALESCE(c.approved_by, 0), c.created_at FROM rating_star_changes c LEFT JOIN users u ON u.id = c.proposed_by WHERE c.subject_id = ? ORDER BY c.id DESC`, subjectID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []StarChange
		for rows.Next() {
			var c StarChange
			var at int64
			if err := rows.Scan(&c.ID, &c.SubjectID, &c.JobType, &c.From, &c.To, &c.Reason, &c.State, &c.ProposedBy, &c.Proposer, &c.ApprovedBy, &at); err != nil {
				return nil, err
			}
			c.CreatedAt = time.UnixMilli(at)
			out = append(out, c)
		}
		return out, rows.Err()
	})
}

// ---- history ----

// History lists a subject's published and closed rounds in period order
// with the change of the total from the round before (the trend). The
// subject's own user may read it too.
func (s *Service) History(ctx context.Context, p *auth.Principal, subjectID int64) ([]HistoryRow, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]HistoryRow, error) {
		if err := s.readSubjectOrOwn(ctx, tx, p, subjectID); err != nil {
			return nil, err
		}
		return history(ctx, tx, "e.subject_id = ?", subjectID)
	})
}

func history(ctx context.Context, tx *db.Tx, where string, arg any) ([]HistoryRow, error) {
	rows, err := tx.Query(ctx, "SELECT "+entryCols+`, r.period, r.id, r.name, r.state, t.job_type FROM rating_entries e
		JOIN rating_subjects s ON s.id = e.subject_id JOIN rating_rounds r ON r.id = e.round_id JOIN rating_templates t ON t.id = r.template_id
		WHERE `+where+` AND r.state IN ('published', 'closed') ORDER BY e.subject_id, r.period, r.id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryRow
	for rows.Next() {
		var h HistoryRow
		var state string
		e, err := scanEntryExtra(rows, &h.Period, &h.RoundID, &h.RoundName, &state, &h.JobType)
		if err != nil {
			return nil, err
		}
		h.Entry, h.State = e, State(state)
		if n := len(out); n > 0 && out[n-1].SubjectID == h.SubjectID && out[n-1].JobType == h.JobType {
			h.Change, h.HasPrev = h.Total-out[n-1].Total, true
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func scanEntryExtra(rows interface{ Scan(...any) error }, extra ...any) (Entry, error) {
	var e Entry
	var selfAt *int64
	var trace string
	dest := append([]any{&e.ID, &e.RoundID, &e.SubjectID, &e.Code, &e.Name, &e.Post, &e.SelfNote, &selfAt, &e.Total, &e.Complete, &e.Rank, &e.GroupSize,
		&e.Band, &e.StarsBefore, &e.StarsAfter, &e.Delta, &trace, &e.Adjusted}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return e, err
	}
	e.SelfAt = msPtr(selfAt)
	return e, e.readTrace(trace)
}

// Mine is what the rated person sees: their subjects, each round's entry
// (scoring rounds for self-assessment, published and closed ones with the
// result), their appeals and qualifications.
type Mine struct {
	Subjects []Subject
	Open     []OpenEntry
	History  []HistoryRow
	Appeals  []Appeal
	Quals    []Qualification
}

// OpenEntry is an entry of a round still being scored.
type OpenEntry struct {
	EntryID  int64
	Round    string
	SelfFrom string
	SelfTo   string
	SelfNote string
	Open     bool // today is within the window
}

// MyRatings returns the caller's own ratings (no permission needed: only
// rows whose subject is linked to the caller's user).
func (s *Service) MyRatings(ctx context.Context, p *auth.Principal) (Mine, error) {
	if p == nil || p.UserID == 0 {
		return Mine{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	today := s.Clock.Now().In(clock.CST).Format(time.DateOnly)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Mine, error) {
		var m Mine
		rows, err := tx.Query(ctx, "SELECT "+subjectCols+" FROM rating_subjects s JOIN units u ON u.id = s.unit_id WHERE s.user_id = ? ORDER BY s.id", p.UserID)
		if err != nil {
			return m, err
		}
		for rows.Next() {
			x, err := scanSubject(rows)
			if err != nil {
				rows.Close()
				return m, err
			}
			m.Subjects = append(m.Subjects, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return m, err
		}
		orows, err := tx.Query(ctx, `SELECT e.id, r.name, r.self_from, r.self_to, e.self_note FROM rating_entries e JOIN rating_rounds r ON r.id = e.round_id
			JOIN rating_subjects s ON s.id = e.subject_id WHERE s.user_id = ? AND r.state = 'scoring' ORDER BY r.period`, p.UserID)
		if err != nil {
			return m, err
		}
		for orows.Next() {
			var o OpenEntry
			if err := orows.Scan(&o.EntryID, &o.Round, &o.SelfFrom, &o.SelfTo, &o.SelfNote); err != nil {
				orows.Close()
				return m, err
			}
			o.Open = today >= o.SelfFrom && today <= o.SelfTo
			m.Open = append(m.Open, o)
		}
		orows.Close()
		if m.History, err = history(ctx, tx, "s.user_id = ?", p.UserID); err != nil {
			return m, err
		}
		if m.Appeals, err = appeals(ctx, tx, "s.user_id = ?", p.UserID); err != nil {
			return m, err
		}
		for _, x := range m.Subjects {
			qs, err := s.qualsTx(ctx, tx, x.ID)
			if err != nil {
				return m, err
			}
			m.Quals = append(m.Quals, qs...)
		}
		return m, nil
	})
}

func (s *Service) qualsTx(ctx context.Context, tx *db.Tx, subjectID int64) ([]Qualification, error) {
	rows, err := tx.Query(ctx, "SELECT id, subject_id, grade, gained_on, certificate FROM rating_qualifications WHERE subject_id = ? ORDER BY gained_on", subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Qualification
	for rows.Next() {
		var q Qualification
		if err := rows.Scan(&q.ID, &q.SubjectID, &q.Grade, &q.GainedOn, &q.Certificate); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
