// Package db opens wenming's store on embedded SQLite or PostgreSQL and gives
// the capabilities one way to run transactions on either. SQL is written once
// with ? placeholders in the subset both engines accept; Tx rewrites the
// placeholders for PostgreSQL. Driver errors are translated into errs codes
// here and nowhere else.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inputtext"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is the store: a writer and a reader pool (the same pool on PostgreSQL).
type DB struct {
	Engine Engine
	w, r   *sql.DB
	dsn    string
	ck     *checkpointer // SQLite only
	// hot are statements prepared on the SQLite readers (PrepareReads),
	// set before the server starts and only read afterwards.
	hot map[string]*sql.Stmt
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// URL, or a SQLite file
// path. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgresURL(dsn) {
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		p.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
		p.SetMaxIdleConns(max(8, 4*runtime.GOMAXPROCS(0)))
		p.SetConnMaxIdleTime(5 * time.Minute)
		if err := p.PingContext(ctx); err != nil {
			p.Close()
			return nil, fmt.Errorf("connect postgres: %w", err)
		}
		return &DB{Engine: Postgres, w: p, r: p, dsn: dsn}, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	// busy_timeout first, so the journal_mode change itself waits for locks.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"
	// The checkpointer copies the WAL back; the writer only finishes the
	// copy when the WAL has grown past walResetPages, so that the WAL can
	// start again from its beginning (checkpoint.go).
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=wal_autocheckpoint("+strconv.Itoa(walResetPages)+")&_pragma=journal_size_limit("+strconv.Itoa(walResetPages*4096)+")&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Readers keep a smaller page cache each than the writer: there are
	// several, the operating system caches the file for all of them, and
	// their caches were most of the server's memory under many clients.
	r, err := sql.Open("sqlite", "file:"+path+"?"+strings.Replace(pragmas, "cache_size(-32000)", "cache_size(-8000)", 1)+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	ck, err := startCheckpointer(ctx, path, pragmas)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	return &DB{Engine: SQLite, w: w, r: r, dsn: path, ck: ck}, nil
}

// Close closes both pools, and on SQLite the checkpointer first.
func (db *DB) Close() error {
	var err error
	if db.ck != nil {
		err = db.ck.stop()
	}
	err = errors.Join(err, db.w.Close())
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Stats returns the pools' statistics (for /metrics).
func (db *DB) Stats() (writer, reader sql.DBStats) { return db.w.Stats(), db.r.Stats() }

// Path returns the SQLite file path ("" on PostgreSQL).
func (db *DB) Path() string {
	if db.Engine == SQLite {
		return db.dsn
	}
	return ""
}

// Write runs fn in a write transaction (BEGIN IMMEDIATE on SQLite) and
// commits if fn returns nil. A busy database is retried a few times.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.run(ctx, db.w, false, fn)
		if !isBusy(err) {
			return err
		}
		slog.Debug("database busy, retrying", "attempt", attempt)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}

// Read runs fn in a read-only transaction on the reader pool.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.r, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*Tx) error) (err error) {
	opts := &sql.TxOptions{}
	if readOnly && db.Engine == Postgres {
		opts.ReadOnly = true
	}
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{tx: stx, engine: db.Engine}
	if !readOnly && db.Engine == SQLite {
		tx.stmts = map[string]*sql.Stmt{}
	}
	if readOnly {
		tx.hot = db.hot
	}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
			return
		}
		if cerr := stx.Commit(); cerr != nil {
			err = translate(fmt.Errorf("commit: %w", cerr))
			return
		}
		if !readOnly && db.ck != nil {
			db.ck.commits.Add(1)
		}
		for _, f := range tx.afterCommit {
			f()
		}
	}()
	return fn(tx)
}

// Tx is a transaction on either engine.
type Tx struct {
	tx          *sql.Tx
	engine      Engine
	afterCommit []func()
	// stmts: SQLite write transactions prepare each statement once and
	// reuse it (a batch of reports runs the same few statements hundreds of
	// times; parsing was a third of the work). Closed with the transaction.
	// pgx caches prepared statements itself.
	stmts map[string]*sql.Stmt
	// hot: a read transaction's view of DB.hot.
	hot map[string]*sql.Stmt
}

// PrepareReads keeps the given read statements prepared on every SQLite
// reader connection, for statements that run on most requests (the
// session check's): parsing them was about half their cost. Call it after
// Migrate and before serving; a read transaction then runs these
// statements prepared. On PostgreSQL it does nothing (pgx caches
// prepared statements itself).
func (db *DB) PrepareReads(ctx context.Context, queries ...string) error {
	if db.Engine != SQLite {
		return nil
	}
	hot := make(map[string]*sql.Stmt, len(db.hot)+len(queries))
	maps.Copy(hot, db.hot)
	for _, q := range queries {
		if hot[q] != nil {
			continue
		}
		s, err := db.r.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", short(q), err)
		}
		hot[q] = s
	}
	db.hot = hot
	return nil
}

// maxTxStmts bounds the statements one transaction keeps prepared.
const maxTxStmts = 64

// stmt returns the transaction's prepared statement for q, or nil when
// statements are not kept (or too many are).
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if s := t.hot[q]; s != nil {
		return t.tx.StmtContext(ctx, s)
	}
	if t.stmts == nil {
		return nil
	}
	if s, ok := t.stmts[q]; ok {
		return s
	}
	if len(t.stmts) >= maxTxStmts {
		return nil
	}
	s, err := t.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil // run unprepared; the error, if any, is reported there
	}
	t.stmts[q] = s
	return s
}

