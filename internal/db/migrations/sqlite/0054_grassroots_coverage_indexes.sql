-- Grassroots governance, part 5: coverage reads a county's visits and plan
-- items of a period from the index alone. Each index leads with the grid's
-- path and the day, so coverage seeks once per grid of the region (the
-- region's paths as an IN list) and reads only the period's entries, and
-- it carries the columns the counts need (household, people reached, the
-- fulfilling visit), so no table row is read.
DROP INDEX gr_visits_path_day;
CREATE INDEX gr_visits_path_day ON gr_visits(region_path, visited_on, household_id, people_reached, id);
DROP INDEX gr_plan_items_path;
CREATE INDEX gr_plan_items_path ON gr_plan_items(region_path, due_on, due_from, household_id, visit_id);
