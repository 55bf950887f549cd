package honour

import (
	"context"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/jobs"
)

// NoticeKind is the inbox kind of the honours' notices (a title's review).
const NoticeKind = "honour"

func init() {
	inbox.Register(inbox.Kind{Name: NoticeKind, Perm: auth.PermHonourManage, OpenKey: "honour.notice.open",
		Link: func(ref int64) string { return "/honours/" + strconv.FormatInt(ref, 10) }})
}

// How early a title asks for its review.
const (
	TermNoticeDays   = 90 // before the term ends (a new review for another term)
	YearlyNoticeDays = 30 // before each anniversary of the award (the yearly check)
)

// Review kinds.
const (
	ReviewTerm   = "term"
	ReviewYearly = "yearly"
)

// ReviewDue is the review rule: the review a title awarded on awardedOn
// (with its term ending on expiresOn, and a yearly check when yearly) asks
// for at now, and the day it is due: the term's end when it falls within
// TermNoticeDays, else the next anniversary of the award within
// YearlyNoticeDays. ok is false when none is due yet (or the title is for
// good, expiresOn "").
func ReviewDue(awardedOn, expiresOn string, yearly bool, now time.Time) (kind, due string, ok bool) {
	if expiresOn == "" {
		return "", "", false
	}
	today := now.In(clock.CST)
	day := today.Format(time.DateOnly)
	if expiresOn <= today.AddDate(0, 0, TermNoticeDays).Format(time.DateOnly) {
		return ReviewTerm, expiresOn, true
	}
	if !yearly {
		return "", "", false
	}
	a, err := time.ParseInLocation(time.DateOnly, awardedOn, clock.CST)
	if err != nil {
		return "", "", false
	}
	limit := today.AddDate(0, 0, YearlyNoticeDays).Format(time.DateOnly)
	for y := 1; ; y++ {
		d := a.AddDate(y, 0, 0).Format(time.DateOnly)
		if d >= expiresOn || d > limit {
			return "", "", false
		}
		if d >= day {
			return ReviewYearly, d, true
		}
	}
}

// DueSoon reports whether a title asks for a review at now (ReviewDue).
func DueSoon(awardedOn, expiresOn string, yearly bool, now time.Time) bool {
	_, _, ok := ReviewDue(awardedOn, expiresOn, yearly, now)
	return ok
}

// Review is a review a title asks for.
type Review struct {
	Kind    string
	DueOn   string
	AskedAt *time.Time
	DoneAt  *time.Time
	Note    string
}

// review is the review nomination n asks for now, with what is recorded of it.
func review(ctx context.Context, tx *db.Tx, n Nomination, now time.Time) (*Review, error) {
	k, _ := KindOf(n.Kind)
	if n.State != StateAwarded || k.TermYears == 0 {
		return nil, nil
	}
	kind, due, ok := ReviewDue(n.AwardedOn, n.ExpiresOn, k.YearlyCheck, now)
	if !ok {
		return nil, nil
	}
	r := &Review{Kind: kind, DueOn: due}
	rows, err := tx.Query(ctx, "SELECT asked_at, done_at, note FROM honour_reviews WHERE nomination_id = ? AND due_on = ?", n.ID, due)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if rows.Next() {
		var asked int64
		var done *int64
		if err := rows.Scan(&asked, &done, &r.Note); err != nil {
			return nil, err
		}
		t := time.UnixMilli(asked)
		r.AskedAt = &t
		if done != nil {
			d := time.UnixMilli(*done)
			r.DoneAt = &d
		}
	}
	return r, rows.Err()
}

// ReviewOf is the review nomination id asks for now (nil for none).
func (s *Service) ReviewOf(ctx context.Context, p *auth.Principal, id int64) (*Review, error) {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (*Review, error) {
		n, err := get(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		return review(ctx, tx, n, now)
	})
}

// DueForReview lists the awarded titles in scope that ask for a review now
// (ReviewDue) and whose review is not yet recorded.
func (s *Service) DueForReview(ctx context.Context, p *auth.Principal) ([]Nomination, error) {
	all, err := s.List(ctx, p, Filter{State: StateAwarded})
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Nomination, error) {
		var out []Nomination
		for _, n := range all {
			r, err := review(ctx, tx, n, now)
			if err != nil {
				return nil, err
			}
			if r != nil && r.DoneAt == nil {
				out = append(out, n)
			}
		}
		return out, nil
	})
}

// AskReviews posts, for every awarded title whose review is due
// (ReviewDue), one inbox notice to the office that holds it, once per
// title and due day: the notice is posted only when this run's insert of
// the (title, due day) row took, so a second run, or another instance on
// the same PostgreSQL, finds the row and posts nothing.
func (s *Service) AskReviews(ctx context.Context) error {
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, kind, unit_id, nominee, awarded_on, expires_on FROM honour_nominations WHERE state = 'awarded' AND expires_on <> '' ORDER BY id")
		if err != nil {
			return err
		}
		type title struct {
			id, unit                     int64
			kind, nominee, award, expiry string
		}
		var list []title
		for rows.Next() {
			var t title
			if err := rows.Scan(&t.id, &t.kind, &t.unit, &t.nominee, &t.award, &t.expiry); err != nil {
				rows.Close()
				return err
			}
			list = append(list, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, t := range list {
			k, _ := KindOf(t.kind)
			kind, due, ok := ReviewDue(t.award, t.expiry, k.YearlyCheck, now)
			if !ok {
				continue
			}
			n, err := tx.ExecN(ctx, `INSERT INTO honour_reviews (nomination_id, due_on, kind, asked_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (nomination_id, due_on) DO NOTHING`, t.id, due, kind, now.UnixMilli())
			if err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticeKind, Ref: t.id, Label: t.nominee, Event: "review_" + kind, ToUnit: t.unit,
				Key: "honour.notice.review_" + kind, Args: []any{t.nominee, due}, At: now}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReviewJob asks for the reviews due, every six hours, on one instance at a time.
func (s *Service) ReviewJob() jobs.Job {
	return jobs.Job{Name: "honour_reviews", Every: 6 * time.Hour, Run: s.AskReviews}
}

// RecordReview records that the review a title asks for now was held and
// passed, with a note (a title that fails its review is revoked, with
// ActRevoke and its reason), with the audit log.
func (s *Service) RecordReview(ctx context.Context, p *auth.Principal, id int64, note string) error {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	note = clean(note)
	if note == "" {
		return fieldErr("review_note", "field.required")
	}
	if len([]rune(note)) > 500 {
		return fieldErr("review_note", "field.too_long", 500)
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		r, err := review(ctx, tx, n, now)
		if err != nil {
			return err
		}
		if r == nil || r.DoneAt != nil {
			return errs.E(errs.Conflict, "honour.err.no_review_due")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO honour_reviews (nomination_id, due_on, kind, asked_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (nomination_id, due_on) DO NOTHING`, id, r.DueOn, r.Kind, now.UnixMilli()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE honour_reviews SET done_at = ?, done_by = ?, note = ? WHERE nomination_id = ? AND due_on = ?",
			now.UnixMilli(), p.UserID, note, id, r.DueOn); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "review", Entity: "honour_nomination", EntityID: audit.ID(id), Summary: n.Nominee + " " + note},
			nil, map[string]any{"kind": r.Kind, "due_on": r.DueOn, "note": note})
	})
}
