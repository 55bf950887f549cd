package search

import (
	"context"
	"strings"

	"github.com/wenming-city/wenming/internal/db"
)

// SQLite: search_docs gives each record (kind, ref) an id, which is the
// rowid of its row in the contentless FTS5 table search_fts (tokenize
// 'ascii'); a trigger removes the FTS5 row with the search_docs row.

func putSQLite(ctx context.Context, tx *db.Tx, kind string, ref int64, toks []string) error {
	id, err := tx.InsertID(ctx, `INSERT INTO search_docs (kind, ref) VALUES (?, ?)
		ON CONFLICT (kind, ref) DO UPDATE SET ref = excluded.ref RETURNING id`, kind, ref)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM search_fts WHERE rowid = ?`, id); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO search_fts (rowid, tokens) VALUES (?, ?)`, id, strings.Join(toks, " "))
	return err
}

func deleteSQLite(ctx context.Context, tx *db.Tx, kind string, ref int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM search_docs WHERE kind = ? AND ref = ?`, kind, ref)
	return err
}

// selectSQLite reads the FTS5 index first (CROSS JOIN keeps that order) and
// looks each hit's ref up by rowid.
func selectSQLite(kind string, ts []term) (string, []any) {
	return `SELECT s.ref FROM search_fts CROSS JOIN search_docs s ON s.id = search_fts.rowid
		WHERE search_fts MATCH ? AND s.kind = ?`, []any{ftsQuery(ts), kind}
}

// ftsQuery builds `"t1" AND "t2"* …`: every token is an FTS5 string, with
// any double quote doubled, so AND, OR, NOT, NEAR, *, ^, :, + and
// parentheses in what the user typed are only characters; a prefix term has
// its * outside the quotes.
func ftsQuery(ts []term) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(quote(t.tok, '"', ""))
		if t.prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}
