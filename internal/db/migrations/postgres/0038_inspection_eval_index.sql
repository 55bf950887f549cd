-- Inspection, part 9: the quarter's ranking and the month's report sum the
-- inspections of a period by unit. This index covers that sum (the period's
-- range, then the unit and the summed columns), so a year of a large city
-- (200,000 inspections) is read as one range of the index, not the table.
CREATE INDEX inspections_period_unit ON inspections(inspected_at, unit_id, earned, possible, findings);
CREATE INDEX inspection_rectifications_created ON inspection_rectifications(created_at, unit_id);
