-- Evidence photos (internal/photo). Blobs live in the photo store (a folder or S3) under
-- content-addressed keys; this table holds what the store does not: who, when, size, position.
-- public_key and thumb_key are NULL when there is no public rendition (HEIC originals).
-- lat/lng come from the original's EXIF GPS and are NULL unless has_gps.

CREATE TABLE photos (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT    NOT NULL,
    mime         TEXT    NOT NULL CHECK (mime IN ('image/jpeg','image/png','image/webp','image/heic','image/heif')),
    size         BIGINT  NOT NULL,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    original_key TEXT    NOT NULL,
    public_key   TEXT,
    thumb_key    TEXT,
    has_gps      BOOLEAN NOT NULL DEFAULT FALSE,
    lat          DOUBLE PRECISION,
    lng          DOUBLE PRECISION,
    uploaded_by  BIGINT REFERENCES users(id),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX photos_sha256 ON photos(sha256);
CREATE INDEX photos_uploaded_by ON photos(uploaded_by);
