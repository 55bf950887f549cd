package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/wenming-city/wenming/internal/errs"
)

// argon2id parameters (RFC 9106 second recommended option, memory-trimmed).
// Hashes record their parameters, so changing these never breaks a login.
var (
	argonTime    uint32 = 2
	argonMemory  uint32 = 19 * 1024 // KiB
	argonThreads uint8  = 1
)

const argonKeyLen = 32

// UseCheapHashingInTests lowers the argon2id cost for new hashes so test
// suites that create and log in many users run quickly under the race
// detector. Only test code calls it; production code never does.
func UseCheapHashingInTests() {
	cheapOnce.Do(func() {
		argonTime, argonMemory = 1, 64
		dummyHash = HashPassword("not a real password")
	})
}

var cheapOnce sync.Once

// HashPassword returns an encoded argon2id hash of pw.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether pw matches the encoded hash.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is compared against when a username does not exist, so that a
// missing account takes as long as a wrong password.
var dummyHash = HashPassword("not a real password")

// PasswordPolicy is the configurable password rule.
type PasswordPolicy struct {
	MinLength  int // characters
	MinClasses int // of lower, upper, digit, other
}

// DefaultPolicy is used when settings say nothing.
var DefaultPolicy = PasswordPolicy{MinLength: 8, MinClasses: 2}

// Check validates pw against the policy, adding messages to field.
func (pp PasswordPolicy) Check(f *errs.Fields, field, pw, username string) {
	n := utf8.RuneCountInString(pw)
	if n == 0 {
		f.Add(field, "field.required")
		return
	}
	if n < pp.MinLength {
		f.Add(field, "password.too_short", pp.MinLength)
		return
	}
	if n > 128 {
		f.Add(field, "field.too_long", 128)
		return
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < pp.MinClasses {
		f.Add(field, "password.too_simple", pp.MinClasses)
		return
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		f.Add(field, "password.contains_username")
	}
}
