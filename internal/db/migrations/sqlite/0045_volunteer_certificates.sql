-- Service certificates (志愿服务证明, 民政部令第67号): what the certificate
-- says is kept as issued, so the public verification page by number shows
-- exactly what was printed. Numbers come from a per-year counter row in the
-- issuing transaction.
CREATE TABLE certificates (
    id               INTEGER PRIMARY KEY,
    number           TEXT    NOT NULL UNIQUE,
    volunteer_id     BIGINT  NOT NULL REFERENCES volunteers(id),
    name             TEXT    NOT NULL,
    id_type          TEXT    NOT NULL,
    id_masked        TEXT    NOT NULL,
    volunteer_number TEXT    NOT NULL,
    period_from      TEXT    NOT NULL,
    period_to        TEXT    NOT NULL,
    minutes          INTEGER NOT NULL,
    sessions         INTEGER NOT NULL,
    content          TEXT    NOT NULL,
    issuer           TEXT    NOT NULL,
    person_in_charge TEXT    NOT NULL,
    handler          TEXT    NOT NULL,
    contact          TEXT    NOT NULL,
    remarks          TEXT    NOT NULL DEFAULT '',
    issued_on        TEXT    NOT NULL,
    issued_by        BIGINT REFERENCES users(id),
    created_at       BIGINT  NOT NULL
);
CREATE INDEX certificates_volunteer ON certificates(volunteer_id);

CREATE TABLE certificate_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
