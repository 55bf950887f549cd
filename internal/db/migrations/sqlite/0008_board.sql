-- The public board (曝光台): orders a dispatcher chose to show the public,
-- with a title, summary and the unit's response written for the public (no
-- personal data), and the before and after photos chosen from the order's
-- timeline (shown only as their public renditions, without EXIF). One post
-- per order; unpublishing keeps the row (unpublished_at), publishing again
-- replaces its text and photos.
CREATE TABLE board_posts (
    id             INTEGER PRIMARY KEY,
    order_id       BIGINT  NOT NULL UNIQUE REFERENCES workorders(id),
    title          TEXT    NOT NULL,
    summary        TEXT    NOT NULL,
    response       TEXT    NOT NULL,
    published_by   BIGINT  REFERENCES users(id),
    published_at   BIGINT  NOT NULL,
    unpublished_by BIGINT  REFERENCES users(id),
    unpublished_at BIGINT,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX board_posts_published ON board_posts(published_at) WHERE unpublished_at IS NULL;

-- The post's before and after photo ids, in the dispatcher's order.
CREATE TABLE board_post_photos (
    post_id  BIGINT  NOT NULL REFERENCES board_posts(id),
    photo_id BIGINT  NOT NULL REFERENCES photos(id),
    kind     TEXT    NOT NULL CHECK (kind IN ('before','after')),
    sort     INTEGER NOT NULL,
    PRIMARY KEY (post_id, kind, photo_id)
);
CREATE INDEX board_post_photos_photo ON board_post_photos(photo_id);
