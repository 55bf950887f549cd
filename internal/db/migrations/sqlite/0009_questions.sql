-- Extra questions per work-order category, shaped like Open311 GeoReport v2
-- service attributes so they map 1:1: code (unique per category), variable
-- (false: informational text only), datatype, required, datatype
-- description, sort (the attribute's "order") and the question shown (zh +
-- en). List questions have their values (key + name zh/en).
CREATE TABLE workorder_questions (
    id                   INTEGER PRIMARY KEY,
    category_id          BIGINT  NOT NULL REFERENCES workorder_categories(id),
    code                 TEXT    NOT NULL,
    variable             BOOLEAN NOT NULL DEFAULT TRUE,
    datatype             TEXT    NOT NULL CHECK (datatype IN ('string','number','datetime','text','singlevaluelist','multivaluelist')),
    required             BOOLEAN NOT NULL DEFAULT FALSE,
    datatype_description TEXT    NOT NULL DEFAULT '',
    sort                 INTEGER NOT NULL DEFAULT 0,
    description          TEXT    NOT NULL,
    description_en       TEXT    NOT NULL DEFAULT '',
    UNIQUE (category_id, code)
);

CREATE TABLE workorder_question_values (
    question_id BIGINT  NOT NULL REFERENCES workorder_questions(id),
    key         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    name_en     TEXT    NOT NULL DEFAULT '',
    sort        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (question_id, key)
);

-- A citizen's answers, written with the order: one row per value (a
-- multi-value list has several rows for one code, in the given order).
CREATE TABLE workorder_answers (
    order_id BIGINT  NOT NULL REFERENCES workorders(id),
    code     TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (order_id, code, seq)
);
