-- Who has read which in-app notification. A notification goes to a user
-- or to a whole unit (notifications.user_id / unit_id); each person marks
-- it read for themselves, so one reader does not hide it from colleagues.
CREATE TABLE notification_reads (
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    read_at         BIGINT NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);
CREATE INDEX notification_reads_user ON notification_reads(user_id);
