-- Projects (a repeated programme) and their dated activities, with the
-- sign-ups: confirmed places are counted in activities.taken, changed only by
-- conditional UPDATEs (taken < capacity) in the sign-up's transaction, so
-- concurrent sign-ups never overfill an activity; the waiting list is
-- ordered by seq, drawn from activities.wait_seq in the same transaction.
CREATE TABLE projects (
    id         INTEGER PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    team_id    BIGINT REFERENCES teams(id),
    intro      TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE activities (
    id              INTEGER PRIMARY KEY,
    project_id      BIGINT REFERENCES projects(id),
    team_id         BIGINT REFERENCES teams(id),
    region_id       BIGINT  NOT NULL REFERENCES regions(id),
    place_id        BIGINT REFERENCES places(id),
    title           TEXT    NOT NULL,
    content         TEXT    NOT NULL DEFAULT '',
    address         TEXT    NOT NULL DEFAULT '',
    lat             DOUBLE PRECISION,
    lng             DOUBLE PRECISION,
    day             TEXT    NOT NULL,
    starts_at       BIGINT  NOT NULL,
    ends_at         BIGINT  NOT NULL,
    capacity        INTEGER NOT NULL CHECK (capacity > 0),
    taken           INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= capacity),
    wait_seq        BIGINT  NOT NULL DEFAULT 0,
    skills          TEXT    NOT NULL DEFAULT '',
    min_age         INTEGER NOT NULL DEFAULT 0,
    mode            TEXT    NOT NULL CHECK (mode IN ('instant','confirm')),
    signup_deadline BIGINT  NOT NULL,
    cancel_cutoff   BIGINT  NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open','cancelled')),
    created_by      BIGINT REFERENCES users(id),
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX activities_day ON activities(day);
CREATE INDEX activities_region ON activities(region_id);

CREATE TABLE signups (
    id           INTEGER PRIMARY KEY,
    activity_id  BIGINT NOT NULL REFERENCES activities(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    state        TEXT   NOT NULL CHECK (state IN ('requested','confirmed','waiting','cancelled','declined')),
    seq          BIGINT NOT NULL DEFAULT 0,
    reminded_at  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX signups_volunteer ON signups(volunteer_id);
CREATE INDEX signups_waiting ON signups(activity_id, state, seq);
