// Package search is wenming's full-text search in Chinese and English, with
// the same results on SQLite and PostgreSQL.
//
// Text is analysed here, in Go (see Analyze), never by a database: Chinese
// runs become single characters and overlapping pairs, other letters and
// digits lower-cased words. Only the tokens reach the database, written in
// the caller's transaction, so the index never disagrees with the record:
//
//   - SQLite: the contentless FTS5 table search_fts holds the tokens joined
//     by spaces, under the rowid that search_docs (id, kind, ref) gives the
//     record. Its "ascii" tokenizer splits at those spaces and nowhere else,
//     since every non-ASCII character is a token character and the tokens
//     are already lower case; unicode61 would re-fold some with its own
//     Unicode tables (ſ → s) and part from PostgreSQL.
//   - PostgreSQL: search_index (kind, ref, tsv) with tsv =
//     array_to_tsvector(tokens) and a GIN index; queries cast a tsquery
//     literal, so the text search parser, configurations and the server
//     locale never see the text.
//
// A query is analysed the same way and every term must match. Each term is
// quoted for its engine, so what a user types is never query syntax.
//
// A capability indexes its records under its own kind ("workorder"):
//
//	err := search.Put(ctx, tx, "workorder", id, o.Title, o.Text, o.Address)
//
// and filters with the predicate Match returns:
//
//	pred, args, ok := search.Match(tx.Engine(), "workorder", q, "o.id")
//	if ok { where = append(where, pred); params = append(params, args...) }
package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/db"
)

// maxDocBytes caps the tokens stored for one record (about 40,000 Chinese
// tokens), well inside PostgreSQL's 1 MB tsvector. Tokens past the cap are
// not indexed, on either engine.
const maxDocBytes = 256 << 10

// Put indexes the record (kind, ref) with the tokens of texts, replacing what
// was indexed for it before, in the caller's transaction. Each text is
// analysed on its own, so no pair is formed across two fields. A record
// whose texts have no token is removed from the index.
func Put(ctx context.Context, tx *db.Tx, kind string, ref int64, texts ...string) error {
	if kind == "" {
		return errors.New("search: empty kind")
	}
	toks := docTokens(texts)
	if len(toks) == 0 {
		return Delete(ctx, tx, kind, ref)
	}
	var err error
	if tx.Engine() == db.Postgres {
		err = putPostgres(ctx, tx, kind, ref, toks)
	} else {
		err = putSQLite(ctx, tx, kind, ref, toks)
	}
	if err != nil {
		return fmt.Errorf("search: index %s %d: %w", kind, ref, err)
	}
	return nil
}

// docTokens analyses a record's texts, each on its own, and keeps the
// tokens within maxDocBytes.
func docTokens(texts []string) []string {
	var a analyzer
	for _, t := range texts {
		a.text(t)
	}
	toks := a.out
	if a.size > maxDocBytes {
		size := 0
		for i, t := range toks {
			if size += len(t) + 1; size > maxDocBytes {
				toks = toks[:i]
				break
			}
		}
	}
	return toks
}

// Doc is one record for PutMany: its ref and its texts, as given to Put.
type Doc struct {
	Ref   int64
	Texts []string
}

// PutMany is Put for many records of one kind at once, in the caller's
// transaction, with the same outcome as a Put per record in order (a ref
// given twice keeps its last texts). It writes with a few multi-row
// statements instead of two or three per record: on SQLite, FTS5 keeps the
// tokens of one statement in memory and writes them as one segment at the
// next statement savepoint, so records indexed one statement at a time
// between other writes each become a segment of their own that must later
// be merged; PutMany writes a whole batch as one.
func PutMany(ctx context.Context, tx *db.Tx, kind string, docs []Doc) error {
	if kind == "" {
		return errors.New("search: empty kind")
	}
	if len(docs) == 0 {
		return nil
	}
	// The last texts of each ref win, as with Put in order.
	last := make(map[int64]int, len(docs))
	for i, d := range docs {
		last[d.Ref] = i
	}
	refs := make([]int64, 0, len(last))
	toks := make([][]string, 0, len(last))
	for i, d := range docs {
		if last[d.Ref] != i {
			continue
		}
		t := docTokens(d.Texts)
		if len(t) == 0 {
			if err := Delete(ctx, tx, kind, d.Ref); err != nil {
				return err
			}
			continue
		}
		refs = append(refs, d.Ref)
		toks = append(toks, t)
	}
	var err error
	if tx.Engine() == db.Postgres {
		err = putManyPostgres(ctx, tx, kind, refs, toks)
	} else {
		err = putManySQLite(ctx, tx, kind, refs, toks)
	}
	if err != nil {
		return fmt.Errorf("search: index %d records of %s: %w", len(refs), kind, err)
	}
	return nil
}

// Delete removes the record (kind, ref) from the index; a record that is not
// indexed is no error.
func Delete(ctx context.Context, tx *db.Tx, kind string, ref int64) error {
	var err error
	if tx.Engine() == db.Postgres {
		err = deletePostgres(ctx, tx, kind, ref)
	} else {
		err = deleteSQLite(ctx, tx, kind, ref)
	}
	if err != nil {
		return fmt.Errorf("search: remove %s %d: %w", kind, ref, err)
	}
	return nil
}

// Match returns an SQL predicate, with its arguments in order, that is true
// when refColumn (an expression such as "o.id") names a record of kind whose
// indexed text matches query: every term of the query is present. ok is false
// when the query has no term at all (empty, or only punctuation); the caller
// then decides whether that means "no filter" or "no rows".
//
// The predicate has ? placeholders, like all of wenming's SQL, and reads
// "<refColumn> IN (SELECT … )" on both engines. Put refColumn's table's own
// conditions beside it; the subquery is evaluated once per statement.
func Match(engine db.Engine, kind, query, refColumn string) (pred string, args []any, ok bool) {
	sel, args, ok := selectRefs(engine, kind, query)
	if !ok {
		return "", nil, false
	}
	return refColumn + " IN (" + sel + ")", args, true
}

// selectRefs returns a SELECT of the single column ref for Match and Refs.
func selectRefs(engine db.Engine, kind, query string) (string, []any, bool) {
	ts := parseQuery(query)
	if len(ts) == 0 {
		return "", nil, false
	}
	if engine == db.Postgres {
		sel, args := selectPostgres(kind, ts)
		return sel, args, true
	}
	sel, args := selectSQLite(kind, ts)
	return sel, args, true
}

// Refs returns the refs of kind that match query, in ascending order; none
// for a query without terms.
func Refs(ctx context.Context, tx *db.Tx, kind, query string) ([]int64, error) {
	sel, args, ok := selectRefs(tx.Engine(), kind, query)
	if !ok {
		return nil, nil
	}
	rows, err := tx.Query(ctx, sel+` ORDER BY 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var refs []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		refs = append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return slices.Clip(refs), nil
}

// quote wraps s in q, doubling q (and, for PostgreSQL, backslash) inside.
func quote(s string, q byte, alsoDouble string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == q || strings.IndexByte(alsoDouble, c) >= 0 {
			b.WriteByte(c)
		}
		b.WriteByte(c)
	}
	b.WriteByte(q)
	return b.String()
}
