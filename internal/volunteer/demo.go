package volunteer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/pii"
)

// DemoVolunteers is how many volunteers the demo city gets.
const DemoVolunteers = 360

var (
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑谢宋唐冯邓")
	demoGiven    = []string{"秀英", "建华", "志强", "丽娟", "海燕", "国平", "文静", "小龙", "春梅", "德明", "晓燕", "子涵",
		"俊杰", "雨桐", "明轩", "佳怡", "红霞", "永刚", "玉兰", "浩然", "思远", "桂芳", "建国", "欣怡"}
)

// SeedDemo registers the demo city's volunteers in its communities: most
// approved with numbers, some waiting for review, a few refused, about a
// third Party members, a few minors with their guardian's consent. Without
// personal-data keys their ID numbers are not stored (only the mask).
// It does nothing when volunteers exist already. The first approved
// volunteer gets the demo login "volunteer" with the password given.
func (s *Service) SeedDemo(ctx context.Context, password string) (int, error) {
	now := s.Clock.Now()
	n := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if c, err := tx.Count(ctx, "SELECT COUNT(*) FROM volunteers"); err != nil || c > 0 {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, c.code FROM regions c WHERE c.level = 'community' ORDER BY c.code`)
		if err != nil {
			return err
		}
		var areas []int64
		for rows.Next() {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				rows.Close()
				return err
			}
			areas = append(areas, id)
		}
		rows.Close()
		if len(areas) == 0 {
			return rows.Err()
		}
		for i := range DemoVolunteers {
			age := 19 + (i*7)%52
			if i%45 == 7 {
				age = 15 // a minor, with the guardian's consent
			}
			birth := now.In(clock.CST).AddDate(-age, -(i % 11), -(i % 27))
			male := i%2 == 0
			seq := 100 + 2*(i%400)
			if male {
				seq++
			}
			first := fmt.Sprintf("511102%s%03d", birth.Format("20060102"), seq%1000)
			id := first + string(pii.CheckChar(first))
			in := Input{
				Name:         string(demoSurnames[i%len(demoSurnames)]) + demoGiven[(i/len(demoSurnames)+i)%len(demoGiven)],
				Gender:       string(Female),
				BirthDate:    birth.Format(time.DateOnly),
				IDType:       string(IDResident),
				IDNumber:     id,
				Phone:        fmt.Sprintf("137%08d", 10000000+i*37),
				RegionID:     areas[(i*5)%len(areas)],
				Skills:       []string{Skills[i%len(Skills)], Skills[(i*3+5)%len(Skills)]},
				Availability: []string{Slots[i%len(Slots)]},
				PartyMember:  i%3 == 0,
			}
			if male {
				in.Gender = string(Male)
			}
			if age < AdultAge {
				in.GuardianName, in.GuardianPhone, in.GuardianConsent = in.Name[:3]+"父", fmt.Sprintf("136%08d", 20000000+i), true
			}
			in.normalise()
			status, number := StatusApproved, ""
			switch {
			case i%17 == 3:
				status = StatusPending
			case i%41 == 5:
				status = StatusRejected
			}
			if status == StatusApproved {
				if number, err = nextNumber(ctx, tx, now); err != nil {
					return err
				}
			}
			created := now.Add(-time.Duration(DemoVolunteers-i) * 7 * time.Hour)
			var stored string
			var index any
			if s.PII != nil {
				var ix string
				if stored, ix, err = s.PII.EncryptID(in.IDNumber); err != nil {
					return err
				}
				index = ix
			}
			var num, revAt any
			if number != "" {
				num, revAt = number, created.Add(20*time.Hour).UnixMilli()
			}
			reason := ""
			if status == StatusRejected {
				reason = "信息不完整，请补充后重新提交"
			}
			src := sourceSelf
			if i%4 == 1 {
				src = sourceImport
			}
			if _, err := tx.Exec(ctx, `INSERT INTO volunteers (number, status, name, gender, birth_date, id_type, id_number_enc, id_number_index,
				id_number_mask, phone, region_id, skills, availability, party_member, guardian_name, guardian_phone, guardian_consent,
				source, reject_reason, reviewed_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				num, string(status), in.Name, in.Gender, in.BirthDate, in.IDType, stored, index, pii.MaskID(in.IDNumber), in.Phone,
				in.RegionID, strings.Join(in.Skills, " "), strings.Join(in.Availability, " "), in.PartyMember, in.GuardianName,
				in.GuardianPhone, in.GuardianConsent, src, reason, revAt, created.UnixMilli(), created.UnixMilli()); err != nil {
				return fmt.Errorf("demo volunteer %d: %w", i, err)
			}
			n++
		}
		return nil
	})
	if err != nil || n == 0 || password == "" {
		return n, err
	}
	var id, unit int64
	var name, phone string
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.volunteer", `SELECT v.id, v.name, v.phone, COALESCE((SELECT u.id FROM units u JOIN regions r ON r.id = u.region_id
			WHERE rv.path LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC, u.id LIMIT 1), 0)
			FROM volunteers v JOIN regions rv ON rv.id = v.region_id WHERE v.status = 'approved' ORDER BY v.id LIMIT 1`, nil, &id, &name, &phone, &unit)
	}); err != nil {
		return n, err
	}
	uid, err := s.Accounts.CreateUser(ctx, nil, account.UserInput{Username: "volunteer", DisplayName: name, Phone: phone, UnitID: unit,
		ScopeKind: auth.ScopeSelf, Roles: []string{account.RoleVolunteer}, Active: true, Password: password})
	if err != nil {
		return n, fmt.Errorf("demo volunteer login: %w", err)
	}
	return n, s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE volunteers SET user_id = ? WHERE id = ?", uid, id)
		return err
	})
}
