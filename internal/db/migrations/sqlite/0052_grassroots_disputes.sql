-- Grassroots governance, part 3: disputes (矛盾纠纷) and their mediation:
-- the dispute with its parties, every step as an event, mediation
-- sessions, the agreement, and the legal limit with escalation from the
-- village to the street and the county (the escalation job's conditional
-- UPDATE runs once whichever instance claims it).
CREATE TABLE gr_disputes (
    id            INTEGER PRIMARY KEY,
    region_id     BIGINT NOT NULL REFERENCES regions(id),
    region_path   TEXT NOT NULL,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    source        TEXT NOT NULL,
    description   TEXT NOT NULL,
    state         TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('village', 'street', 'county')),
    mediator      TEXT NOT NULL DEFAULT '',
    registered_on TEXT NOT NULL,
    deadline_at   BIGINT NOT NULL,
    extended      BOOLEAN NOT NULL DEFAULT FALSE,
    settled_on    TEXT,
    settled_level TEXT,
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX gr_disputes_path ON gr_disputes(region_path, id);
CREATE INDEX gr_disputes_deadline ON gr_disputes(state, deadline_at);

CREATE TABLE gr_dispute_parties (
    id         INTEGER PRIMARY KEY,
    dispute_id BIGINT NOT NULL REFERENCES gr_disputes(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    side       TEXT NOT NULL CHECK (side IN ('applicant', 'respondent')),
    address    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX gr_dispute_parties_dispute ON gr_dispute_parties(dispute_id);

CREATE TABLE gr_dispute_events (
    id         INTEGER PRIMARY KEY,
    dispute_id BIGINT NOT NULL REFERENCES gr_disputes(id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    level      TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX gr_dispute_events_dispute ON gr_dispute_events(dispute_id, id);

CREATE TABLE gr_agreements (
    dispute_id  BIGINT PRIMARY KEY REFERENCES gr_disputes(id) ON DELETE CASCADE,
    facts       TEXT NOT NULL,
    duties      TEXT NOT NULL,
    how         TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    signed_on   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
