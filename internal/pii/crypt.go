package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ID numbers are stored encrypted with AES-256-GCM. A stored value is
// "<key id>:<base64url of nonce ‖ ciphertext ‖ tag>"; the key id (and the
// purpose, e.g. "id_number") is also the additional data, so a value cannot
// be moved to another key id or another field. The keyring holds every key
// still needed to read old values; the first one encrypts new ones, so a
// key is rotated by putting a new one first and keeping the old ones until
// every value has been written again.
//
// Exact lookup goes through a blind index: HMAC-SHA256 of the normalised
// value under a separate index key, which is not rotated with the
// encryption keys (changing it means recomputing every index column).

// KeyLen is the length of every key: AES-256 and the HMAC key.
const KeyLen = 32

// ErrNoKey: no keyring is configured (WENMING_PII_KEYS is empty).
var ErrNoKey = errors.New("pii: no encryption key configured (WENMING_PII_KEYS)")

// ErrDecrypt: the value was written under a key id the keyring does not
// hold, or it does not open with that key (a wrong key, a changed value).
var ErrDecrypt = errors.New("pii: cannot decrypt the value")

var keyIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,16}$`)

// Keyring holds the encryption keys by id, the id that encrypts, and the
// blind index key. A nil *Keyring encrypts nothing: its methods return
// ErrNoKey.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	index   []byte
}

// ParseKeys reads the configuration: keys is a comma-separated list of
// "id:key" (the first encrypts new values), index the blind index key; each
// key is 32 bytes in base64 (standard or URL alphabet, padded or not) or
// 64 hex digits. Both empty gives a nil keyring and no error: nothing is
// encrypted. One without the other is an error, as is a key id twice.
func ParseKeys(keys, index string) (*Keyring, error) {
	keys, index = strings.TrimSpace(keys), strings.TrimSpace(index)
	if keys == "" && index == "" {
		return nil, nil
	}
	if keys == "" || index == "" {
		return nil, errors.New("pii: set both WENMING_PII_KEYS and WENMING_PII_INDEX_KEY, or neither")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, item := range strings.Split(keys, ",") {
		id, raw, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok || !keyIDRe.MatchString(id) {
			return nil, fmt.Errorf("pii: key %d: want id:key with an id of letters, digits, - or _ (at most 16)", i+1)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("pii: key id %q appears twice", id)
		}
		key, err := decodeKey(raw)
		if err != nil {
			return nil, fmt.Errorf("pii: key %q: %w", id, err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		if k.aeads[id], err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
		if i == 0 {
			k.current = id
		}
	}
	var err error
	if k.index, err = decodeKey(index); err != nil {
		return nil, fmt.Errorf("pii: index key: %w", err)
	}
	return k, nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeyLen {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeyLen {
				return nil, fmt.Errorf("%d bytes, want %d", len(b), KeyLen)
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64 or hex")
}

// NewKey returns a random key in the form ParseKeys reads (base64).
func NewKey() string {
	b := make([]byte, KeyLen)
	rand.Read(b) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(b)
}

// CurrentKeyID is the id new values are encrypted with ("" without keys).
func (k *Keyring) CurrentKeyID() string {
	if k == nil {
		return ""
	}
	return k.current
}

// Encrypt seals plain for a purpose (the field it is stored in, e.g.
// "id_number") under the current key.
func (k *Keyring) Encrypt(purpose, plain string) (string, error) {
	if k == nil {
		return "", ErrNoKey
	}
	a := k.aeads[k.current]
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	rand.Read(nonce)
	sealed := a.Seal(nonce, nonce, []byte(plain), aad(k.current, purpose))
	return k.current + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a value Encrypt wrote for the same purpose, with whichever
// of the keyring's keys its id names.
func (k *Keyring) Decrypt(purpose, stored string) (string, error) {
	if k == nil {
		return "", ErrNoKey
	}
	id, body, ok := strings.Cut(stored, ":")
	a, known := k.aeads[id]
	if !ok || !known {
		return "", ErrDecrypt
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(sealed) < a.NonceSize()+a.Overhead() {
		return "", ErrDecrypt
	}
	plain, err := a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], aad(id, purpose))
	if err != nil {
		return "", ErrDecrypt
	}
	return string(plain), nil
}

// KeyID is the key id a stored value was written with, so a re-encryption
// job can find the values still under an old key.
func KeyID(stored string) string {
	id, _, _ := strings.Cut(stored, ":")
	return id
}

func aad(id, purpose string) []byte { return []byte("wenming-pii\x00" + id + "\x00" + purpose) }

// BlindIndex is the lookup key of a value for a purpose: hex HMAC-SHA256
// under the index key. Equal values give equal indexes whichever key
// encrypted them; the index tells nothing without the index key.
func (k *Keyring) BlindIndex(purpose, value string) (string, error) {
	if k == nil {
		return "", ErrNoKey
	}
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(purpose + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// PurposeIDNumber is the purpose of resident ID numbers.
const PurposeIDNumber = "id_number"

// EncryptID normalises an ID number and returns its stored form and blind
// index.
func (k *Keyring) EncryptID(number string) (stored, index string, err error) {
	n := NormaliseID(number)
	if stored, err = k.Encrypt(PurposeIDNumber, n); err != nil {
		return "", "", err
	}
	index, err = k.IDIndex(n)
	return stored, index, err
}

// IDIndex is the blind index of an ID number in any written form, to find
// its row by exact number (WHERE id_number_index = ?).
func (k *Keyring) IDIndex(number string) (string, error) {
	return k.BlindIndex(PurposeIDNumber, NormaliseID(number))
}
