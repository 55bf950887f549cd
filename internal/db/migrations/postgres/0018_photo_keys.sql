-- Blobs are removed when no photo names them any more (a refused report's,
-- the sweeper's orphans): the check looks photos up by each of their keys.
CREATE INDEX photos_original_key ON photos(original_key);
CREATE INDEX photos_public_key ON photos(public_key);
CREATE INDEX photos_thumb_key ON photos(thumb_key);
