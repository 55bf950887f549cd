package workorder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/jobs"
)

// Idempotency keys: a client that retries a report after a dropped
// connection sends the same key and gets the first answer instead of a
// second order. The key's row (idempotency_keys) is written in the order's
// transaction (inside the batch, see SubmitPublic), so there is never an
// order without its key or a key without its order; the primary key
// (scope, key_hash) makes a concurrent second request with the same key
// fail its own writes, after which it reads and returns the first answer.

// IdemTTL is how long a key keeps its first answer.
const IdemTTL = 24 * time.Hour

// MaxIdemKeyLen bounds a key.
const MaxIdemKeyLen = 255

// Idem is the key a report came with.
type Idem struct {
	Scope       string // whose keys: "api", "open311:<client id>"
	Key         string // as the client sent it; stored as its SHA-256
	Fingerprint string // a hash of the request's content
	// Answer is the answer kept for the key, made in the order's
	// transaction from the new order.
	Answer func(Submitted) (status int, body string)
}

// FirstAnswer is what a keyed report was answered the first time.
type FirstAnswer struct {
	OrderID int64
	Status  int
	Body    string
}

// errKeyTaken rolls back a report whose key another report holds.
var errKeyTaken = errors.New("workorder: idempotency key taken")

// CheckIdemKey adds a message on field when key is not 1 to 255 printable
// ASCII characters.
func CheckIdemKey(f *errs.Fields, field, key string) {
	ok := key != "" && len(key) <= MaxIdemKeyLen
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] >= 0x20 && key[i] < 0x7f
	}
	f.Check(ok, field, "workorder.field.bad_idempotency_key", MaxIdemKeyLen)
}

// Fingerprint hashes the parts of a request.
func Fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Replay returns the first answer for the key when it has one that has not
// expired (found true); the key used for a different request is a Conflict.
func (s *Service) Replay(ctx context.Context, k Idem) (FirstAnswer, bool, error) {
	var a FirstAnswer
	var fp string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", `SELECT order_id, status, body, fingerprint FROM idempotency_keys
			WHERE scope = ? AND key_hash = ? AND created_at > ?`,
			[]any{k.Scope, keyHash(k.Key), s.Clock.Now().Add(-IdemTTL).UnixMilli()}, &a.OrderID, &a.Status, &a.Body, &fp)
	})
	if errs.Is(err, errs.NotFound) {
		return FirstAnswer{}, false, nil
	}
	if err != nil {
		return FirstAnswer{}, false, err
	}
	if fp != k.Fingerprint {
		return FirstAnswer{}, false, errs.E(errs.Conflict, "workorder.err.idempotency_mismatch")
	}
	return a, true, nil
}

// keyTaken tells whether a live row holds the key in tx.
func (s *Service) keyTaken(ctx context.Context, tx *db.Tx, k *Idem, now time.Time) error {
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM idempotency_keys WHERE scope = ? AND key_hash = ? AND created_at > ?",
		k.Scope, keyHash(k.Key), now.Add(-IdemTTL).UnixMilli())
	if err != nil {
		return err
	}
	if n > 0 {
		return errKeyTaken
	}
	return nil
}

// putKey writes the key's row for the new order in its transaction, in
// place of an expired one; a live row (another request's, committed or in
// this batch) is errKeyTaken.
func (s *Service) putKey(ctx context.Context, tx *db.Tx, k *Idem, out Submitted, now time.Time) error {
	h := keyHash(k.Key)
	if _, err := tx.Exec(ctx, "DELETE FROM idempotency_keys WHERE scope = ? AND key_hash = ? AND created_at <= ?",
		k.Scope, h, now.Add(-IdemTTL).UnixMilli()); err != nil {
		return err
	}
	status, body := k.Answer(out)
	n, err := tx.ExecN(ctx, `INSERT INTO idempotency_keys (scope, key_hash, fingerprint, order_id, status, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key_hash) DO NOTHING`,
		k.Scope, h, k.Fingerprint, out.ID, status, body, now.UnixMilli())
	if err != nil {
		return err
	}
	if n == 0 {
		return errKeyTaken
	}
	return nil
}

// SubmitPublicOnce is SubmitPublic with a key: the first request writes
// the order and the key's row in one transaction and gets its answer; a
// retry (or a concurrent twin, which waits for the first on PostgreSQL and
// is rolled back alone inside a batch) gets the first answer; the key
// with another request's content is a Conflict. replayed tells which.
func (s *Service) SubmitPublicOnce(ctx context.Context, in PublicReport, k Idem) (a FirstAnswer, replayed bool, err error) {
	in.Idem = &k
	for try := 0; try < 3; try++ {
		var sub Submitted
		sub, err = s.SubmitPublic(ctx, in)
		if err == nil {
			st, body := k.Answer(sub)
			return FirstAnswer{OrderID: sub.ID, Status: st, Body: body}, false, nil
		}
		if e := errs.As(err); !errors.Is(err, errKeyTaken) && e != nil && e.Code != errs.Internal {
			return FirstAnswer{}, false, err // refused: nothing was kept for the key
		}
		a, found, rerr := s.Replay(ctx, k)
		if rerr != nil {
			return FirstAnswer{}, false, rerr
		}
		if found {
			return a, true, nil
		}
		if !errors.Is(err, errKeyTaken) {
			return FirstAnswer{}, false, err
		}
		// The holder was rolled back after all: try again.
	}
	return FirstAnswer{}, false, errs.E(errs.Conflict, "workorder.err.idempotency_busy")
}

// PurgeIdemKeys deletes expired keys.
func (s *Service) PurgeIdemKeys(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM idempotency_keys WHERE created_at <= ?", s.Clock.Now().Add(-IdemTTL).UnixMilli())
		return err
	})
}

// IdemJob purges expired idempotency keys every hour.
func (s *Service) IdemJob() jobs.Job {
	return jobs.Job{Name: "workorder.purge_idempotency_keys", Every: time.Hour, Run: s.PurgeIdemKeys}
}

// IdemKeyOf reads a key as clients send it: trimmed, and without the
// quotes of the structured-header form ("…").
func IdemKeyOf(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return v
}
