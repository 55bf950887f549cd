package grassroots

import (
	"context"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// TagKind is a kind of household tag (脱贫户, 监测户 …), a row of
// gr_tag_kinds: the kinds are data, seeded by migration 0050.
type TagKind struct {
	Code, Name, NameEN string
	Sort               int
}

// Tag is a household's (or one member's) tag over a period.
type Tag struct {
	ID          int64  `json:"id"`
	HouseholdID int64  `json:"household_id"`
	PersonID    int64  `json:"person_id"` // 0: the whole household
	PersonName  string `json:"person_name"`
	Tag         string `json:"tag"`
	StartedOn   string `json:"started_on"`
	EndedOn     string `json:"ended_on"` // "" while open
}

// TagInput is a new tag.
type TagInput struct {
	PersonID  int64  `json:"person_id"`
	Tag       string `json:"tag"`
	StartedOn string `json:"started_on"`
	EndedOn   string `json:"ended_on"`
}

// InForce reports whether the tag holds on day ('YYYY-MM-DD').
func (t Tag) InForce(day string) bool {
	return t.StartedOn <= day && (t.EndedOn == "" || t.EndedOn >= day)
}

// TagKinds lists the kinds in display order.
func (s *Service) TagKinds(ctx context.Context) ([]TagKind, error) {
	var out []TagKind
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = tagKinds(ctx, tx)
		return err
	})
	return out, err
}

func tagKinds(ctx context.Context, tx *db.Tx) ([]TagKind, error) {
	rows, err := tx.Query(ctx, "SELECT code, name, name_en, sort FROM gr_tag_kinds ORDER BY sort, code")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TagKind
	for rows.Next() {
		var k TagKind
		if err := rows.Scan(&k.Code, &k.Name, &k.NameEN, &k.Sort); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func validDay(s string) bool {
	_, err := time.ParseInLocation(time.DateOnly, s, clock.CST)
	return err == nil
}

// validate checks a tag's dates: a start is required, an end is not
// before it.
func (in *TagInput) validate(f *errs.Fields, kinds []TagKind) {
	in.Tag, in.StartedOn, in.EndedOn = strings.TrimSpace(in.Tag), strings.TrimSpace(in.StartedOn), strings.TrimSpace(in.EndedOn)
	known := false
	for _, k := range kinds {
		known = known || k.Code == in.Tag
	}
	if in.Tag == "" {
		f.Add("tag", "field.required")
	} else if !known {
		f.Add("tag", "field.bad_choice")
	}
	if in.StartedOn == "" {
		f.Add("started_on", "field.required")
	} else if !validDay(in.StartedOn) {
		f.Add("started_on", "field.bad_date")
	}
	if in.EndedOn != "" {
		if !validDay(in.EndedOn) {
			f.Add("ended_on", "field.bad_date")
		} else if in.EndedOn < in.StartedOn {
			f.Add("ended_on", "grassroots.err.end_before_start")
		}
	}
}

func (s *Service) addTag(ctx context.Context, tx *db.Tx, p *auth.Principal, hid int64, in TagInput) (int64, error) {
	kinds, err := tagKinds(ctx, tx)
	if err != nil {
		return 0, err
	}
	var f errs.Fields
	in.validate(&f, kinds)
	if in.PersonID != 0 {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM gr_people WHERE id = ? AND household_id = ?", in.PersonID, hid)
		if err != nil {
			return 0, err
		}
		f.Check(n == 1, "person_id", "field.bad_choice")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	var end any
	if in.EndedOn != "" {
		end = in.EndedOn
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_tags (household_id, person_id, tag, started_on, ended_on, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, hid, nullID(in.PersonID), in.Tag, in.StartedOn, end, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "household_tag", id, in.Tag, nil, in)
}

// AddTag tags a household (or one of its members) from a day.
func (s *Service) AddTag(ctx context.Context, p *auth.Principal, hid int64, in TagInput) (Tag, error) {
	if err := canRead(p); err != nil {
		return Tag{}, err
	}
	var out Tag
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := loadHousehold(ctx, tx, p, hid); err != nil {
			return err
		}
		id, err := s.addTag(ctx, tx, p, hid, in)
		if err != nil {
			return err
		}
		ts, err := listTags(ctx, tx, hid)
		for _, t := range ts {
			if t.ID == id {
				out = t
			}
		}
		return err
	})
	return out, err
}

// EndTag closes an open tag on a day (not before its start).
func (s *Service) EndTag(ctx context.Context, p *auth.Principal, hid, tid int64, day string) error {
	if err := canRead(p); err != nil {
		return err
	}
	day = strings.TrimSpace(day)
	if day == "" {
		day = s.today()
	}
	if !validDay(day) {
		return fieldErr("ended_on", "field.bad_date")
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := loadHousehold(ctx, tx, p, hid); err != nil {
			return err
		}
		var start, tag string
		if err := tx.Get(ctx, "entity.household_tag", "SELECT started_on, tag FROM gr_tags WHERE id = ? AND household_id = ?",
			[]any{tid, hid}, &start, &tag); err != nil {
			return err
		}
		if day < start {
			return fieldErr("ended_on", "grassroots.err.end_before_start")
		}
		if _, err := tx.Exec(ctx, "UPDATE gr_tags SET ended_on = ? WHERE id = ?", day, tid); err != nil {
			return err
		}
		return record(ctx, tx, p, s.Clock.Now(), audit.ActionUpdate, "household_tag", tid, tag, nil, map[string]any{"ended_on": day})
	})
}

// Tags lists a household's tags, open and ended.
func (s *Service) Tags(ctx context.Context, p *auth.Principal, hid int64) ([]Tag, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Tag
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if _, err := loadHousehold(ctx, tx, p, hid); err != nil {
			return err
		}
		var err error
		out, err = listTags(ctx, tx, hid)
		return err
	})
	return out, err
}

func listTags(ctx context.Context, tx *db.Tx, hid int64) ([]Tag, error) {
	rows, err := tx.Query(ctx, `SELECT g.id, g.household_id, COALESCE(g.person_id, 0), COALESCE(m.name, ''), g.tag, g.started_on,
		COALESCE(g.ended_on, '') FROM gr_tags g LEFT JOIN gr_people m ON m.id = g.person_id WHERE g.household_id = ? ORDER BY g.started_on, g.id`, hid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tag
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.HouseholdID, &t.PersonID, &t.PersonName, &t.Tag, &t.StartedOn, &t.EndedOn); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// tagsByHousehold gives the codes of the tags in force at now, per household.
func tagsByHousehold(ctx context.Context, tx *db.Tx, ids []int64, now time.Time) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	day := now.In(clock.CST).Format(time.DateOnly)
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, 0, len(ids)+2)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, day, day)
	rows, err := tx.Query(ctx, `SELECT DISTINCT g.household_id, g.tag, k.sort FROM gr_tags g JOIN gr_tag_kinds k ON k.code = g.tag
		WHERE g.household_id IN (`+marks+`) AND g.started_on <= ? AND (g.ended_on IS NULL OR g.ended_on >= ?) ORDER BY g.household_id, k.sort`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		var sort int
		if err := rows.Scan(&id, &tag, &sort); err != nil {
			return nil, err
		}
		out[id] = append(out[id], tag)
	}
	return out, rows.Err()
}
