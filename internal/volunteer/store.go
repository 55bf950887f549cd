package volunteer

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

const cols = `v.id, COALESCE(v.number, ''), v.status, v.name, v.gender, v.birth_date, v.id_type, v.id_number_enc, v.id_number_mask,
	v.phone, v.region_id, r.name, r.path, v.skills, v.availability, v.party_member, v.guardian_name, v.guardian_phone,
	v.guardian_consent, v.source, v.reject_reason, COALESCE(v.user_id, 0), v.reviewed_at, v.created_at, r.name_en`

const from = ` FROM volunteers v JOIN regions r ON r.id = v.region_id`

func scan(sc interface{ Scan(...any) error }) (Volunteer, error) {
	var x Volunteer
	var skills, avail string
	var reviewed sql.NullInt64
	var created int64
	err := sc.Scan(&x.ID, &x.Number, &x.Status, &x.Name, &x.Gender, &x.BirthDate, &x.IDType, &x.idStored, &x.IDMasked,
		&x.Phone, &x.RegionID, &x.RegionName, &x.RegionPath, &skills, &avail, &x.PartyMember, &x.GuardianName, &x.GuardianPhone,
		&x.GuardianConsent, &x.Source, &x.RejectReason, &x.UserID, &reviewed, &created, &x.RegionNameEN)
	x.Skills, x.Availability = strings.Fields(skills), strings.Fields(avail)
	if reviewed.Valid {
		t := time.UnixMilli(reviewed.Int64)
		x.ReviewedAt = &t
	}
	x.CreatedAt = time.UnixMilli(created)
	return x, err
}

// canRead: organisers read the volunteers of their scope, a volunteer their own record.
func canRead(p *auth.Principal) error {
	if p.Can(auth.PermVolunteerSelf) {
		return nil
	}
	return auth.Require(p, auth.PermVolunteerOrg)
}

func get(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Volunteer, error) {
	sc, err := scopeOf(ctx, tx, p)
	if err != nil {
		return Volunteer{}, err
	}
	where, args := sc.where("r.path", "v.user_id")
	rows, err := tx.Query(ctx, "SELECT "+cols+from+" WHERE v.id = ? AND "+where, append([]any{id}, args...)...)
	if err != nil {
		return Volunteer{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Volunteer{}, err
		}
		return Volunteer{}, errs.NotFoundf("entity.volunteer")
	}
	return scan(rows)
}

// Get returns one volunteer in p's scope.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Volunteer, error) {
	if err := canRead(p); err != nil {
		return Volunteer{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Volunteer, error) { return get(ctx, tx, p, id) })
}

// Mine returns the volunteer record of p's own account.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) (Volunteer, error) {
	if err := auth.Require(p, auth.PermVolunteerSelf); err != nil {
		return Volunteer{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Volunteer, error) {
		var id int64
		if err := tx.Get(ctx, "entity.volunteer", "SELECT id FROM volunteers WHERE user_id = ?", []any{p.UserID}, &id); err != nil {
			return Volunteer{}, err
		}
		return get(ctx, tx, p, id)
	})
}

// Filter selects volunteers for a list.
type Filter struct {
	Status   Status
	RegionID int64 // home areas in this region's subtree
	Party    *bool
	Q        string // part of the name, the volunteer number, or the whole phone
	Page     int
	Size     int // 0: 50; AllRows: everything (exports)
}

// List returns a page of the volunteers in p's scope matching f, newest
// first, and how many match.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Volunteer, int, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, 0, err
	}
	var out []Volunteer
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		where, args := sc.where("r.path", "v.user_id")
		conds := []string{where}
		if f.Status != "" {
			conds, args = append(conds, "v.status = ?"), append(args, string(f.Status))
		}
		if f.RegionID != 0 {
			conds = append(conds, "r.path LIKE (SELECT fr.path FROM regions fr WHERE fr.id = ?) || '%'")
			args = append(args, f.RegionID)
		}
		if f.Party != nil {
			conds, args = append(conds, "v.party_member = ?"), append(args, *f.Party)
		}
		if q := strings.TrimSpace(f.Q); q != "" {
			ph, _ := pii.NormalisePhone(q)
			conds = append(conds, `(v.name LIKE ? ESCAPE '\' OR LOWER(COALESCE(v.number, '')) LIKE LOWER(?) ESCAPE '\' OR v.phone = ?)`)
			args = append(args, db.Like(q), db.Like(q), ph)
		}
		cond := strings.Join(conds, " AND ")
		if total, err = tx.Count(ctx, "SELECT COUNT(*)"+from+" WHERE "+cond, args...); err != nil {
			return err
		}
		limit, offset := limits(f.Page, f.Size)
		rows, err := tx.Query(ctx, "SELECT "+cols+from+" WHERE "+cond+" ORDER BY v.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, int(total), err
}

