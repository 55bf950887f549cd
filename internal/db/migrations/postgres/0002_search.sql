-- Full-text search shared by every capability (internal/search).
--
-- Text is analysed in Go (Han characters and overlapping pairs, lower-cased
-- Latin/digit words); tsv is array_to_tsvector(tokens), which keeps each
-- token as a lexeme as it is, and queries cast a tsquery literal built in Go,
-- so neither the text search parser, a configuration nor the server locale
-- ever sees the text. SQLite keeps the same tokens in search_docs and the
-- FTS5 table search_fts instead.
CREATE TABLE search_index (
    kind TEXT     NOT NULL,
    ref  BIGINT   NOT NULL,
    tsv  tsvector NOT NULL,
    PRIMARY KEY (kind, ref)
);

CREATE INDEX search_index_tsv ON search_index USING GIN (tsv);
