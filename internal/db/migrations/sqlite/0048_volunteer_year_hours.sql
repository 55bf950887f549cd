-- Confirmed service by volunteer and by team per calendar year, kept in the
-- transaction that confirms or corrects an attendance (internal/volunteer,
-- addYear), so the year's ranking reads the top rows of an index instead of
-- grouping a year of attendance records. Filled here from what exists.
CREATE TABLE volunteer_year_hours (
    volunteer_id BIGINT  NOT NULL REFERENCES volunteers(id),
    year         INTEGER NOT NULL,
    minutes      BIGINT  NOT NULL,
    sessions     BIGINT  NOT NULL,
    PRIMARY KEY (volunteer_id, year)
);
CREATE INDEX volunteer_year_rank ON volunteer_year_hours(year, minutes DESC, volunteer_id);

CREATE TABLE team_year_hours (
    team_id  BIGINT  NOT NULL REFERENCES teams(id),
    year     INTEGER NOT NULL,
    minutes  BIGINT  NOT NULL,
    sessions BIGINT  NOT NULL,
    PRIMARY KEY (team_id, year)
);
CREATE INDEX team_year_rank ON team_year_hours(year, minutes DESC, team_id);

INSERT INTO volunteer_year_hours (volunteer_id, year, minutes, sessions)
    SELECT volunteer_id, CAST(SUBSTR(day, 1, 4) AS INTEGER), SUM(credited_minutes), COUNT(*) FROM attendance
    WHERE state = 'confirmed' GROUP BY volunteer_id, SUBSTR(day, 1, 4);
INSERT INTO team_year_hours (team_id, year, minutes, sessions)
    SELECT a.team_id, CAST(SUBSTR(at.day, 1, 4) AS INTEGER), SUM(at.credited_minutes), COUNT(*) FROM attendance at
    JOIN activities a ON a.id = at.activity_id WHERE at.state = 'confirmed' AND a.team_id IS NOT NULL GROUP BY a.team_id, SUBSTR(at.day, 1, 4);
