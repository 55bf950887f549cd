-- Star ratings (星级评定): templates per subject kind and job type (the
-- scheme and the star ladder as versioned JSON data, internal/scoring),
-- subjects, rounds, scorers, entries with their marks, adjustments,
-- appeals, the subjects' current stars, manual star changes and
-- qualifications. Rows are scoped by the owning unit (units.path).
CREATE TABLE rating_templates (
    id          INTEGER PRIMARY KEY,
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('staff','grid_worker','volunteer_team','household','unit')),
    job_type    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    scheme      TEXT    NOT NULL,
    ladder      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    UNIQUE (unit_id, kind, job_type, version)
);

CREATE TABLE rating_subjects (
    id          INTEGER PRIMARY KEY,
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    kind        TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    job_type    TEXT    NOT NULL DEFAULT '',
    post        TEXT    NOT NULL DEFAULT '',
    user_id     BIGINT  REFERENCES users(id),
    region_id   BIGINT  REFERENCES regions(id),
    ref_unit_id BIGINT  REFERENCES units(id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT  NOT NULL,
    UNIQUE (unit_id, code)
);
CREATE INDEX rating_subjects_user ON rating_subjects (user_id);

CREATE TABLE rating_rounds (
    id           INTEGER PRIMARY KEY,
    unit_id      BIGINT  NOT NULL REFERENCES units(id),
    template_id  BIGINT  NOT NULL REFERENCES rating_templates(id),
    period       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('scoring','published','closed')),
    self_from    TEXT    NOT NULL,
    self_to      TEXT    NOT NULL,
    period_from  TEXT    NOT NULL,
    period_to    TEXT    NOT NULL,
    appeal_days  INTEGER NOT NULL DEFAULT 5,
    published_at BIGINT,
    appeal_until BIGINT,
    closed_at    BIGINT,
    missing_note TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    UNIQUE (template_id, period)
);

CREATE TABLE rating_scorers (
    round_id BIGINT NOT NULL REFERENCES rating_rounds(id),
    user_id  BIGINT NOT NULL REFERENCES users(id),
    kind     TEXT   NOT NULL,
    PRIMARY KEY (round_id, user_id)
);

CREATE TABLE rating_entries (
    id           INTEGER PRIMARY KEY,
    round_id     BIGINT  NOT NULL REFERENCES rating_rounds(id),
    subject_id   BIGINT  NOT NULL REFERENCES rating_subjects(id),
    self_note    TEXT    NOT NULL DEFAULT '',
    self_at      BIGINT,
    total        BIGINT  NOT NULL DEFAULT 0,
    complete     BOOLEAN NOT NULL DEFAULT FALSE,
    rank         INTEGER NOT NULL DEFAULT 0,
    group_size   INTEGER NOT NULL DEFAULT 0,
    band         TEXT    NOT NULL DEFAULT '',
    stars_before INTEGER NOT NULL DEFAULT 0,
    stars_after  INTEGER NOT NULL DEFAULT 0,
    star_delta   INTEGER NOT NULL DEFAULT 0,
    trace        TEXT    NOT NULL DEFAULT '',
    UNIQUE (round_id, subject_id)
);
CREATE INDEX rating_entries_subject ON rating_entries (subject_id);

CREATE TABLE rating_marks (
    entry_id  BIGINT NOT NULL REFERENCES rating_entries(id),
    criterion TEXT   NOT NULL,
    scorer_id BIGINT NOT NULL,
    kind      TEXT   NOT NULL DEFAULT '',
    value     BIGINT NOT NULL,
    note      TEXT   NOT NULL DEFAULT '',
    at        BIGINT NOT NULL,
    PRIMARY KEY (entry_id, criterion, scorer_id)
);

CREATE TABLE rating_adjustments (
    id          INTEGER PRIMARY KEY,
    entry_id    BIGINT  NOT NULL REFERENCES rating_entries(id),
    value       BIGINT  NOT NULL,
    reason      TEXT    NOT NULL,
    evidence    TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('manual','appeal')),
    proposed_by BIGINT  NOT NULL,
    approved_by BIGINT,
    created_at  BIGINT  NOT NULL,
    approved_at BIGINT
);
CREATE INDEX rating_adjustments_entry ON rating_adjustments (entry_id);

CREATE TABLE rating_appeals (
    id          INTEGER PRIMARY KEY,
    entry_id    BIGINT  NOT NULL REFERENCES rating_entries(id),
    reason      TEXT    NOT NULL,
    filed_by    BIGINT  NOT NULL,
    filed_at    BIGINT  NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending','upheld','refused')),
    answer      TEXT    NOT NULL DEFAULT '',
    change      BIGINT  NOT NULL DEFAULT 0,
    answered_by BIGINT,
    answered_at BIGINT
);
CREATE INDEX rating_appeals_entry ON rating_appeals (entry_id);

-- A subject's stars on a template's ladder now (the state internal/scoring's
-- Ladder.Next moves), kept per job type.
CREATE TABLE rating_stars (
    subject_id BIGINT  NOT NULL REFERENCES rating_subjects(id),
    job_type   TEXT    NOT NULL,
    stars      INTEGER NOT NULL,
    band       TEXT    NOT NULL DEFAULT '',
    run        INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (subject_id, job_type)
);

CREATE TABLE rating_star_changes (
    id          INTEGER PRIMARY KEY,
    subject_id  BIGINT  NOT NULL REFERENCES rating_subjects(id),
    job_type    TEXT    NOT NULL,
    stars_from  INTEGER NOT NULL,
    stars_to    INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending','approved','refused')),
    proposed_by BIGINT  NOT NULL,
    approved_by BIGINT,
    created_at  BIGINT  NOT NULL,
    decided_at  BIGINT
);

CREATE TABLE rating_qualifications (
    id          INTEGER PRIMARY KEY,
    subject_id  BIGINT  NOT NULL REFERENCES rating_subjects(id),
    grade       TEXT    NOT NULL CHECK (grade IN ('junior','intermediate','senior','technician','senior_technician')),
    gained_on   TEXT    NOT NULL,
    certificate TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    UNIQUE (subject_id, grade)
);
