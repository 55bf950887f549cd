-- Inspection, part 6: the quarterly evaluation complete. A published
-- quarter keeps the counts behind each unit's criteria (JSON, the
-- EvalInputs as they were at publication), so a frozen figure stays
-- traceable; and the quarter's 红黑榜 (the top and bottom of each unit
-- type's list) is published once, after the quarter itself, and only
-- then shown on the public page.
ALTER TABLE inspection_eval_results ADD COLUMN inputs TEXT NOT NULL DEFAULT '{}';

CREATE TABLE inspection_eval_boards (
    quarter      TEXT    PRIMARY KEY REFERENCES inspection_eval_quarters(quarter),
    size         INTEGER NOT NULL,
    published_at BIGINT  NOT NULL,
    published_by BIGINT  REFERENCES users(id)
);
