package volunteer

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// The volunteer record beside the service (民政部令第67号 lists the
// volunteer's basic information, the service, training, honours and
// evaluation): entries written by the organisation that gave them.

// RecordKinds are the kinds of entries.
var RecordKinds = []string{"training", "honour", "evaluation"}

// RecordEntry is one training, honour or evaluation.
type RecordEntry struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Day    string `json:"day"`
	Title  string `json:"title"`
	Issuer string `json:"issuer"`
	Note   string `json:"note"`
}

// Validate checks an entry; today bounds its day.
func (e *RecordEntry) Validate(f *errs.Fields, today string) {
	e.Kind, e.Day, e.Title = strings.TrimSpace(e.Kind), strings.TrimSpace(e.Day), strings.TrimSpace(e.Title)
	e.Issuer, e.Note = strings.TrimSpace(e.Issuer), strings.TrimSpace(e.Note)
	if e.Kind == "" {
		f.Add("kind", "field.required")
	} else {
		f.Check(slices.Contains(RecordKinds, e.Kind), "kind", "field.bad_choice")
	}
	if _, err := time.Parse(time.DateOnly, e.Day); err != nil {
		f.Add("day", "field.bad_date")
	} else if e.Day > today {
		f.Add("day", "volunteer.party.future_day")
	}
	checkText(f, "title", e.Title, maxTextLen, true)
	checkText(f, "issuer", e.Issuer, maxTextLen, true)
	checkText(f, "note", e.Note, maxIntroLen, false)
}

// AddRecordEntry writes an entry on the record of a volunteer in p's scope.
func (s *Service) AddRecordEntry(ctx context.Context, p *auth.Principal, volunteerID int64, e RecordEntry) error {
	if err := canOrganise(p); err != nil {
		return err
	}
	now := s.Clock.Now()
	var f errs.Fields
	e.Validate(&f, now.In(clock.CST).Format(time.DateOnly))
	if err := f.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		v, err := get(ctx, tx, p, volunteerID)
		if err != nil {
			return err
		}
		var by any
		if p != nil {
			by = p.UserID
		}
		id, err := tx.InsertID(ctx, `INSERT INTO volunteer_record_entries (volunteer_id, kind, day, title, issuer, note, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, v.ID, e.Kind, e.Day, e.Title, e.Issuer, e.Note, by, now.UnixMilli())
		if err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, "add_record_"+e.Kind, "volunteer", v.ID, v.Number+" "+e.Title, nil, map[string]any{"entry": id, "entry_data": e})
	})
}

// RecordEntries are a volunteer's training, honours and evaluations,
// newest first, to organisers of the scope and the volunteer.
func (s *Service) RecordEntries(ctx context.Context, p *auth.Principal, volunteerID int64) ([]RecordEntry, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]RecordEntry, error) {
		if _, err := get(ctx, tx, p, volunteerID); err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, "SELECT id, kind, day, title, issuer, note FROM volunteer_record_entries WHERE volunteer_id = ? ORDER BY day DESC, id DESC", volunteerID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []RecordEntry
		for rows.Next() {
			var e RecordEntry
			if err := rows.Scan(&e.ID, &e.Kind, &e.Day, &e.Title, &e.Issuer, &e.Note); err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, rows.Err()
	})
}
