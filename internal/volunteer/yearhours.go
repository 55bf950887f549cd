package volunteer

import (
	"context"
	"strconv"

	"github.com/wenming-city/wenming/internal/db"
)

// The year's totals of confirmed service, by volunteer and by team
// (volunteer_year_hours, team_year_hours): changed in the transaction that
// confirms, corrects or adds an attendance, so the yearly ranking reads
// the top of an index (Rankings) instead of a year of records.

// addYear adds minutes and sessions to the totals of the volunteer and of
// the activity's team (0: none) for the year of day (YYYY-MM-DD).
func addYear(ctx context.Context, tx *db.Tx, volunteerID, teamID int64, day string, minutes, sessions int) error {
	if len(day) < 4 || (minutes == 0 && sessions == 0) {
		return nil
	}
	year, err := strconv.Atoi(day[:4])
	if err != nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO volunteer_year_hours (volunteer_id, year, minutes, sessions) VALUES (?, ?, ?, ?)
		ON CONFLICT (volunteer_id, year) DO UPDATE SET minutes = volunteer_year_hours.minutes + excluded.minutes,
		sessions = volunteer_year_hours.sessions + excluded.sessions`, volunteerID, year, minutes, sessions); err != nil {
		return err
	}
	if teamID == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO team_year_hours (team_id, year, minutes, sessions) VALUES (?, ?, ?, ?)
		ON CONFLICT (team_id, year) DO UPDATE SET minutes = team_year_hours.minutes + excluded.minutes,
		sessions = team_year_hours.sessions + excluded.sessions`, teamID, year, minutes, sessions)
	return err
}

// rebuildYears recomputes both totals from the attendance (after a bulk
// load such as the demo's, which writes attendance rows directly).
func rebuildYears(ctx context.Context, tx *db.Tx) error {
	for _, q := range []string{"DELETE FROM volunteer_year_hours", "DELETE FROM team_year_hours",
		`INSERT INTO volunteer_year_hours (volunteer_id, year, minutes, sessions)
		SELECT volunteer_id, CAST(SUBSTR(day, 1, 4) AS INTEGER), SUM(credited_minutes), COUNT(*) FROM attendance
		WHERE state = 'confirmed' GROUP BY volunteer_id, SUBSTR(day, 1, 4)`,
		`INSERT INTO team_year_hours (team_id, year, minutes, sessions)
		SELECT a.team_id, CAST(SUBSTR(at.day, 1, 4) AS INTEGER), SUM(at.credited_minutes), COUNT(*) FROM attendance at
		JOIN activities a ON a.id = at.activity_id WHERE at.state = 'confirmed' AND a.team_id IS NOT NULL GROUP BY a.team_id, SUBSTR(at.day, 1, 4)`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// RebuildYearHours recomputes the yearly totals from the attendance.
func (s *Service) RebuildYearHours(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error { return rebuildYears(ctx, tx) })
}