func limits(page, size int) (int, int) {
	switch {
	case size == AllRows:
		return exportRows, 0
	case size <= 0:
		size = defaultSize
	case size > maxListSize:
		size = maxListSize
	}
	return size, (max(page, 1) - 1) * size
}

// Counts are the home page's numbers in p's scope.
type Counts struct{ Pending, Approved, Party int }

// Count counts the volunteers in p's scope by status.
func (s *Service) Count(ctx context.Context, p *auth.Principal) (Counts, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Counts{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Counts, error) {
		var c Counts
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return c, err
		}
		where, args := sc.where("r.path", "v.user_id")
		err = tx.Get(ctx, "entity.volunteer", `SELECT
			COALESCE(SUM(CASE WHEN v.status = 'pending' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN v.status = 'approved' AND v.party_member THEN 1 ELSE 0 END), 0)`+from+" WHERE "+where, args,
			&c.Pending, &c.Approved, &c.Party)
		return c, err
	})
}

// regionPath returns a region's path, or a field error when there is none
// (or, for a principal, it lies outside their scope).
func regionPath(ctx context.Context, tx *db.Tx, sc scope, id int64, f *errs.Fields, field string) (string, error) {
	if id == 0 {
		return "", nil
	}
	var path, level string
	err := tx.Get(ctx, "entity.region", "SELECT path, level FROM regions WHERE id = ?", []any{id}, &path, &level)
	if errs.Is(err, errs.NotFound) || (err == nil && (level == "city" || !sc.hasRegion(path))) {
		f.Add(field, "field.bad_choice")
		return "", nil
	}
	return path, err
}

