-- Foundation: organisation, accounts, sessions, audit, shared jobs.
-- Times are unix milliseconds (BIGINT) on both engines; dates are 'YYYY-MM-DD' text.

CREATE TABLE regions (
    id         INTEGER PRIMARY KEY,
    parent_id  BIGINT REFERENCES regions(id),
    level      TEXT    NOT NULL CHECK (level IN ('city','district','street','community','grid')),
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    name_en    TEXT    NOT NULL DEFAULT '',
    path       TEXT    NOT NULL,
    sort       INTEGER NOT NULL DEFAULT 0,
    lat        DOUBLE PRECISION,
    lng        DOUBLE PRECISION,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_id);
CREATE INDEX regions_path ON regions(path);

CREATE TABLE units (
    id            INTEGER PRIMARY KEY,
    parent_id     BIGINT REFERENCES units(id),
    kind          TEXT    NOT NULL,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    name_en       TEXT    NOT NULL DEFAULT '',
    region_id     BIGINT  NOT NULL REFERENCES regions(id),
    path          TEXT    NOT NULL,
    contact_name  TEXT    NOT NULL DEFAULT '',
    contact_phone TEXT    NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    sort          INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_region ON units(region_id);
CREATE INDEX units_path ON units(path);

CREATE TABLE pairings (
    id         INTEGER PRIMARY KEY,
    unit_id    BIGINT NOT NULL REFERENCES units(id),
    region_id  BIGINT NOT NULL REFERENCES regions(id),
    started_on TEXT   NOT NULL DEFAULT '',
    note       TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (unit_id, region_id)
);
CREATE INDEX pairings_region ON pairings(region_id);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    name_en     TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    permissions TEXT    NOT NULL DEFAULT '',
    scope_kind  TEXT    NOT NULL DEFAULT 'unit',
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    username             TEXT    NOT NULL UNIQUE,
    display_name         TEXT    NOT NULL,
    phone                TEXT    NOT NULL DEFAULT '',
    email                TEXT    NOT NULL DEFAULT '',
    unit_id              BIGINT REFERENCES units(id),
    region_id            BIGINT REFERENCES regions(id),
    scope_kind           TEXT    NOT NULL DEFAULT 'unit',
    password_hash        TEXT    NOT NULL DEFAULT '',
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    lang                 TEXT    NOT NULL DEFAULT '',
    last_login_at        BIGINT,
    password_changed_at  BIGINT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE INDEX users_unit ON users(unit_id);
CREATE INDEX users_region ON users(region_id);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles(id),
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE user_scope_regions (
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    PRIMARY KEY (user_id, region_id)
);

CREATE TABLE user_scope_units (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (user_id, unit_id)
);

CREATE TABLE sessions (
    id           TEXT   PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT   NOT NULL DEFAULT '',
    user_agent   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT   NOT NULL DEFAULT '',
    kind         TEXT   NOT NULL CHECK (kind IN ('login','machine')),
    token_hash   TEXT   NOT NULL UNIQUE,
    created_by   BIGINT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    first_at     BIGINT  NOT NULL,
    last_at      BIGINT  NOT NULL,
    locked_until BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE captchas (
    id         TEXT   PRIMARY KEY,
    answer     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT   NOT NULL DEFAULT '',
    ip         TEXT   NOT NULL DEFAULT '',
    action     TEXT   NOT NULL,
    entity     TEXT   NOT NULL,
    entity_id  TEXT   NOT NULL DEFAULT '',
    summary    TEXT   NOT NULL DEFAULT '',
    before     TEXT   NOT NULL DEFAULT '',
    after      TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log(actor_id);

CREATE TABLE settings (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE scheduled_jobs (
    name        TEXT   PRIMARY KEY,
    next_at     BIGINT NOT NULL,
    lease_owner TEXT   NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_ok_at  BIGINT,
    last_error  TEXT   NOT NULL DEFAULT ''
);
