-- Grassroots governance, part 6: coverage of a whole quarter counts rows of
-- a small table, one a household a quarter it was due or visited in, kept
-- in the same transaction as every write of its visits and plan items
-- (internal/grassroots/coverage.go, refreshCoverage). plan_path is the
-- lowest path of its plan items whose window overlaps the quarter (NULL
-- when it was not due), reached whether one of them was fulfilled;
-- visit_path the lowest path of its visits in the quarter (NULL when not
-- visited), people the people reached by the first of them; open whether
-- one of its items overlapping the quarter is still unfulfilled. Each
-- index carries what its count needs, so coverage reads the index alone,
-- and the partial one lists the households not yet visited by grid.
CREATE TABLE gr_coverage_quarters (
    household_id BIGINT NOT NULL REFERENCES gr_households(id) ON DELETE CASCADE,
    quarter_from TEXT NOT NULL,
    plan_path    TEXT,
    reached      INTEGER NOT NULL DEFAULT 0,
    visit_path   TEXT,
    people       INTEGER NOT NULL DEFAULT 0,
    open         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (household_id, quarter_from)
);
CREATE INDEX gr_coverage_quarters_plan ON gr_coverage_quarters(quarter_from, plan_path, reached);
CREATE INDEX gr_coverage_quarters_visit ON gr_coverage_quarters(quarter_from, visit_path, people);
CREATE INDEX gr_coverage_quarters_open ON gr_coverage_quarters(quarter_from, plan_path, household_id) WHERE open = 1;

-- Backfill: every quarter from the first plan window or visit to the last.
INSERT INTO gr_coverage_quarters (household_id, quarter_from, plan_path, reached, visit_path, people, open)
WITH
  b(lo, hi) AS (SELECT MIN(d), MAX(d) FROM (SELECT MIN(due_from) AS d FROM gr_plan_items UNION ALL SELECT MAX(due_on) FROM gr_plan_items
      UNION ALL SELECT MIN(visited_on) FROM gr_visits UNION ALL SELECT MAX(visited_on) FROM gr_visits) x WHERE d IS NOT NULL),
  q(f, t) AS (
    SELECT to_char(g, 'YYYY-MM-DD'), to_char(g + interval '3 months' - interval '1 day', 'YYYY-MM-DD')
    FROM b, generate_series(date_trunc('quarter', b.lo::date), b.hi::date, interval '3 months') g WHERE b.lo IS NOT NULL)
SELECT x.h, x.f, MAX(x.pp), MAX(x.r), MAX(x.vp), MAX(x.ppl), MAX(x.o) FROM (
  SELECT i.household_id AS h, q.f AS f, MIN(i.region_path) AS pp, MAX(CASE WHEN i.visit_id IS NOT NULL THEN 1 ELSE 0 END) AS r,
    NULL AS vp, 0 AS ppl, MAX(CASE WHEN i.visit_id IS NULL THEN 1 ELSE 0 END) AS o
  FROM gr_plan_items i JOIN q ON i.due_on >= q.f AND i.due_from <= q.t GROUP BY i.household_id, q.f
  UNION ALL
  SELECT v.household_id, q.f, NULL, 0, MIN(v.region_path), MIN(v.id * 64 + v.people_reached) % 64, 0
  FROM gr_visits v JOIN q ON v.visited_on >= q.f AND v.visited_on <= q.t GROUP BY v.household_id, q.f
) x GROUP BY x.h, x.f;
