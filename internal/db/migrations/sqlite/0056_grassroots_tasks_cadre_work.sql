-- Grassroots governance, part 7: a campaign's tasks (what is to be done,
-- by which cadre, by when, and how far it is), and each cadre's work: the
-- visits they made and the meetings they spoke at, linked to the cadre's
-- row, so a cadre's visits, meetings and needs solved are counted from rows.
CREATE TABLE gr_campaign_tasks (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES gr_campaigns(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    owner_id    BIGINT NOT NULL REFERENCES gr_cadres(id),
    due_on      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'doing', 'done')),
    done_on     TEXT,
    note        TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX gr_campaign_tasks_campaign ON gr_campaign_tasks(campaign_id, state, due_on);
CREATE INDEX gr_campaign_tasks_owner ON gr_campaign_tasks(owner_id);

CREATE TABLE gr_visit_cadres (
    visit_id BIGINT NOT NULL REFERENCES gr_visits(id) ON DELETE CASCADE,
    cadre_id BIGINT NOT NULL REFERENCES gr_cadres(id),
    PRIMARY KEY (visit_id, cadre_id)
);
CREATE INDEX gr_visit_cadres_cadre ON gr_visit_cadres(cadre_id, visit_id);

CREATE TABLE gr_meeting_speakers (
    meeting_id BIGINT NOT NULL REFERENCES gr_meetings(id) ON DELETE CASCADE,
    cadre_id   BIGINT NOT NULL REFERENCES gr_cadres(id),
    PRIMARY KEY (meeting_id, cadre_id)
);
CREATE INDEX gr_meeting_speakers_cadre ON gr_meeting_speakers(cadre_id, meeting_id);
