package volunteer

import (
	"context"
	"strings"

	"github.com/wenming-city/wenming/internal/db"
)

// PublicActivities returns open activities as anyone may see them (title,
// day, times, place and region; never the sign-ups or anyone's data): those
// with the ids, or, when ids is nil, those on the days from..to
// (YYYY-MM-DD, inclusive), soonest first, at most 500. The honours wall
// reads it for the story tours (宣讲) that tell an honoree's story, and the
// honours office for the activities it may link.
func (s *Service) PublicActivities(ctx context.Context, ids []int64, from, to string) ([]Activity, error) {
	conds := []string{"a.status = 'open'"}
	var args []any
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		conds = append(conds, "a.id IN ("+db.Placeholders(len(ids))+")")
		for _, id := range ids {
			args = append(args, id)
		}
	} else {
		conds, args = append(conds, "a.day >= ?", "a.day <= ?"), append(args, from, to)
	}
	var out []Activity
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+activityCols+activityFrom+" WHERE "+strings.Join(conds, " AND ")+" ORDER BY a.starts_at, a.id LIMIT 500", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanActivity(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}
