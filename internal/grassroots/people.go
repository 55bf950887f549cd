package grassroots

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// Relations to the head of household, as data.
var Relations = []string{"head", "spouse", "child", "parent", "grandchild", "sibling", "other"}

// Genders as data.
var Genders = []string{"male", "female"}

// Person is a member of a household. The ID number is never read back in
// clear by a list: IDMask is stored beside the encrypted value.
type Person struct {
	ID          int64     `json:"id"`
	HouseholdID int64     `json:"household_id"`
	Name        string    `json:"name"`
	Relation    string    `json:"relation"`
	Gender      string    `json:"gender"`
	IDMask      string    `json:"id_number"` // masked (5101**********123X)
	HasID       bool      `json:"has_id_number"`
	Phone       string    `json:"phone"` // masked
	CreatedAt   time.Time `json:"created_at"`
}

// PersonInput is a new member.
type PersonInput struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Gender   string `json:"gender"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
}

// validate checks a member; the ID number becomes its normal form, the
// phone its digits.
func (in *PersonInput) validate(f *errs.Fields, today time.Time) {
	in.Name, in.Relation, in.Gender = strings.TrimSpace(in.Name), strings.TrimSpace(in.Relation), strings.TrimSpace(in.Gender)
	in.IDNumber, in.Phone = strings.TrimSpace(in.IDNumber), strings.TrimSpace(in.Phone)
	checkLen(f, "name", in.Name, MaxNameLen, true)
	if in.Relation == "" {
		f.Add("relation", "field.required")
	} else if !slices.Contains(Relations, in.Relation) {
		f.Add("relation", "field.bad_choice")
	}
	if in.Gender != "" && !slices.Contains(Genders, in.Gender) {
		f.Add("gender", "field.bad_choice")
	}
	if in.IDNumber != "" {
		if info, ok := pii.ParseID(in.IDNumber, today); ok {
			in.IDNumber = info.Number
			if in.Gender == "" {
				in.Gender = map[bool]string{true: "male", false: "female"}[info.Male]
			}
		} else {
			f.Add("id_number", "grassroots.err.bad_id")
		}
	}
	if in.Phone != "" {
		if c, ok := pii.NormalisePhone(in.Phone); ok {
			in.Phone = c
		} else {
			f.Add("phone", "field.bad_phone")
		}
	}
}

func (s *Service) addPerson(ctx context.Context, tx *db.Tx, p *auth.Principal, hid int64, in PersonInput) (int64, error) {
	var f errs.Fields
	in.validate(&f, s.Clock.Now())
	if err := f.Err(); err != nil {
		return 0, err
	}
	var enc, mask string
	var index any
	if in.IDNumber != "" {
		if s.PII == nil {
			return 0, fieldErr("id_number", "grassroots.err.no_pii_key")
		}
		var idx string
		var err error
		if enc, idx, err = s.PII.EncryptID(in.IDNumber); err != nil {
			return 0, err
		}
		index, mask = idx, pii.MaskID(in.IDNumber)
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM gr_people WHERE id_index = ?", idx)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			return 0, fieldErr("id_number", "grassroots.err.id_taken")
		}
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_people (household_id, name, relation, gender, id_enc, id_index, id_mask, phone, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, hid, in.Name, in.Relation, in.Gender, enc, index, mask, in.Phone, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "resident", id, in.Name, nil,
		map[string]any{"household_id": hid, "name": in.Name, "relation": in.Relation, "id_number": mask, "phone": pii.MaskPhone(in.Phone)})
}

// AddPerson adds a member to a household in the caller's scope.
func (s *Service) AddPerson(ctx context.Context, p *auth.Principal, hid int64, in PersonInput) (Person, error) {
	if err := canRead(p); err != nil {
		return Person{}, err
	}
	var out Person
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := loadHousehold(ctx, tx, p, hid); err != nil {
			return err
		}
		id, err := s.addPerson(ctx, tx, p, hid, in)
		if err != nil {
			return err
		}
		ps, err := listPeople(ctx, tx, hid)
		for _, x := range ps {
			if x.ID == id {
				out = x
			}
		}
		return err
	})
	return out, err
}

func listPeople(ctx context.Context, tx *db.Tx, hid int64) ([]Person, error) {
	rows, err := tx.Query(ctx, `SELECT id, household_id, name, relation, gender, id_mask, id_enc <> '', phone, created_at
		FROM gr_people WHERE household_id = ? ORDER BY id`, hid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var x Person
		var c int64
		if err := rows.Scan(&x.ID, &x.HouseholdID, &x.Name, &x.Relation, &x.Gender, &x.IDMask, &x.HasID, &x.Phone, &c); err != nil {
			return nil, err
		}
		x.Phone, x.CreatedAt = pii.MaskPhone(x.Phone), time.UnixMilli(c)
		out = append(out, x)
	}
	return out, rows.Err()
}

// People lists a household's members (ID numbers and phones masked).
func (s *Service) People(ctx context.Context, p *auth.Principal, hid int64) ([]Person, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Person
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if _, err := loadHousehold(ctx, tx, p, hid); err != nil {
			return err
		}
		var err error
		out, err = listPeople(ctx, tx, hid)
		return err
	})
	return out, err
}

// personOf reads a member of a household in p's scope.
func personOf(ctx context.Context, tx *db.Tx, p *auth.Principal, hid, pid int64) (name, enc, phone string, err error) {
	if _, err = loadHousehold(ctx, tx, p, hid); err != nil {
		return
	}
	err = tx.Get(ctx, "entity.resident", "SELECT name, id_enc, phone FROM gr_people WHERE id = ? AND household_id = ?",
		[]any{pid, hid}, &name, &enc, &phone)
	return
}

// RemovePerson deletes a member (and their tags).
func (s *Service) RemovePerson(ctx context.Context, p *auth.Principal, hid, pid int64) error {
	if err := canRead(p); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		name, _, _, err := personOf(ctx, tx, p, hid, pid)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM gr_tags WHERE person_id = ?", pid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM gr_people WHERE id = ?", pid); err != nil {
			return err
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionDelete, "resident", pid, name, nil, nil)
	})
}

// RevealID opens a member's ID number for a holder of pii.reveal; the
// reveal_pii audit entry is written in the same transaction (pii.Reveal).
func (s *Service) RevealID(ctx context.Context, p *auth.Principal, hid, pid int64) (string, error) {
	if err := canRead(p); err != nil {
		return "", err
	}
	var out string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		name, enc, _, err := personOf(ctx, tx, p, hid, pid)
		if err != nil {
			return err
		}
		if enc == "" {
			return errs.E(errs.Invalid, "grassroots.err.no_id")
		}
		out, err = pii.Reveal(ctx, tx, p, s.Clock.Now(), s.PII, pii.Field{Entity: "resident", EntityID: audit.ID(pid),
			Purpose: pii.PurposeIDNumber, Summary: name}, enc)
		return err
	})
	return out, err
}

// RevealPhone shows a member's phone to a holder of contact.view, audited
// as view_contact.
func (s *Service) RevealPhone(ctx context.Context, p *auth.Principal, hid, pid int64) (string, error) {
	if err := canRead(p); err != nil {
		return "", err
	}
	var out string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		name, _, phone, err := personOf(ctx, tx, p, hid, pid)
		if err != nil {
			return err
		}
		if err := auth.Require(p, auth.PermContactView); err != nil {
			return err
		}
		out = phone
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionViewContact, Entity: "resident",
			EntityID: audit.ID(pid), Summary: name}, nil, nil)
	})
	return out, err
}
