-- Inspection, part 5: the quarterly evaluation (一季度一测评). Scores are
-- computed from the quarter's rows by the schemes in the code
-- (inspection/evalrules.go); adjustments (加减分) wait for a second
-- person's approval; publishing a quarter freezes its results here.
CREATE TABLE inspection_eval_adjustments (
    id          INTEGER PRIMARY KEY,
    quarter     TEXT    NOT NULL,
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    value       BIGINT  NOT NULL,
    reason      TEXT    NOT NULL,
    evidence    TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending',
    proposed_by BIGINT  NOT NULL REFERENCES users(id),
    proposed_at BIGINT  NOT NULL,
    decided_by  BIGINT  REFERENCES users(id),
    decided_at  BIGINT
);
CREATE INDEX inspection_eval_adjustments_quarter ON inspection_eval_adjustments(quarter, unit_id);

CREATE TABLE inspection_eval_quarters (
    quarter      TEXT   PRIMARY KEY,
    published_at BIGINT NOT NULL,
    published_by BIGINT REFERENCES users(id)
);

-- A published quarter's results as they were published: total, rank in
-- its unit type, each criterion (JSON: code → centi-points) and the
-- approved adjustments' sum.
CREATE TABLE inspection_eval_results (
    quarter    TEXT    NOT NULL REFERENCES inspection_eval_quarters(quarter),
    unit_id    BIGINT  NOT NULL REFERENCES units(id),
    unit_type  TEXT    NOT NULL,
    total      BIGINT  NOT NULL,
    rank       INTEGER NOT NULL,
    group_size INTEGER NOT NULL,
    complete   BOOLEAN NOT NULL,
    criteria   TEXT    NOT NULL,
    adjusted   BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (quarter, unit_id)
);
