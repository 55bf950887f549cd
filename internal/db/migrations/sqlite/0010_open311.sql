-- Open311 GeoReport v2 (internal/open311). A client (a city app, a
-- FixMyStreet install) gets an api_key from an admin; the key is stored as
-- its SHA-256 like API tokens, and the client's name becomes the source of
-- the orders it files (channel "api").
CREATE TABLE open311_clients (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    contact    TEXT    NOT NULL DEFAULT '',
    key_hash   TEXT    NOT NULL UNIQUE,
    created_by BIGINT  REFERENCES users(id),
    created_at BIGINT  NOT NULL,
    revoked_at BIGINT
);

-- What an Open311 request brought beside the order: its client, the token
-- that finds it, the media URL (a reference, never fetched), the address id
-- and the requester's identifiers. email, device_id and account_id are
-- personal data: never shown in GET output.
CREATE TABLE open311_requests (
    order_id   BIGINT  PRIMARY KEY REFERENCES workorders(id),
    client_id  BIGINT  NOT NULL REFERENCES open311_clients(id),
    token      TEXT    NOT NULL UNIQUE,
    media_url  TEXT    NOT NULL DEFAULT '',
    address_id TEXT    NOT NULL DEFAULT '',
    email      TEXT    NOT NULL DEFAULT '',
    device_id  TEXT    NOT NULL DEFAULT '',
    account_id TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX open311_requests_client ON open311_requests(client_id);

-- Where an order came from within its channel: the Open311 client's name.
ALTER TABLE workorders ADD COLUMN source TEXT NOT NULL DEFAULT '';
-- GET requests filters on the last change.
CREATE INDEX workorders_updated ON workorders(updated_at);