// insert writes a validated input; taken phones and ID numbers are field
// errors (the unique constraints are the backstop for a race).
func (s *Service) insert(ctx context.Context, tx *db.Tx, in *Input, status Status, source, number string, reviewer int64, now time.Time, f *errs.Fields) (int64, error) {
	if s.PII == nil {
		f.Add("id_number", "volunteer.no_pii_key")
		return 0, nil
	}
	stored, index, err := s.PII.EncryptID(in.IDNumber)
	if err != nil {
		return 0, err
	}
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM volunteers WHERE phone = ?", in.Phone)
	if err != nil {
		return 0, err
	}
	f.Check(n == 0, "phone", "volunteer.phone_taken")
	if n, err = tx.Count(ctx, "SELECT COUNT(*) FROM volunteers WHERE id_number_index = ?", index); err != nil {
		return 0, err
	}
	f.Check(n == 0, "id_number", "volunteer.id_taken")
	if f.Err() != nil {
		return 0, nil
	}
	var num, rev, revAt any
	if number != "" {
		num, revAt = number, now.UnixMilli()
		if reviewer != 0 {
			rev = reviewer
		}
	}
	return tx.InsertID(ctx, `INSERT INTO volunteers (number, status, name, gender, birth_date, id_type, id_number_enc, id_number_index,
		id_number_mask, phone, region_id, skills, availability, party_member, guardian_name, guardian_phone, guardian_consent,
		source, reviewed_by, reviewed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		num, string(status), in.Name, in.Gender, in.BirthDate, in.IDType, stored, index, pii.MaskID(in.IDNumber), in.Phone,
		in.RegionID, strings.Join(in.Skills, " "), strings.Join(in.Availability, " "), in.PartyMember, in.GuardianName,
		in.GuardianPhone, in.GuardianConsent, source, rev, revAt, now.UnixMilli(), now.UnixMilli())
}

// Register is a volunteer's own registration from the public page: it
// waits for an organiser's approval. Bad input changes nothing.
func (s *Service) Register(ctx context.Context, in Input) (int64, error) {
	now := s.Clock.Now()
	var f errs.Fields
	in.Validate(&f, now)
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := regionPath(ctx, tx, scope{all: true}, in.RegionID, &f, "region_id"); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		var err error
		if id, err = s.insert(ctx, tx, &in, StatusPending, sourceSelf, "", 0, now, &f); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		return record(ctx, tx, nil, now, audit.ActionCreate, id, in.Name, nil, in.audited())
	})
	return id, err
}

// nextNumber draws the next volunteer number of the year (China Standard
// Time) in the caller's transaction: the counter row's UPDATE locks it on
// PostgreSQL (SQLite has one writer), so two instances never give out the
// same number, and a rolled-back transaction gives its number back.
func nextNumber(ctx context.Context, tx *db.Tx, now time.Time) (string, error) {
	year := now.In(clock.CST).Year()
	if _, err := tx.Exec(ctx, "INSERT INTO volunteer_counters (year, last) VALUES (?, 0) ON CONFLICT (year) DO NOTHING", year); err != nil {
		return "", err
	}
	var n int64
	if err := tx.Get(ctx, "entity.volunteer", "UPDATE volunteer_counters SET last = last + 1 WHERE year = ? RETURNING last", []any{year}, &n); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%d%06d", NumberPrefix, year, n), nil
}

// Approve gives a pending volunteer their number. A volunteer no longer
// pending (approved or rejected meanwhile, by anyone) is a conflict.
func (s *Service) Approve(ctx context.Context, p *auth.Principal, id int64) (Volunteer, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Volunteer{}, err
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Volunteer, error) {
		x, err := get(ctx, tx, p, id)
		if err != nil {
			return x, err
		}
		if x.Status != StatusPending {
			return x, errs.E(errs.Conflict, "volunteer.not_pending")
		}
		now := s.Clock.Now()
		num, err := nextNumber(ctx, tx, now)
		if err != nil {
			return x, err
		}
		n, err := tx.ExecN(ctx, `UPDATE volunteers SET status = 'approved', number = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ?
			WHERE id = ? AND status = 'pending'`, num, p.UserID, now.UnixMilli(), now.UnixMilli(), id)
		if err != nil {
			return x, err
		}
		if n == 0 {
			return x, errs.E(errs.Conflict, "volunteer.not_pending")
		}
		if err := record(ctx, tx, p, now, "approve", id, x.Name+" "+num, map[string]any{"status": x.Status},
			map[string]any{"status": StatusApproved, "number": num}); err != nil {
			return x, err
		}
		x.Status, x.Number = StatusApproved, num
		return x, nil
	})
}

// Reject refuses a pending registration with a reason.
func (s *Service) Reject(ctx context.Context, p *auth.Principal, id int64, reason string) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	f.Check(reason != "", "reason", "field.required")
	f.Check(utf8.RuneCountInString(reason) <= MaxReasonLen, "reason", "field.too_long", MaxReasonLen)
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		x, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if x.Status != StatusPending {
			return errs.E(errs.Conflict, "volunteer.not_pending")
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, `UPDATE volunteers SET status = 'rejected', reject_reason = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ?
			WHERE id = ? AND status = 'pending'`, reason, p.UserID, now.UnixMilli(), now.UnixMilli(), id); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "reject", id, x.Name, map[string]any{"status": x.Status},
			map[string]any{"status": StatusRejected, "reason": reason})
	})
}

// Login is a volunteer's new login account: the username and the initial
// password, shown once to the organiser to hand over; it must be changed
// at first login.
type Login struct {
	Username, Password string
}

// CreateLogin gives an approved volunteer without one a login account of
// the built-in role volunteer (scope: self): the username is the mobile
// number, or the volunteer number when a staff account already has that
// name. The account is created through account.Service (its own
// transaction), then linked; a link already made meanwhile is a conflict.
func (s *Service) CreateLogin(ctx context.Context, p *auth.Principal, id int64) (Login, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Login{}, err
	}
	x, err := s.Get(ctx, p, id)
	if err != nil {
		return Login{}, err
	}
	if x.Status != StatusApproved {
		return Login{}, errs.E(errs.Conflict, "volunteer.not_approved")
	}
	if x.UserID != 0 {
		return Login{}, errs.E(errs.Conflict, "volunteer.has_login")
	}
	// An account belongs to a unit: the nearest one whose region covers the
	// volunteer's home area, else the approving organiser's.
	unitID, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		var id int64
		err := tx.Get(ctx, "entity.unit", `SELECT u.id FROM units u JOIN regions r ON r.id = u.region_id
			WHERE u.active AND ? LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC, u.id LIMIT 1`, []any{x.RegionPath}, &id)
		if errs.Is(err, errs.NotFound) {
			return p.UnitID, nil
		}
		return id, err
	})
	if err != nil {
		return Login{}, err
	}
	pw := generatePassword()
	in := account.UserInput{Username: x.Phone, DisplayName: x.Name, Phone: x.Phone, UnitID: unitID, ScopeKind: auth.ScopeSelf,
		Roles: []string{account.RoleVolunteer}, Active: true, Password: pw, MustChange: true}
	uid, err := s.Accounts.CreateUser(ctx, nil, in)
	if fe := errs.As(err); fe != nil && fe.Code == errs.Invalid && fe.Fields["username"].Key == "user.username_taken" {
		in.Username = x.Number
		uid, err = s.Accounts.CreateUser(ctx, nil, in)
	}
	if err != nil {
		return Login{}, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecN(ctx, "UPDATE volunteers SET user_id = ?, updated_at = ? WHERE id = ? AND user_id IS NULL", uid, s.Clock.Now().UnixMilli(), id)
		if err != nil {
			return err
		}
		if n == 0 {
			slog.Warn("volunteer login created twice; the second account is unlinked", "volunteer", id, "user", uid)
			return errs.E(errs.Conflict, "volunteer.has_login")
		}
		return record(ctx, tx, p, s.Clock.Now(), "create_login", id, x.Name+" "+in.Username, nil, map[string]any{"user_id": uid, "username": in.Username})
	})
	return Login{Username: in.Username, Password: pw}, err
}

// generatePassword is a random initial password that meets the default
// policy (letters of both cases and digits, 16 characters).
func generatePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b[:4]) + "-" + string(b[4:8]) + "-" + string(b[8:]) + "a7"
}

// RevealID opens a volunteer's ID number for a holder of pii.reveal, with
// the audit entry written in the same transaction.
func (s *Service) RevealID(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if err := auth.Require(p, auth.PermPIIReveal); err != nil {
		return "", err
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (string, error) {
		x, err := get(ctx, tx, p, id)
		if err != nil {
			return "", err
		}
		if x.idStored == "" {
			return "", errs.E(errs.Conflict, "volunteer.no_id")
		}
		return pii.Reveal(ctx, tx, p, s.Clock.Now(), s.PII, pii.Field{Entity: entity, EntityID: audit.ID(id),
			Purpose: pii.PurposeIDNumber, Summary: x.Name}, x.idStored)
	})
}

// RevealPhone returns a volunteer's whole phone to a holder of
// contact.view, with the view_contact audit entry.
func (s *Service) RevealPhone(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if err := auth.Require(p, auth.PermContactView); err != nil {
		return "", err
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (string, error) {
		x, err := get(ctx, tx, p, id)
		if err != nil {
			return "", err
		}
		return x.Phone, record(ctx, tx, p, s.Clock.Now(), audit.ActionViewContact, id, x.Name, nil, map[string]any{"field": "phone"})
	})
}

// Area is a community a volunteer may live in, with its street, for the
// public registration page.
type Area struct {
	ID                             int64
	Name, NameEN, Street, StreetEN string
	District, DistrictEN           string
}

// HomeAreas lists every community with its street and district, in code
// order, for the public registration page (no principal: the region tree
// is not personal data).
func (s *Service) HomeAreas(ctx context.Context) ([]Area, error) {
	var out []Area
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.id, c.name, c.name_en, st.name, st.name_en, COALESCE(d.name, ''), COALESCE(d.name_en, '')
			FROM regions c JOIN regions st ON st.id = c.parent_id LEFT JOIN regions d ON d.id = st.parent_id
			WHERE c.level = 'community' ORDER BY d.code, st.code, c.code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a Area
			if err := rows.Scan(&a.ID, &a.Name, &a.NameEN, &a.Street, &a.StreetEN, &a.District, &a.DistrictEN); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}
