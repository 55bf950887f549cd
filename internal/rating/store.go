package rating

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inputtext"
	"github.com/wenming-city/wenming/internal/scoring"
)

// unitPath returns a unit's path if it is in p's scope.
func unitPath(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (string, error) {
	where, args := scope(p)
	var path string
	err := tx.Get(ctx, "entity.unit", "SELECT u.path FROM units u WHERE u.id = ? AND "+where, append([]any{id}, args...), &path)
	return path, err
}

func clean(s string) string { return strings.TrimSpace(inputtext.StripBidi(s)) }

// ---- templates ----

// SaveTemplate stores a template; one with the same unit, kind and job type
// becomes its next version (rounds keep the version they were made with).
func (s *Service) SaveTemplate(ctx context.Context, p *auth.Principal, in TemplateInput) (Template, error) {
	if p != nil {
		if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
			return Template{}, err
		}
	}
	in.JobType, in.Name = clean(in.JobType), clean(in.Name)
	var f errs.Fields
	f.Check(in.UnitID > 0, "unit_id", "field.required")
	f.Check(in.Kind.Valid(), "kind", "field.bad_choice")
	f.Check(in.JobType != "", "job_type", "field.required")
	f.Check(len([]rune(in.JobType)) <= 50, "job_type", "field.too_long", 50)
	f.Check(in.Name != "", "name", "field.required")
	f.Check(len([]rune(in.Name)) <= 100, "name", "field.too_long", 100)
	for _, w := range in.Scheme.Weights {
		if !strings.Contains(" leader peer office ", " "+w.Kind+" ") {
			f.Add("weights", "rating.err.scorer_kind")
		}
	}
	problemsErr(&f, in.Scheme.Validate())
	problemsErr(&f, in.Ladder.Validate())
	if err := f.Err(); err != nil {
		return Template{}, err
	}
	now := s.Clock.Now()
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := unitPath(ctx, tx, p, in.UnitID); err != nil {
			return fieldErr("unit_id", "field.bad_choice")
		}
		var v int
		if err := tx.Get(ctx, "entity.template", "SELECT COALESCE(MAX(version), 0) FROM rating_templates WHERE unit_id = ? AND kind = ? AND job_type = ?",
			[]any{in.UnitID, string(in.Kind), in.JobType}, &v); err != nil {
			return err
		}
		in.Scheme.Code, in.Scheme.Version = string(in.Kind)+"/"+in.JobType, v+1
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO rating_templates (unit_id, kind, job_type, name, version, scheme, ladder, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.UnitID, string(in.Kind), in.JobType, in.Name, v+1,
			encodeJSON(in.Scheme), encodeJSON(in.Ladder), now.UnixMilli())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "create", Entity: "rating_template", EntityID: audit.ID(id),
			Summary: in.Name}, nil, in)
	})
	if err != nil {
		return Template{}, err
	}
	return s.GetTemplate(ctx, p, id)
}

const templateCols = `t.id, t.unit_id, u.name, u.name_en, t.kind, t.job_type, t.name, t.version, t.scheme, t.ladder, t.created_at`

func scanTemplate(sc interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var kind, scheme, ladder string
	var at int64
	if err := sc.Scan(&t.ID, &t.UnitID, &t.UnitName, &t.UnitEN, &kind, &t.JobType, &t.Name, &t.Version, &scheme, &ladder, &at); err != nil {
		return t, err
	}
	t.Kind, t.CreatedAt = Kind(kind), time.UnixMilli(at)
	if err := json.Unmarshal([]byte(scheme), &t.Scheme); err != nil {
		return t, err
	}
	return t, json.Unmarshal([]byte(ladder), &t.Ladder)
}

func getTemplate(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Template, error) {
	where, args := scope(p)
	return queryOne(ctx, tx, "entity.template", scanTemplate, "SELECT "+templateCols+" FROM rating_templates t JOIN units u ON u.id = t.unit_id WHERE t.id = ? AND "+where, append([]any{id}, args...)...)
}

func canRead(p *auth.Principal) error {
	if p == nil {
		return nil
	}
	if p.Can(auth.PermAppraise) || p.Can(auth.PermAppraisalManage) {
		return nil
	}
	return auth.Require(p, auth.PermAppraise)
}

// GetTemplate returns one template in the caller's scope.
func (s *Service) GetTemplate(ctx context.Context, p *auth.Principal, id int64) (Template, error) {
	if err := canRead(p); err != nil {
		return Template{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Template, error) { return getTemplate(ctx, tx, p, id) })
}