func (t *Tx) exec(ctx context.Context, q string, args []any) (sql.Result, error) {
	if s := t.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args []any) *sql.Row {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// Engine tells which engine the transaction runs on.
func (t *Tx) Engine() Engine { return t.engine }

// AfterCommit queues f to run once the transaction has committed.
func (t *Tx) AfterCommit(f func()) { t.afterCommit = append(t.afterCommit, f) }

// Exec runs a statement.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	r, err := t.exec(ctx, t.Rebind(q), args)
	if err != nil {
		return nil, translate(fmt.Errorf("exec %s: %w", short(q), err))
	}
	return r, nil
}

// ExecN runs a statement and returns the number of rows it touched.
func (t *Tx) ExecN(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := t.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// InsertID runs an INSERT that ends in "RETURNING id" and returns the id.
func (t *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	if err := checkText(args); err != nil {
		return 0, err
	}
	if err := t.queryRow(ctx, t.Rebind(q), args).Scan(&id); err != nil {
		return 0, translate(fmt.Errorf("insert %s: %w", short(q), err))
	}
	return id, nil
}

// Query runs a query; the caller closes the rows.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	var rows *sql.Rows
	var err error
	if s := t.hot[q]; s != nil {
		rows, err = t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	} else {
		rows, err = t.tx.QueryContext(ctx, t.Rebind(q), args...)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("query %s: %w", short(q), err))
	}
	return rows, nil
}

// Get scans one row into dest. No row is errs.NotFound with the given
// message key argument what.
func (t *Tx) Get(ctx context.Context, what string, q string, args []any, dest ...any) error {
	if err := checkText(args); err != nil {
		return err
	}
	err := t.queryRow(ctx, t.Rebind(q), args).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFoundf(what)
	}
	if err != nil {
		return translate(fmt.Errorf("get %s: %w", short(q), err))
	}
	return nil
}

// Count runs a SELECT COUNT(*)-style query returning one integer.
func (t *Tx) Count(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	if err := checkText(args); err != nil {
		return 0, err
	}
	if err := t.queryRow(ctx, t.Rebind(q), args).Scan(&n); err != nil {
		return 0, translate(fmt.Errorf("count %s: %w", short(q), err))
	}
	return n, nil
}

// Rebind rewrites ? placeholders as $1, $2 … for PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (t *Tx) Rebind(q string) string { return Rebind(t.engine, q) }

// Rebind rewrites ? placeholders for the engine.
func Rebind(e Engine, q string) string {
	if e != Postgres || !strings.ContainsRune(q, '?') {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func short(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 60 {
		q = q[:60] + "…"
	}
	return q
}

// checkText refuses string arguments that are not valid text (a NUL byte,
// or not UTF-8) before either engine sees them: PostgreSQL would refuse
// them with an error and SQLite would store them as sent. Byte slices are
// binary and pass.
func checkText(args []any) error {
	for _, a := range args {
		var s string
		switch v := a.(type) {
		case string:
			s = v
		case *string:
			if v == nil {
				continue
			}
			s = *v
		case sql.NullString:
			s = v.String
		case nil, int, int64, int32, bool, float64, []byte, time.Time, *int64, *float64, *bool:
			continue
		default:
			if rv := reflect.ValueOf(a); rv.Kind() == reflect.String {
				s = rv.String()
			} else {
				continue
			}
		}
		if !inputtext.Valid(s) {
			return errs.E(errs.Invalid, "err.bad_text_value")
		}
	}
	return nil
}

// translate maps driver errors onto errs codes, keeping the cause.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return &wrapped{errs.E(errs.Conflict, "err.duplicate"), err}
		case "23503":
			return &wrapped{errs.E(errs.Conflict, "err.in_use"), err}
		case "23514", "23502", "22001":
			return &wrapped{errs.E(errs.Invalid, "err.invalid_value"), err}
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
			return &wrapped{errs.E(errs.Invalid, "err.bad_text_value"), err}
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &wrapped{errs.E(errs.Conflict, "err.duplicate"), err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &wrapped{errs.E(errs.Conflict, "err.in_use"), err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &wrapped{errs.E(errs.Invalid, "err.invalid_value"), err}
		}
	}
	return err
}

// wrapped carries a domain error and the driver cause for the log.
type wrapped struct {
	domain *errs.Error
	cause  error
}

func (w *wrapped) Error() string { return w.domain.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error {
	return []error{w.domain, w.cause}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// Like returns a LIKE pattern matching s anywhere, with wildcards escaped;
// use it with "LIKE ? ESCAPE '\'".
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// Placeholders returns "?, ?, ?" for n arguments.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Chunks calls fn with successive parts [from, to) of n items, each of 64,
// 8 or 1 items, so a multi-row statement built per part comes in at most
// three shapes and a transaction's prepared statements are reused.
func Chunks(n int, fn func(from, to int) error) error {
	for i := 0; i < n; {
		k := 1
		switch {
		case n-i >= 64:
			k = 64
		case n-i >= 8:
			k = 8
		}
		if err := fn(i, i+k); err != nil {
			return err
		}
		i += k
	}
	return nil
}

// Rows repeats a row of a multi-row VALUES list k times: Rows("(?, ?)", 2)
// is "(?, ?), (?, ?)".
func Rows(row string, k int) string {
	if k <= 0 {
		return ""
	}
	return strings.Repeat(row+", ", k-1) + row
}

// ReadValue runs f in a read transaction and returns what it returns: the
// one shape of a service's single read.
func ReadValue[T any](ctx context.Context, d *DB, f func(tx *Tx) (T, error)) (T, error) {
	var out T
	err := d.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = f(tx)
		return err
	})
	return out, err
}

// WriteValue runs f in a write transaction and returns what it returns.
func WriteValue[T any](ctx context.Context, d *DB, f func(tx *Tx) (T, error)) (T, error) {
	var out T
	err := d.Write(ctx, func(tx *Tx) error {
		var err error
		out, err = f(tx)
		return err
	})
	return out, err
}
