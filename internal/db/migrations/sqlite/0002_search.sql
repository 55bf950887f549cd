-- Full-text search shared by every capability (internal/search).
--
-- Text is analysed in Go (Han characters and overlapping pairs, lower-cased
-- Latin/digit words) and only the tokens, joined by spaces, reach FTS5. The
-- "ascii" tokenizer splits them at those spaces and nowhere else (every
-- non-ASCII character is a token character and the tokens are already lower
-- case), so SQLite indexes exactly the lexemes PostgreSQL stores; unicode61
-- would re-fold some with its own tables (ſ → s).
--
-- search_docs gives each indexed record (kind, ref) the rowid of its FTS5
-- row; it is narrow, so a search joins thousands of hits to their refs
-- quickly. search_fts is contentless (the tokens are not stored twice) with
-- contentless_delete, so a record is re-indexed or removed by rowid, never
-- by scanning. detail = 'none': every query term is a single token, and a
-- term that is not (a phrase) is refused loudly rather than matched
-- differently from PostgreSQL.
CREATE TABLE search_docs (
    id   INTEGER PRIMARY KEY,
    kind TEXT   NOT NULL,
    ref  BIGINT NOT NULL,
    UNIQUE (kind, ref)
);

CREATE VIRTUAL TABLE search_fts USING fts5(
    tokens,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = 'none'
);

CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = old.id;
END;
