package pii_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/pii"
)

func ring(t *testing.T, keys, index string) *pii.Keyring {
	t.Helper()
	k, err := pii.ParseKeys(keys, index)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestEncryptedIDNumberRoundTripsAndCarriesItsKeyID(t *testing.T) {
	k := ring(t, "k1:"+pii.NewKey(), pii.NewKey())
	stored, index, err := k.EncryptID("11010519491231002x")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "k1:") || pii.KeyID(stored) != "k1" || strings.Contains(stored, "1101051949") {
		t.Fatalf("stored %q", stored)
	}
	got, err := k.Decrypt(pii.PurposeIDNumber, stored)
	if err != nil || got != "11010519491231002X" {
		t.Fatalf("Decrypt = %q, %v", got, err)
	}
	again, _, _ := k.EncryptID("11010519491231002X")
	if again == stored {
		t.Fatal("two encryptions of one number are equal: the nonce is not random")
	}
	if i2, _ := k.IDIndex("110105 19491231 002X"); i2 != index || len(index) != 64 {
		t.Fatalf("blind index %q differs from %q for the same number written otherwise", i2, index)
	}
	if i3, _ := k.IDIndex("511102199003071526"); i3 == index {
		t.Fatal("two numbers share a blind index")
	}
}

func TestDecryptFailsWithAWrongKeyAChangedValueOrAnotherPurpose(t *testing.T) {
	k := ring(t, "k1:"+pii.NewKey(), pii.NewKey())
	stored, err := k.Encrypt(pii.PurposeIDNumber, "511102199003071526")
	if err != nil {
		t.Fatal(err)
	}
	other := ring(t, "k1:"+pii.NewKey(), pii.NewKey()) // same id, another key
	body := stored[len("k1:"):]
	flipped := []byte(body)
	flipped[len(flipped)/2] ^= 1 // another letter of the alphabet: one bit of the sealed bytes
	for name, try := range map[string]func() (string, error){
		"wrong key":       func() (string, error) { return other.Decrypt(pii.PurposeIDNumber, stored) },
		"unknown key id":  func() (string, error) { return k.Decrypt(pii.PurposeIDNumber, "k9:"+body) },
		"changed value":   func() (string, error) { return k.Decrypt(pii.PurposeIDNumber, "k1:"+string(flipped)) },
		"another purpose": func() (string, error) { return k.Decrypt("phone", stored) },
		"no key id":       func() (string, error) { return k.Decrypt(pii.PurposeIDNumber, body) },
		"truncated":       func() (string, error) { return k.Decrypt(pii.PurposeIDNumber, "k1:AAAA") },
	} {
		if got, err := try(); !errors.Is(err, pii.ErrDecrypt) || got != "" {
			t.Errorf("%s: Decrypt = %q, %v; want ErrDecrypt", name, got, err)
		}
	}
}

func TestRotationOldKeyIDStillDecryptsNewWritesUseTheNewKey(t *testing.T) {
	k1, k2, index := pii.NewKey(), pii.NewKey(), pii.NewKey()
	before := ring(t, "k1:"+k1, index)
	old, oldIndex, err := before.EncryptID("511102199003071526")
	if err != nil {
		t.Fatal(err)
	}
	after := ring(t, "k2:"+k2+", k1:"+k1, index) // the new key first, the old one kept
	if after.CurrentKeyID() != "k2" {
		t.Fatalf("current key %q", after.CurrentKeyID())
	}
	if got, err := after.Decrypt(pii.PurposeIDNumber, old); err != nil || got != "511102199003071526" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	fresh, freshIndex, err := after.EncryptID("511102199003071526")
	if err != nil || pii.KeyID(fresh) != "k2" {
		t.Fatalf("new write under %q, %v", pii.KeyID(fresh), err)
	}
	if freshIndex != oldIndex {
		t.Fatal("the blind index changed with the encryption key: lookups would miss old rows")
	}
	if _, err := before.Decrypt(pii.PurposeIDNumber, fresh); !errors.Is(err, pii.ErrDecrypt) {
		t.Fatalf("a keyring without k2 opened a k2 value: %v", err)
	}
	retired := ring(t, "k2:"+k2, index) // k1 dropped once everything was written again
	if _, err := retired.Decrypt(pii.PurposeIDNumber, old); !errors.Is(err, pii.ErrDecrypt) {
		t.Fatalf("a dropped key still decrypts: %v", err)
	}
}

func TestParseKeysReadsBase64AndHexAndRefusesBadConfiguration(t *testing.T) {
	raw := make([]byte, pii.KeyLen)
	for i := range raw {
		raw[i] = byte(i)
	}
	hx := hex.EncodeToString(raw)
	a := ring(t, "a:"+hx, hx)
	b := ring(t, "a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	s, _ := a.Encrypt("x", "v")
	if got, err := b.Decrypt("x", s); err != nil || got != "v" {
		t.Fatalf("hex and base64 forms of one key differ: %q, %v", got, err)
	}
	if k, err := pii.ParseKeys(" ", ""); k != nil || err != nil {
		t.Fatalf("no configuration: %v, %v", k, err)
	}
	var none *pii.Keyring
	if _, err := none.Encrypt("x", "v"); !errors.Is(err, pii.ErrNoKey) {
		t.Fatalf("nil keyring encrypted: %v", err)
	}
	if _, err := none.IDIndex("511102199003071526"); !errors.Is(err, pii.ErrNoKey) {
		t.Fatalf("nil keyring indexed: %v", err)
	}
	key := pii.NewKey()
	for name, c := range map[string][2]string{
		"keys without index": {"a:" + key, ""},
		"index without keys": {"", key},
		"no id":              {key, key},
		"bad id":             {"a b:" + key, key},
		"id twice":           {"a:" + key + ",a:" + pii.NewKey(), key},
		"short key":          {"a:AAECAw==", key},
		"not base64":         {"a:!!!", key},
		"short index":        {"a:" + key, "AAECAw=="},
	} {
		if _, err := pii.ParseKeys(c[0], c[1]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
