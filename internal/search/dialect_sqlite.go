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

// putManySQLite indexes many records: the search_docs rows that exist
// keep their ids (their old tokens are deleted), new ones get ids after
// the largest (the caller holds SQLite's one write transaction), and
// every record's tokens go into search_fts with multi-row INSERTs.
func putManySQLite(ctx context.Context, tx *db.Tx, kind string, refs []int64, toks [][]string) error {
	ids := make(map[int64]int64, len(refs))
	err := db.Chunks(len(refs), func(from, to int) error {
		args := []any{kind}
		for _, r := range refs[from:to] {
			args = append(args, r)
		}
		rows, err := tx.Query(ctx, `SELECT ref, id FROM search_docs WHERE kind = ? AND ref IN (`+db.Placeholders(to-from)+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ref, id int64
			if err := rows.Scan(&ref, &id); err != nil {
				return err
			}
			ids[ref] = id
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	var old []any
	var fresh []int64
	for _, r := range refs {
		if id, ok := ids[r]; ok {
			old = append(old, id)
		} else {
			fresh = append(fresh, r)
		}
	}
	if err := db.Chunks(len(old), func(from, to int) error {
		_, err := tx.Exec(ctx, `DELETE FROM search_fts WHERE rowid IN (`+db.Placeholders(to-from)+`)`, old[from:to]...)
		return err
	}); err != nil {
		return err
	}
	if len(fresh) > 0 {
		var base int64
		if err := tx.Get(ctx, "", "SELECT COALESCE(MAX(id), 0) FROM search_docs", nil, &base); err != nil {
			return err
		}
		for i, r := range fresh {
			ids[r] = base + int64(i) + 1
		}
		if err := db.Chunks(len(fresh), func(from, to int) error {
			args := make([]any, 0, 3*(to-from))
			for _, r := range fresh[from:to] {
				args = append(args, ids[r], kind, r)
			}
			_, err := tx.Exec(ctx, `INSERT INTO search_docs (id, kind, ref) VALUES `+db.Rows("(?, ?, ?)", to-from), args...)
			return err
		}); err != nil {
			return err
		}
	}
	return db.Chunks(len(refs), func(from, to int) error {
		args := make([]any, 0, 2*(to-from))
		for i := from; i < to; i++ {
			args = append(args, ids[refs[i]], strings.Join(toks[i], " "))
		}
		_, err := tx.Exec(ctx, `INSERT INTO search_fts (rowid, tokens) VALUES `+db.Rows("(?, ?)", to-from), args...)
		return err
	})
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
