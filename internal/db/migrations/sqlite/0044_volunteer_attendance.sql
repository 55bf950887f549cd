-- Check-in and check-out (internal/volunteer/attendance.go). Each activity
-- has a secret its rotating QR codes are an HMAC of, and a fixed venue code.
-- One attendance row per volunteer and activity; hours are credited only
-- when an organiser confirms (credited_minutes); late entries and
-- corrections are proposals a second person approves.
ALTER TABLE activities ADD COLUMN checkin_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN venue_code TEXT NOT NULL DEFAULT '';

CREATE TABLE attendance (
    id               INTEGER PRIMARY KEY,
    activity_id      BIGINT  NOT NULL REFERENCES activities(id),
    volunteer_id     BIGINT  NOT NULL REFERENCES volunteers(id),
    day              TEXT    NOT NULL,
    checkin_at       BIGINT  NOT NULL,
    checkout_at      BIGINT,
    method           TEXT    NOT NULL CHECK (method IN ('code','venue','organiser')),
    lat              DOUBLE PRECISION,
    lng              DOUBLE PRECISION,
    state            TEXT    NOT NULL CHECK (state IN ('open','closed','confirmed','rejected')),
    credited_minutes INTEGER NOT NULL DEFAULT 0,
    confirmed_by     BIGINT REFERENCES users(id),
    confirmed_at     BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX attendance_volunteer_day ON attendance(volunteer_id, day);
CREATE INDEX attendance_confirmed ON attendance(state, volunteer_id);

-- Late entries (补录) and corrections: proposed by one person, approved or
-- refused by another.
CREATE TABLE attendance_changes (
    id           INTEGER PRIMARY KEY,
    activity_id  BIGINT  NOT NULL REFERENCES activities(id),
    volunteer_id BIGINT  NOT NULL REFERENCES volunteers(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('late_entry','correction')),
    checkin_at   BIGINT  NOT NULL,
    checkout_at  BIGINT  NOT NULL,
    reason       TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('proposed','approved','refused')),
    proposed_by  BIGINT  NOT NULL REFERENCES users(id),
    decided_by   BIGINT REFERENCES users(id),
    created_at   BIGINT  NOT NULL,
    decided_at   BIGINT
);
CREATE INDEX attendance_changes_state ON attendance_changes(state, activity_id);
