package pii

import (
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
)

// A resident ID number (居民身份证号码, GB 11643-1999) has 18 characters:
// a 6-digit address code (GB/T 2260; the first two digits are the
// province), the birth date YYYYMMDD, a 3-digit sequence (odd for men) and
// a check character computed with ISO 7064 MOD 11-2 (0–9 or X).

// IDLen is the length of a resident ID number.
const IDLen = 18

// idWeights are 2^(17-i) mod 11, the MOD 11-2 weights of the 17 digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// provinces are the first two digits of the address codes in use: the
// provinces, autonomous regions and municipalities (GB/T 2260), Taiwan (71),
// and 81/82/83 of the residence permits of Hong Kong, Macao and Taiwan
// residents, which follow the same standard.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// CheckChar returns the ISO 7064 MOD 11-2 check character of the first 17
// digits of an ID number, or 0 when they are not 17 digits.
func CheckChar(first17 string) byte {
	if len(first17) != 17 || !allDigits(first17) {
		return 0
	}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	c := (12 - sum%11) % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

// IDInfo is what a valid ID number says about its holder.
type IDInfo struct {
	Number   string    // the normalised number (upper-case X)
	Province string    // the first two digits of the address code
	Birth    time.Time // the birth date, midnight China Standard Time
	Male     bool      // the sequence number is odd
}

// NormaliseID removes spaces and dashes, maps full-width characters to
// ASCII and upper-cases the check character x. It does not validate.
func NormaliseID(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		r = fold(r)
		if isSep(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParseID checks an ID number (in any form NormaliseID accepts): 17 digits
// and the right check character, a known province, a real birth date not
// before 1900 and not after today (China Standard Time).
func ParseID(s string, today time.Time) (IDInfo, bool) {
	n := NormaliseID(s)
	birth, ok := idShape(n)
	if !ok || birth.After(today.In(clock.CST)) {
		return IDInfo{}, false
	}
	return IDInfo{Number: n, Province: n[:2], Birth: birth, Male: (n[16]-'0')%2 == 1}, true
}

// idShape checks a normalised number for everything but a birth date in
// the future: the check character, the province and a real date from 1900.
func idShape(n string) (time.Time, bool) {
	if len(n) != IDLen || CheckChar(n[:17]) != n[17] || !provinces[n[:2]] {
		return time.Time{}, false
	}
	birth, err := time.ParseInLocation("20060102", n[6:14], clock.CST)
	if err != nil || birth.Year() < 1900 {
		return time.Time{}, false
	}
	return birth, true
}

// ValidID reports whether s is a valid resident ID number on the day today.
func ValidID(s string, today time.Time) bool {
	_, ok := ParseID(s, today)
	return ok
}

// MaskID shows the first four and last four characters of an ID number
// (5101**********123X): the province and city, and the tail people use to
// tell their own number. Anything that is not 18 characters after
// normalising is all stars.
func MaskID(s string) string {
	n := NormaliseID(s)
	if len(n) != IDLen || !allDigits(n[:17]) {
		return strings.Repeat("*", len([]rune(n)))
	}
	return n[:4] + strings.Repeat("*", IDLen-8) + n[IDLen-4:]
}
