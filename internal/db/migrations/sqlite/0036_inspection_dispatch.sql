-- Inspection, part 7: the monthly dispatch (一月一调度). On the first
-- working day of a month the report of the month before is drafted once
-- (the month is the key, so two instances drafting at once write one row):
-- its figures as computed then (JSON, inspection/dispatch.go), which the
-- page, the PDF and the workbook all render. The meeting's decisions are
-- tasks, each a work order (kind rectification) to a unit with a deadline;
-- the next month's report shows how they ended.
CREATE TABLE inspection_dispatches (
    month      TEXT   PRIMARY KEY,
    report     TEXT   NOT NULL,
    drafted_at BIGINT NOT NULL,
    drafted_by BIGINT REFERENCES users(id)
);

CREATE TABLE inspection_dispatch_tasks (
    id         INTEGER PRIMARY KEY,
    month      TEXT   NOT NULL REFERENCES inspection_dispatches(month),
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    title      TEXT   NOT NULL,
    detail     TEXT   NOT NULL DEFAULT '',
    due_at     BIGINT NOT NULL,
    order_id   BIGINT NOT NULL UNIQUE REFERENCES workorders(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX inspection_dispatch_tasks_month ON inspection_dispatch_tasks(month, id);
