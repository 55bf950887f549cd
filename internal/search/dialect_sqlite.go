package search

import (
	"context"
	"strings"

	"github.com/wenming-city/wenming/internal/db"
)

// SQLite: one contentless FTS5 table, search_fts (tokenize 'ascii'), holds
// every kind's records, each under the rowid kind id << refBits | ref (see
// RegisterKind). A kind's records are then one rowid range, in the order of
// their refs, so a search reads its matches newest first straight from the
// index (ORDER BY rowid DESC, which FTS5 answers without sorting) and stops
// at the page's LIMIT, and the ref is the rowid minus the kind's base: no
// table maps rowids to refs.

// refBits is how many low bits of an FTS5 rowid hold the ref (refs up to
// about 10^12).
const refBits = 40

// maxRef is the largest ref the index can hold.
const maxRef = 1<<refBits - 1

// kindBase is the first rowid of a kind's range.
func kindBase(kind string) (int64, error) {
	id, err := kindID(kind)
	return id << refBits, err
}

// putManySQLite deletes the old tokens of the records that may have some
// and inserts every record's tokens, with multi-row statements.
func putManySQLite(ctx context.Context, tx *db.Tx, base int64, docs []Doc, toks [][]string) error {
	var old []any
	for _, d := range docs {
		if !d.New {
			old = append(old, base+d.Ref)
		}
	}
	if err := db.Chunks(len(old), func(from, to int) error {
		_, err := tx.Exec(ctx, `DELETE FROM search_fts WHERE rowid IN (`+db.Placeholders(to-from)+`)`, old[from:to]...)
		return err
	}); err != nil {
		return err
	}
	return db.Chunks(len(docs), func(from, to int) error {
		args := make([]any, 0, 2*(to-from))
		for i := from; i < to; i++ {
			args = append(args, base+docs[i].Ref, strings.Join(toks[i], " "))
		}
		_, err := tx.Exec(ctx, `INSERT INTO search_fts (rowid, tokens) VALUES `+db.Rows("(?, ?)", to-from), args...)
		return err
	})
}

func deleteSQLite(ctx context.Context, tx *db.Tx, base, ref int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM search_fts WHERE rowid = ?`, base+ref)
	return err
}

// selectSQLite selects the refs of a kind's matches.
func selectSQLite(base int64, ts []term) (string, []any) {
	return `SELECT rowid - ? FROM search_fts WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ?`,
		[]any{base, ftsQuery(ts), base, base + maxRef}
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
