-- Volunteers (internal/volunteer): people who register themselves or are
-- imported, approved by an organiser, each with a unique volunteer number
-- drawn from a per-year counter row in the approving transaction.
-- The ID number is stored encrypted (internal/pii) with a blind index for
-- uniqueness; the phone is stored digits only and masked when shown.
CREATE TABLE volunteers (
    id               INTEGER PRIMARY KEY,
    number           TEXT UNIQUE,
    status           TEXT    NOT NULL CHECK (status IN ('pending','approved','rejected')),
    name             TEXT    NOT NULL,
    gender           TEXT    NOT NULL CHECK (gender IN ('male','female')),
    birth_date       TEXT    NOT NULL,
    id_type          TEXT    NOT NULL,
    id_number_enc    TEXT    NOT NULL DEFAULT '',
    id_number_index  TEXT UNIQUE,
    id_number_mask   TEXT    NOT NULL DEFAULT '',
    phone            TEXT    NOT NULL UNIQUE,
    region_id        BIGINT  NOT NULL REFERENCES regions(id),
    skills           TEXT    NOT NULL DEFAULT '',
    availability     TEXT    NOT NULL DEFAULT '',
    party_member     BOOLEAN NOT NULL DEFAULT FALSE,
    guardian_name    TEXT    NOT NULL DEFAULT '',
    guardian_phone   TEXT    NOT NULL DEFAULT '',
    guardian_consent BOOLEAN NOT NULL DEFAULT FALSE,
    source           TEXT    NOT NULL CHECK (source IN ('self','import','staff')),
    reject_reason    TEXT    NOT NULL DEFAULT '',
    user_id          BIGINT UNIQUE REFERENCES users(id),
    reviewed_by      BIGINT REFERENCES users(id),
    reviewed_at      BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX volunteers_region ON volunteers(region_id);
CREATE INDEX volunteers_status ON volunteers(status, id);

-- One row per year: the last volunteer number given out that year.
CREATE TABLE volunteer_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
