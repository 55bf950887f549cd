-- Inspection, part 10: the questionnaire (问卷调查). A survey of residents
-- for a quarter, its questions tied to indicators, answered by inspectors
-- on the phone or by citizens through its public link (the token). Each
-- response is from a region; the quarter's rate of satisfied or basically
-- satisfied answers in a unit's region is a criterion of its evaluation.
CREATE TABLE inspection_surveys (
    id         INTEGER PRIMARY KEY,
    quarter    TEXT   NOT NULL,
    title      TEXT   NOT NULL,
    token      TEXT   NOT NULL UNIQUE,
    state      TEXT   NOT NULL DEFAULT 'open',
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX inspection_surveys_quarter ON inspection_surveys(quarter);

CREATE TABLE inspection_survey_questions (
    id             INTEGER PRIMARY KEY,
    survey_id      BIGINT  NOT NULL REFERENCES inspection_surveys(id),
    sort           INTEGER NOT NULL,
    text           TEXT    NOT NULL,
    indicator_code TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX inspection_survey_questions_survey ON inspection_survey_questions(survey_id, sort);

CREATE TABLE inspection_survey_responses (
    id            INTEGER PRIMARY KEY,
    survey_id     BIGINT NOT NULL REFERENCES inspection_surveys(id),
    region_id     BIGINT NOT NULL REFERENCES regions(id),
    channel       TEXT   NOT NULL,
    respondent_id BIGINT REFERENCES users(id),
    client_key    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (survey_id, client_key)
);
CREATE INDEX inspection_survey_responses_survey ON inspection_survey_responses(survey_id, region_id);

CREATE TABLE inspection_survey_answers (
    response_id BIGINT NOT NULL REFERENCES inspection_survey_responses(id),
    question_id BIGINT NOT NULL REFERENCES inspection_survey_questions(id),
    answer      TEXT   NOT NULL,
    PRIMARY KEY (response_id, question_id)
);
