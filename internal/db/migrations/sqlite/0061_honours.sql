-- Honours (好人榜, 十爱 models, 文明单位 / 村镇 / 家庭): nominations through
-- review, department sign-offs, public vote, jury, public notice and award
-- (internal/honour: the kinds and the transition table are Go data).
CREATE TABLE honour_nominations (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    category        TEXT    NOT NULL DEFAULT '',
    period          TEXT    NOT NULL,
    unit_id         BIGINT  NOT NULL REFERENCES units(id),
    region_id       BIGINT  REFERENCES regions(id),
    nominee         TEXT    NOT NULL,
    story           TEXT    NOT NULL,
    source          TEXT    NOT NULL CHECK (source IN ('public','unit','community')),
    nominator       TEXT    NOT NULL,
    nominator_phone TEXT    NOT NULL DEFAULT '',
    consent         BOOLEAN NOT NULL DEFAULT FALSE,
    state           TEXT    NOT NULL,
    reason          TEXT    NOT NULL DEFAULT '',
    votes           INTEGER NOT NULL DEFAULT 0,
    jury_total      BIGINT  NOT NULL DEFAULT 0,
    notice_from     BIGINT,
    awarded_on      TEXT    NOT NULL DEFAULT '',
    expires_on      TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX honour_nominations_state ON honour_nominations (state, kind);

CREATE TABLE honour_photos (
    nomination_id BIGINT  NOT NULL REFERENCES honour_nominations(id),
    photo_id      BIGINT  NOT NULL REFERENCES photos(id),
    sort          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (nomination_id, photo_id)
);

CREATE TABLE honour_signoffs (
    nomination_id BIGINT NOT NULL REFERENCES honour_nominations(id),
    department    TEXT   NOT NULL,
    state         TEXT   NOT NULL CHECK (state IN ('pending','approved','refused')),
    note          TEXT   NOT NULL DEFAULT '',
    answered_by   BIGINT,
    answered_at   BIGINT,
    PRIMARY KEY (nomination_id, department)
);

-- One vote per phone per nomination per day (China Standard Time).
CREATE TABLE honour_votes (
    nomination_id BIGINT NOT NULL REFERENCES honour_nominations(id),
    phone         TEXT   NOT NULL,
    day           TEXT   NOT NULL,
    ip            TEXT   NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (nomination_id, phone, day)
);
CREATE INDEX honour_votes_ip ON honour_votes (ip, at);

CREATE TABLE honour_jury (
    nomination_id BIGINT NOT NULL REFERENCES honour_nominations(id),
    juror_id      BIGINT NOT NULL REFERENCES users(id),
    criterion     TEXT   NOT NULL,
    value         BIGINT NOT NULL,
    PRIMARY KEY (nomination_id, juror_id, criterion)
);

CREATE TABLE honour_objections (
    id            INTEGER PRIMARY KEY,
    nomination_id BIGINT  NOT NULL REFERENCES honour_nominations(id),
    text          TEXT    NOT NULL,
    contact       TEXT    NOT NULL DEFAULT '',
    filed_at      BIGINT  NOT NULL,
    answer        TEXT    NOT NULL DEFAULT '',
    upheld        BOOLEAN NOT NULL DEFAULT FALSE,
    answered_by   BIGINT,
    answered_at   BIGINT
);
CREATE INDEX honour_objections_nomination ON honour_objections (nomination_id);
