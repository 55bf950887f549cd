package db_test

import (
	"context"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
)

// regionName is a named string type, as capabilities pass their codes.
type regionName string

func TestStringArgumentsWithNULOrInvalidUTF8AreInvalidAndNeverStoredOnEitherEngine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		bad := map[string]any{"NUL": "乐山\x00市", "invalid UTF-8": "乐山\xff市", "truncated UTF-8": "乐\xe5\xb1",
			"named type": regionName("a\x00b"), "pointer": new("x\x00")}
		for name, arg := range bad {
			err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.InsertID(ctx, `INSERT INTO regions (level, code, name, path, created_at, updated_at)
					VALUES ('city', 'BAD', ?, '/', 0, 0) RETURNING id`, arg)
				return err
			})
			if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Key != "err.bad_text_value" {
				t.Errorf("%s: insert answered %v, want invalid err.bad_text_value", name, err)
			}
			err = d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO regions (level, code, name, path, created_at, updated_at)
					VALUES ('city', ?, 'x', '/', 0, 0)`, arg)
				return err
			})
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: exec answered %v, want invalid", name, err)
			}
			err = d.Read(ctx, func(tx *db.Tx) error {
				_, err := tx.Count(ctx, `SELECT COUNT(*) FROM regions WHERE name = ?`, arg)
				return err
			})
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: count answered %v, want invalid", name, err)
			}
			err = d.Read(ctx, func(tx *db.Tx) error {
				var n string
				return tx.Get(ctx, "region", `SELECT name FROM regions WHERE code = ?`, []any{arg}, &n)
			})
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: get answered %v, want invalid", name, err)
			}
			err = d.Read(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, `SELECT id FROM regions WHERE code = ?`, arg)
				if err == nil {
					rows.Close()
				}
				return err
			})
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: query answered %v, want invalid", name, err)
			}
		}
		var n int64
		if err := d.Read(ctx, func(tx *db.Tx) (err error) {
			n, err = tx.Count(ctx, `SELECT COUNT(*) FROM regions WHERE code = 'BAD' OR name = 'x'`)
			return err
		}); err != nil || n != 0 {
			t.Fatalf("rows stored from bad text: %d, %v", n, err)
		}
		// Good text, Chinese and bytes, still goes through.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.InsertID(ctx, `INSERT INTO regions (level, code, name, path, created_at, updated_at)
				VALUES ('city', ?, ?, '/', 0, 0) RETURNING id`, regionName("OK1"), "乐山市😀\uFFFD")
			return err
		}); err != nil {
			t.Fatalf("good text: %v", err)
		}
	})
}

func TestPostgresEncodingErrorsAreInvalidNotInternal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Engine != db.Postgres {
			t.Skip("SQLSTATE 22021 and 22P05 are PostgreSQL's")
		}
		ctx := context.Background()
		for name, q := range map[string]string{
			"22021 character_not_in_repertoire": `SELECT convert_from('\xff'::bytea, 'UTF8')`,
			"22P05 untranslatable_character":    `SELECT encode(convert_to('中', 'LATIN1'), 'hex')`,
		} {
			err := d.Read(ctx, func(tx *db.Tx) error {
				var s string
				return tx.Get(ctx, "value", q, nil, &s)
			})
			if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Key != "err.bad_text_value" {
				t.Errorf("%s: %v, want invalid err.bad_text_value", name, err)
			}
		}
	})
}
