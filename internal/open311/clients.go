package open311

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Clients: an admin (token.manage, like API tokens) issues an api_key to
// a named client; the key is shown once and stored as its SHA-256, like
// internal/account's API tokens. The client's name becomes the source of
// the orders it files. Revoking a key refuses it at once.

// KeyPrefix starts every api_key, so a leaked one is recognisable.
const KeyPrefix = "o311_"

// Client is an Open311 client as admins see it (never the key).
type Client struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Contact   string     `json:"contact"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Requests  int64      `json:"requests"` // orders filed
}

// ClientInput names a new client.
type ClientInput struct {
	Name    string `json:"name"`
	Contact string `json:"contact"` // who runs it: a person, a phone, an e-mail
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func newKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// IssueClient registers a client and returns it with its api_key, which
// is shown this once.
func (s *Service) IssueClient(ctx context.Context, p *auth.Principal, in ClientInput) (Client, string, error) {
	if err := auth.Require(p, auth.PermTokenManage); err != nil {
		return Client{}, "", err
	}
	in.Name, in.Contact = strings.TrimSpace(in.Name), strings.TrimSpace(in.Contact)
	var f errs.Fields
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		f.Add("name", "field.required")
	case n > 100:
		f.Add("name", "field.too_long", 100)
	}
	f.Check(utf8.RuneCountInString(in.Contact) <= 200, "contact", "field.too_long", 200)
	if err := f.Err(); err != nil {
		return Client{}, "", err
	}
	key := newKey()
	now := s.Clock.Now()
	c := Client{Name: in.Name, Contact: in.Contact, CreatedAt: time.UnixMilli(now.UnixMilli())}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM open311_clients WHERE name = ?", in.Name); err != nil {
			return err
		} else if n > 0 {
			f.Add("name", "open311.client.name_taken")
			return f.Err()
		}
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO open311_clients (name, contact, key_hash, created_by, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, in.Name, in.Contact, hashKey(key), p.UserID, now.UnixMilli())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionIssueToken, Entity: "open311_client",
			EntityID: audit.ID(c.ID), Summary: in.Name}, nil, in)
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, key, nil
}

// RevokeClient refuses a client's key from now on.
func (s *Service) RevokeClient(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermTokenManage); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var name string
		var revoked *int64
		if err := tx.Get(ctx, "open311.entity.client", "SELECT name, revoked_at FROM open311_clients WHERE id = ?",
			[]any{id}, &name, &revoked); err != nil {
			return err
		}
		if revoked != nil {
			return errs.E(errs.Conflict, "open311.client.already_revoked")
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, "UPDATE open311_clients SET revoked_at = ? WHERE id = ?", now.UnixMilli(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionRevokeToken, Entity: "open311_client",
			EntityID: audit.ID(id), Summary: name}, nil, nil)
	})
}

// Clients lists the clients, newest first, with how many orders each filed.
func (s *Service) Clients(ctx context.Context, p *auth.Principal) ([]Client, error) {
	if err := auth.Require(p, auth.PermTokenManage); err != nil {
		return nil, err
	}
	out := []Client{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.id, c.name, c.contact, c.created_at, c.revoked_at,
			(SELECT COUNT(*) FROM open311_requests r WHERE r.client_id = c.id)
			FROM open311_clients c ORDER BY c.id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Client
			var created int64
			var revoked *int64
			if err := rows.Scan(&c.ID, &c.Name, &c.Contact, &created, &revoked, &c.Requests); err != nil {
				return err
			}
			c.CreatedAt = time.UnixMilli(created)
			if revoked != nil {
				t := time.UnixMilli(*revoked)
				c.RevokedAt = &t
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// errBadKey is the one answer for a missing, unknown or revoked key.
var errBadKey = errs.E(errs.Forbidden, "open311.err.api_key")

// authenticate returns the client holding an active key.
func (s *Service) authenticate(ctx context.Context, key string) (Client, error) {
	key = strings.TrimSpace(key)
	if !strings.HasPrefix(key, KeyPrefix) || len(key) > 200 {
		return Client{}, errBadKey
	}
	var c Client
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var revoked *int64
		err := tx.Get(ctx, "open311.entity.client", "SELECT id, name, revoked_at FROM open311_clients WHERE key_hash = ?",
			[]any{hashKey(key)}, &c.ID, &c.Name, &revoked)
		if errs.Is(err, errs.NotFound) || (err == nil && revoked != nil) {
			return errBadKey
		}
		return err
	})
	return c, err
}
