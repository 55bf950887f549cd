package workorder

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/search"
)

// Search behind the commit (Service.SearchBehind; ARCHITECTURE.md, "Search
// off the commit path"). A batch of citizens' reports commits one row per
// order in workorder_search_pending instead of its search tokens; the
// indexer writes the tokens of the pending orders and deletes their rows in
// one write transaction, so every order is either pending or indexed. On
// PostgreSQL the indexer claims its rows with FOR UPDATE SKIP LOCKED, so
// instances sharing the database index disjoint orders; on SQLite the one
// writer serialises them.

// queueSearch records docs' orders as waiting for the indexer.
func queueSearch(ctx context.Context, tx *db.Tx, docs []search.Doc) error {
	return db.Chunks(len(docs), func(from, to int) error {
		args := make([]any, 0, to-from)
		for _, d := range docs[from:to] {
			args = append(args, d.Ref)
		}
		_, err := tx.Exec(ctx, "INSERT INTO workorder_search_pending (order_id) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?), ", to-from), ", ")+" ON CONFLICT (order_id) DO NOTHING", args...)
		return err
	})
}

// indexBatch is how many pending orders IndexPending indexes per
// transaction.
const indexBatch = 500

// IndexPending indexes up to max pending orders (max <= 0: indexBatch) in
// one write transaction and returns how many it indexed.
func (s *Service) IndexPending(ctx context.Context, max int) (int, error) {
	if max <= 0 {
		max = indexBatch
	}
	n := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		n = 0
		claim := "SELECT order_id FROM workorder_search_pending ORDER BY order_id LIMIT ?"
		if tx.Engine() == db.Postgres {
			claim += " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, claim, max)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		in := "(" + db.Placeholders(len(ids)) + ")"
		trows, err := tx.Query(ctx, "SELECT id, title, description, address, resolution FROM workorders WHERE id IN "+in, ids...)
		if err != nil {
			return err
		}
		docs := make([]search.Doc, 0, len(ids))
		for trows.Next() {
			var d search.Doc
			var title, desc, addr string
			var res sql.NullString
			if err := trows.Scan(&d.Ref, &title, &desc, &addr, &res); err != nil {
				trows.Close()
				return err
			}
			d.Texts = []string{title, desc, addr, res.String}
			docs = append(docs, d)
		}
		trows.Close()
		if err := trows.Err(); err != nil {
			return err
		}
		if err := search.PutMany(ctx, tx, SearchKind, docs); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM workorder_search_pending WHERE order_id IN "+in, ids...); err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// CatchUpSearch indexes every pending order (those a crash left, at
// start) and returns how many.
func (s *Service) CatchUpSearch(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.IndexPending(ctx, 0)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// SearchLag is how often RunSearchIndexer looks for pending orders: a
// report is searchable by its text at most about this long after its
// commit (by its tracking code at once).
const SearchLag = 250 * time.Millisecond

// RunSearchIndexer indexes pending orders every SearchLag until ctx ends.
func (s *Service) RunSearchIndexer(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(SearchLag)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.CatchUpSearch(ctx); err != nil && ctx.Err() == nil {
			log.Error("index pending work orders", "err", err)
		}
	}
}

// codeQuery is q as a tracking code when it has a code's form.
func codeQuery(q string) (string, bool) {
	c := NormaliseCode(strings.TrimSpace(q))
	if len(c) != CodeLen {
		return "", false
	}
	for _, r := range c {
		if !strings.ContainsRune(codeAlphabet, r) {
			return "", false
		}
	}
	return c, true
}
