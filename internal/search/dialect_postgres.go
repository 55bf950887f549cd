package search

import (
	"context"
	"strings"

	"github.com/wenming-city/wenming/internal/db"
)

// PostgreSQL: search_index.tsv is array_to_tsvector(tokens), which takes each
// string as a lexeme as it is; queries cast a tsquery literal with ::tsquery
// (not to_tsquery), so no parser, dictionary or locale is involved. The GIN
// index on tsv answers @@, prefixes included.

// putManyPostgres upserts many records with multi-row statements.
func putManyPostgres(ctx context.Context, tx *db.Tx, kind string, docs []Doc, toks [][]string) error {
	return db.Chunks(len(docs), func(from, to int) error {
		args := make([]any, 0, 3*(to-from))
		for i := from; i < to; i++ {
			args = append(args, kind, docs[i].Ref, toks[i])
		}
		_, err := tx.Exec(ctx, `INSERT INTO search_index (kind, ref, tsv) VALUES `+
			db.Rows("(?, ?, array_to_tsvector(?::text[]))", to-from)+`
			ON CONFLICT (kind, ref) DO UPDATE SET tsv = excluded.tsv WHERE search_index.tsv <> excluded.tsv`, args...)
		return err
	})
}

func deletePostgres(ctx context.Context, tx *db.Tx, kind string, ref int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM search_index WHERE kind = ? AND ref = ?`, kind, ref)
	return err
}

func selectPostgres(kind string, ts []term) (string, []any) {
	return `SELECT ref FROM search_index WHERE kind = ? AND tsv @@ ?::tsquery`, []any{kind, tsQuery(ts)}
}

// tsQuery builds `'t1' & 't2':* …` with each lexeme single-quoted, quotes
// and backslashes doubled, so nothing in a token is tsquery syntax.
func tsQuery(ts []term) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteString(quote(t.tok, '\'', `\`))
		if t.prefix {
			b.WriteString(":*")
		}
	}
	return b.String()
}
