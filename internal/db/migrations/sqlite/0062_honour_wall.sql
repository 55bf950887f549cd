-- The honours wall: what each honoree agreed to publish, the story tours
-- (volunteer activities that tell an honoree's story, 宣讲), and the
-- reviews an expiring or yearly-checked title asks for (each asked once).
ALTER TABLE honour_nominations ADD COLUMN publish_name TEXT NOT NULL DEFAULT 'full' CHECK (publish_name IN ('full','surname'));
ALTER TABLE honour_nominations ADD COLUMN publish_photos BOOLEAN NOT NULL DEFAULT TRUE;
-- A civilised unit nominated by its name is linked to the unit (its English name on English pages).
ALTER TABLE honour_nominations ADD COLUMN nominee_unit_id BIGINT REFERENCES units(id);
CREATE INDEX honour_nominations_region ON honour_nominations (region_id);

CREATE TABLE honour_tours (
    nomination_id BIGINT NOT NULL REFERENCES honour_nominations(id),
    activity_id   BIGINT NOT NULL REFERENCES activities(id),
    linked_by     BIGINT REFERENCES users(id),
    linked_at     BIGINT NOT NULL,
    PRIMARY KEY (nomination_id, activity_id)
);
CREATE INDEX honour_tours_activity ON honour_tours (activity_id);

-- One row per title and review date: the job inserts it (ON CONFLICT DO
-- NOTHING) and posts the notice only when its insert took, so two
-- instances never ask twice.
CREATE TABLE honour_reviews (
    nomination_id BIGINT NOT NULL REFERENCES honour_nominations(id),
    due_on        TEXT   NOT NULL,
    kind          TEXT   NOT NULL CHECK (kind IN ('yearly','term')),
    asked_at      BIGINT NOT NULL,
    done_at       BIGINT,
    done_by       BIGINT REFERENCES users(id),
    note          TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (nomination_id, due_on)
);
