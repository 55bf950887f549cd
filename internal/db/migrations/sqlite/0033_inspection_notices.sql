-- Inspection, part 4: notices and letters (一书一函). A rectification
-- notice (整改通知书) lists a unit's open findings; a reminder letter
-- (工作提示函) reminds a unit of tasks. Both are numbered per year and kind
-- from a counter row bumped in the issuing transaction (a rolled-back
-- issue gives its number back; UNIQUE (kind, year, seq) stands behind it),
-- and tracked issued → received → replied → closed, with the overdue
-- escalation of a missed reply deadline.
CREATE TABLE inspection_notice_counters (
    kind TEXT    NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, year)
);

CREATE TABLE inspection_notices (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    year             INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    number           TEXT    NOT NULL UNIQUE,
    unit_id          BIGINT  NOT NULL REFERENCES units(id),
    title            TEXT    NOT NULL,
    body             TEXT    NOT NULL DEFAULT '',
    reply_by         BIGINT  NOT NULL,
    state            TEXT    NOT NULL,
    overdue          BOOLEAN NOT NULL DEFAULT FALSE,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    escalated_at     BIGINT,
    issued_by        BIGINT  REFERENCES users(id),
    issued_at        BIGINT  NOT NULL,
    received_at      BIGINT,
    replied_at       BIGINT,
    closed_at        BIGINT,
    reply            TEXT    NOT NULL DEFAULT '',
    cc               TEXT    NOT NULL DEFAULT '',
    updated_at       BIGINT  NOT NULL,
    UNIQUE (kind, year, seq)
);
CREATE INDEX inspection_notices_unit ON inspection_notices(unit_id, id);
CREATE INDEX inspection_notices_due ON inspection_notices(state, reply_by);

-- The findings a rectification notice lists, as they stood when it was
-- issued, and the unit's reply to each (text and photo).
CREATE TABLE inspection_notice_items (
    notice_id        BIGINT  NOT NULL REFERENCES inspection_notices(id),
    rectification_id BIGINT  NOT NULL REFERENCES inspection_rectifications(id),
    sort             INTEGER NOT NULL,
    site_name        TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    rule             TEXT    NOT NULL,
    due_at           BIGINT  NOT NULL,
    photo_id         BIGINT  REFERENCES photos(id),
    reply            TEXT    NOT NULL DEFAULT '',
    reply_photo_id   BIGINT  REFERENCES photos(id),
    PRIMARY KEY (notice_id, rectification_id)
);

-- The notice's timeline: every step with who and when.
CREATE TABLE inspection_notice_events (
    id         INTEGER PRIMARY KEY,
    notice_id  BIGINT NOT NULL REFERENCES inspection_notices(id),
    at         BIGINT NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT   NOT NULL DEFAULT '',
    action     TEXT   NOT NULL,
    from_state TEXT   NOT NULL DEFAULT '',
    to_state   TEXT   NOT NULL DEFAULT '',
    note       TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX inspection_notice_events_notice ON inspection_notice_events(notice_id, id);
