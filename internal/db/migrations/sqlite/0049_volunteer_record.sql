-- The rest of a volunteer's record under 民政部令第67号 beside the service:
-- training attended, honours received and evaluations, each written by the
-- organisation that gave it (谁组织谁记录).
CREATE TABLE volunteer_record_entries (
    id           INTEGER PRIMARY KEY,
    volunteer_id BIGINT  NOT NULL REFERENCES volunteers(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('training','honour','evaluation')),
    day          TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    issuer       TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT '',
    recorded_by  BIGINT REFERENCES users(id),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX volunteer_record_entries_volunteer ON volunteer_record_entries(volunteer_id, day);