// Templates lists the templates in scope, the latest version of each first.
func (s *Service) Templates(ctx context.Context, p *auth.Principal) ([]Template, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	where, args := scope(p)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Template, error) {
		rows, err := tx.Query(ctx, "SELECT "+templateCols+" FROM rating_templates t JOIN units u ON u.id = t.unit_id WHERE "+where+
			" ORDER BY t.kind, t.job_type, t.version DESC", args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Template
		for rows.Next() {
			t, err := scanTemplate(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, rows.Err()
	})
}

// ---- subjects ----

// CreateSubject adds a subject.
func (s *Service) CreateSubject(ctx context.Context, p *auth.Principal, in SubjectInput) (int64, error) {
	if p != nil {
		if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
			return 0, err
		}
	}
	in.Code, in.Name, in.JobType, in.Post = clean(in.Code), clean(in.Name), clean(in.JobType), clean(in.Post)
	var f errs.Fields
	f.Check(in.UnitID > 0, "unit_id", "field.required")
	f.Check(in.Kind.Valid(), "kind", "field.bad_choice")
	f.Check(in.Code != "", "code", "field.required")
	f.Check(len([]rune(in.Code)) <= 40, "code", "field.too_long", 40)
	f.Check(in.Name != "", "name", "field.required")
	f.Check(len([]rune(in.Name)) <= 100, "name", "field.too_long", 100)
	f.Check(in.JobType != "", "job_type", "field.required")
	f.Check(len([]rune(in.Post)) <= 50, "post", "field.too_long", 50)
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		if _, err := unitPath(ctx, tx, p, in.UnitID); err != nil {
			return 0, fieldErr("unit_id", "field.bad_choice")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO rating_subjects (unit_id, kind, code, name, job_type, post, user_id, region_id, ref_unit_id, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?) RETURNING id`, in.UnitID, string(in.Kind), in.Code, in.Name, in.JobType, in.Post,
			nullID(in.UserID), nullID(in.RegionID), nullID(in.RefUnitID), now.UnixMilli())
		if errs.CodeOf(err) == errs.Conflict {
			return 0, fieldErr("code", "rating.err.code_taken")
		}
		if err != nil {
			return 0, err
		}
		return id, audit.Record(ctx, tx, p, now, audit.Entry{Action: "create", Entity: "rating_subject", EntityID: audit.ID(id), Summary: in.Name}, nil, in)
	})
}

// fieldErr is a form error on one field.
func fieldErr(field, key string, args ...any) error {
	var f errs.Fields
	f.Add(field, key, args...)
	return f.Err()
}

// queryOne reads one row with scan; none is NotFound of what.
func queryOne[T any](ctx context.Context, tx *db.Tx, what string, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) (T, error) {
	var zero T
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return zero, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, err
		}
		return zero, errs.NotFoundf(what)
	}
	return scan(rows)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const subjectCols = `s.id, s.unit_id, u.name, u.name_en, s.kind, s.code, s.name, s.job_type, s.post, COALESCE(s.user_id, 0), COALESCE(s.region_id, 0),
	COALESCE(s.ref_unit_id, 0), s.active, COALESCE((SELECT st.stars FROM rating_stars st WHERE st.subject_id = s.id AND st.job_type = s.job_type), 0),
	(SELECT COUNT(*) FROM rating_qualifications q WHERE q.subject_id = s.id)`

func scanSubject(sc interface{ Scan(...any) error }) (Subject, error) {
	var x Subject
	var kind string
	err := sc.Scan(&x.ID, &x.UnitID, &x.UnitName, &x.UnitEN, &kind, &x.Code, &x.Name, &x.JobType, &x.Post, &x.UserID, &x.RegionID, &x.RefUnitID, &x.Active, &x.Stars, &x.Quals)
	x.Kind = Kind(kind)
	return x, err
}

func getSubject(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Subject, error) {
	where, args := scope(p)
	return queryOne(ctx, tx, "entity.subject", scanSubject, "SELECT "+subjectCols+" FROM rating_subjects s JOIN units u ON u.id = s.unit_id WHERE s.id = ? AND "+where,
		append([]any{id}, args...)...)
}

// GetSubject returns one subject in scope.
func (s *Service) GetSubject(ctx context.Context, p *auth.Principal, id int64) (Subject, error) {
	if err := canRead(p); err != nil {
		return Subject{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Subject, error) { return getSubject(ctx, tx, p, id) })
}

// SubjectFilter filters the subject list.
type SubjectFilter struct {
	JobType string
	Q       string
	Stars   int // 0: any
}

// Subjects lists subjects in scope by job type and code.
func (s *Service) Subjects(ctx context.Context, p *auth.Principal, f SubjectFilter) ([]Subject, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	where, args := scope(p)
	q := "SELECT " + subjectCols + " FROM rating_subjects s JOIN units u ON u.id = s.unit_id WHERE " + where
	if f.JobType != "" {
		q += " AND s.job_type = ?"
		args = append(args, f.JobType)
	}
	if f.Q != "" {
		q += " AND (s.name LIKE ? OR s.code LIKE ?)"
		args = append(args, db.Like(f.Q), db.Like(f.Q))
	}
	q += " ORDER BY s.job_type, s.code"
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Subject, error) {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Subject
		for rows.Next() {
			x, err := scanSubject(rows)
			if err != nil {
				return nil, err
			}
			if f.Stars == 0 || x.Stars == f.Stars {
				out = append(out, x)
			}
		}
		return out, rows.Err()
	})
}

// ---- qualifications ----

// AddQualification records a grade a subject gained.
func (s *Service) AddQualification(ctx context.Context, p *auth.Principal, subjectID int64, grade, gainedOn, cert string) error {
	if p != nil {
		if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
			return err
		}
	}
	gainedOn, cert = clean(gainedOn), clean(cert)
	var f errs.Fields
	f.Check(strings.Contains(" "+strings.Join(Grades, " ")+" ", " "+grade+" ") && grade != "", "grade", "field.bad_choice")
	f.Check(validDate(gainedOn), "gained_on", "field.bad_date")
	f.Check(len([]rune(cert)) <= 60, "certificate", "field.too_long", 60)
	if validDate(gainedOn) && gainedOn > s.Clock.Now().In(clock.CST).Format(time.DateOnly) {
		f.Add("gained_on", "rating.err.future_date")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := getSubject(ctx, tx, p, subjectID); err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO rating_qualifications (subject_id, grade, gained_on, certificate, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			subjectID, grade, gainedOn, cert, now.UnixMilli())
		if errs.CodeOf(err) == errs.Conflict {
			return fieldErr("grade", "rating.err.grade_twice")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "create", Entity: "rating_qualification", EntityID: audit.ID(id),
			Summary: grade + " " + gainedOn}, nil, map[string]any{"subject_id": subjectID, "grade": grade, "gained_on": gainedOn, "certificate": cert})
	})
}

// Qualifications lists a subject's grades.
func (s *Service) Qualifications(ctx context.Context, p *auth.Principal, subjectID int64) ([]Qualification, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Qualification, error) {
		if err := s.readSubjectOrOwn(ctx, tx, p, subjectID); err != nil {
			return nil, err
		}
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
	})
}

// GradeCounts counts the qualifications of the subjects in scope by grade.
func (s *Service) GradeCounts(ctx context.Context, p *auth.Principal) (map[string]int, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	where, args := scope(p)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (map[string]int, error) {
		rows, err := tx.Query(ctx, `SELECT q.grade, COUNT(*) FROM rating_qualifications q JOIN rating_subjects s ON s.id = q.subject_id
			JOIN units u ON u.id = s.unit_id WHERE `+where+` GROUP BY q.grade`, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var g string
			var n int
			if err := rows.Scan(&g, &n); err != nil {
				return nil, err
			}
			out[g] = n
		}
		return out, rows.Err()
	})
}

// readSubjectOrOwn lets the subject's own user or a reader in scope through.
func (s *Service) readSubjectOrOwn(ctx context.Context, tx *db.Tx, p *auth.Principal, subjectID int64) error {
	if p != nil && p.UserID != 0 {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM rating_subjects WHERE id = ? AND user_id = ?", subjectID, p.UserID)
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	if err := canRead(p); err != nil {
		return errs.NotFoundf("entity.subject")
	}
	_, err := getSubject(ctx, tx, p, subjectID)
	return err
}

var _ = scoring.Cents(0)

// Candidate is a user who may be named a scorer.
type Candidate struct {
	ID   int64
	Name string
	Unit string
}

// ScorerCandidates lists the active users whose unit lies in the caller's
// scope, for the round form's scorer choices.
func (s *Service) ScorerCandidates(ctx context.Context, p *auth.Principal) ([]Candidate, error) {
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return nil, err
	}
	where, args := scope(p)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Candidate, error) {
		rows, err := tx.Query(ctx, `SELECT us.id, us.display_name, u.name FROM users us JOIN units u ON u.id = us.unit_id
			WHERE us.active = TRUE AND `+where+` ORDER BY u.path, us.display_name`, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Candidate
		for rows.Next() {
			var c Candidate
			if err := rows.Scan(&c.ID, &c.Name, &c.Unit); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	})
}

// RoundOfEntry returns the round an entry belongs to (in scope).
func (s *Service) RoundOfEntry(ctx context.Context, p *auth.Principal, entryID int64) (int64, error) {
	if err := canRead(p); err != nil {
		return 0, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		var id int64
		if err := tx.Get(ctx, "entity.entry", "SELECT round_id FROM rating_entries WHERE id = ?", []any{entryID}, &id); err != nil {
			return 0, err
		}
		_, err := getRound(ctx, tx, p, id)
		return id, err
	})
}
