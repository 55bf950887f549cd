package volunteer

import (
	"context"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// Editing a registration and moving it to another community: an organiser
// whose scope holds the record changes the contact and placement fields
// (the real-name identity stays as registered and checked); the new home
// area or community must lie in the organiser's scope too, so a record
// leaves one scope only for another the same organiser holds. Every change
// is audited with before and after (phones masked).

// EditInput is what an organiser may change of a volunteer.
type EditInput struct {
	Phone        string   `json:"phone"`
	RegionID     int64    `json:"region_id"` // the home area: moving it moves the volunteer
	Skills       []string `json:"skills"`
	Availability []string `json:"availability"`
	PartyMember  bool     `json:"party_member"`
}

// Validate checks the fields that need no database.
func (in *EditInput) Validate(f *errs.Fields) {
	in.Phone = strings.TrimSpace(in.Phone)
	if in.Phone == "" {
		f.Add("phone", "field.required")
	} else if n, ok := pii.NormalisePhone(in.Phone); !ok || !pii.IsMobile(n) {
		f.Add("phone", "volunteer.bad_mobile")
	} else {
		in.Phone = n
	}
	f.Check(in.RegionID > 0, "region_id", "field.required")
	for _, s := range in.Skills {
		f.Check(slices.Contains(Skills, s), "skills", "field.bad_choice")
	}
	for _, s := range in.Availability {
		f.Check(slices.Contains(Slots, s), "availability", "field.bad_choice")
	}
}

// UpdateVolunteer changes a volunteer of p's scope.
func (s *Service) UpdateVolunteer(ctx context.Context, p *auth.Principal, id int64, in EditInput) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	var f errs.Fields
	in.Validate(&f)
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		v, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		if _, err := regionPath(ctx, tx, sc, in.RegionID, &f, "region_id"); err != nil {
			return err
		}
		if in.Phone != "" {
			n, err := tx.Count(ctx, "SELECT COUNT(*) FROM volunteers WHERE phone = ? AND id <> ?", in.Phone, id)
			if err != nil {
				return err
			}
			f.Check(n == 0, "phone", "volunteer.phone_taken")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE volunteers SET phone = ?, region_id = ?, skills = ?, availability = ?, party_member = ?, updated_at = ? WHERE id = ?`,
			in.Phone, in.RegionID, strings.Join(in.Skills, " "), strings.Join(in.Availability, " "), in.PartyMember, now.UnixMilli(), id); err != nil {
			return err
		}
		before := map[string]any{"phone": pii.MaskPhone(v.Phone), "region_id": v.RegionID, "skills": v.Skills, "availability": v.Availability, "party_member": v.PartyMember}
		after := map[string]any{"phone": pii.MaskPhone(in.Phone), "region_id": in.RegionID, "skills": in.Skills, "availability": in.Availability, "party_member": in.PartyMember}
		action := "update"
		if in.RegionID != v.RegionID {
			action = "move"
		}
		return auditRecord(ctx, tx, p, now, action, entity, id, v.Name, before, after)
	})
}

// UpdatePartyMember changes a Party member's registration of p's scope:
// name, phone, employer, the community (a move), grid, building, roles and
// posts. The card keeps its number; reports already sent keep what they
// said (they are snapshots).
func (s *Service) UpdatePartyMember(ctx context.Context, p *auth.Principal, id int64, in PartyInput) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	var f errs.Fields
	in.Validate(&f)
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		m, err := getParty(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := checkPartyPlace(ctx, tx, p, in, &f); err != nil {
			return err
		}
		if in.Phone != "" {
			n, err := tx.Count(ctx, "SELECT COUNT(*) FROM party_members WHERE phone = ? AND id <> ?", in.Phone, id)
			if err != nil {
				return err
			}
			f.Check(n == 0, "phone", "volunteer.party.phone_taken")
		}
		if err := f.Err(); err != nil {
			return err
		}
		var vol any
		var vid int64
		if err := tx.Get(ctx, "", "SELECT id FROM volunteers WHERE phone = ? AND status = 'approved'", []any{in.Phone}, &vid); err == nil {
			vol = vid
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE party_members SET name = ?, phone = ?, unit_id = ?, region_id = ?, grid = ?, building = ?, roles = ?, posts = ?,
			volunteer_id = ?, updated_at = ? WHERE id = ?`, in.Name, in.Phone, in.UnitID, in.RegionID, in.Grid, in.Building,
			strings.Join(in.Roles, " "), strings.Join(in.Posts, " "), vol, now.UnixMilli(), id); err != nil {
			return err
		}
		before := PartyInput{Name: m.Name, Phone: pii.MaskPhone(m.Phone), UnitID: m.UnitID, RegionID: m.RegionID, Grid: m.Grid, Building: m.Building, Roles: m.Roles, Posts: m.Posts}
		after := in
		after.Phone = pii.MaskPhone(in.Phone)
		action := "update_party_member"
		if in.RegionID != m.RegionID {
			action = "move_party_member"
		}
		return auditRecord(ctx, tx, p, now, action, "party_member", id, m.CardNo+" "+in.Name, before, after)
	})
}
