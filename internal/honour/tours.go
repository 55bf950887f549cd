package honour

import (
	"context"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// Story tours (宣讲): the seed's Xiuning has its models tell their stories in
// communities and schools on the 15th. Each tour is a volunteer activity
// (internal/volunteer owns it: sign-ups, check-in, hours); honour_tours
// links it to the honoree whose story it tells, and the wall shows it
// beside the story.

// Tours returns the activities with the ids as the public sees them.
func (s *Service) Tours(ctx context.Context, ids []int64) ([]volunteer.Activity, error) {
	if s.Volunteers == nil || len(ids) == 0 {
		return nil, nil
	}
	return s.Volunteers.PublicActivities(ctx, ids, "", "")
}

// TourChoices are the activities the office may link: open ones from a
// week ago to three months ahead.
func (s *Service) TourChoices(ctx context.Context, p *auth.Principal) ([]volunteer.Activity, error) {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return nil, err
	}
	if s.Volunteers == nil {
		return nil, nil
	}
	today := s.Clock.Now().In(clock.CST)
	return s.Volunteers.PublicActivities(ctx, nil, today.AddDate(0, 0, -7).Format(time.DateOnly), today.AddDate(0, 3, 0).Format(time.DateOnly))
}

// LinkTour links a volunteer activity to an awarded honoree as a story
// tour, with the audit log.
func (s *Service) LinkTour(ctx context.Context, p *auth.Principal, id, activityID int64) error {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	acts, err := s.Tours(ctx, []int64{activityID})
	if err != nil {
		return err
	}
	if len(acts) != 1 {
		return fieldErr("activity_id", "field.bad_choice")
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if n.State != StateAwarded {
			return errs.E(errs.Conflict, "honour.err.tour_not_awarded")
		}
		k, err := tx.ExecN(ctx, `INSERT INTO honour_tours (nomination_id, activity_id, linked_by, linked_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (nomination_id, activity_id) DO NOTHING`, id, activityID, p.UserID, now.UnixMilli())
		if err != nil || k == 0 {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "link_tour", Entity: "honour_nomination", EntityID: audit.ID(id),
			Summary: n.Nominee + " · " + acts[0].Title + " " + acts[0].Day}, nil, map[string]any{"activity": activityID})
	})
}

// UnlinkTour removes a story tour's link, with the audit log.
func (s *Service) UnlinkTour(ctx context.Context, p *auth.Principal, id, activityID int64) error {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		k, err := tx.ExecN(ctx, "DELETE FROM honour_tours WHERE nomination_id = ? AND activity_id = ?", id, activityID)
		if err != nil {
			return err
		}
		if k == 0 {
			return errs.NotFoundf("entity.activity")
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "unlink_tour", Entity: "honour_nomination", EntityID: audit.ID(id), Summary: n.Nominee},
			map[string]any{"activity": activityID}, nil)
	})
}
