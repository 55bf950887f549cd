package account

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// TileURLKey is the settings key of the optional map tile server: a URL
// template such as https://tiles.example.gov.cn/{z}/{x}/{y}.png. Empty (the
// default) means the maps draw the city from its own data with no tiles,
// which is what an offline intranet needs.
const TileURLKey = "map.tile_url"

// MaxTileURLLen bounds the template.
const MaxTileURLLen = 300

var tileHostRe = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// TileOrigin checks a tile URL template and returns its origin
// (scheme://host[:port]) for the Content-Security-Policy. The template must
// be an http(s) URL with a plain host name or address (no user name or
// password) and contain {z}, {x} and {y}, and nothing else in braces. The
// second result is the message key of the problem, "" when it is good.
func TileOrigin(tmpl string) (origin, problem string) {
	if utf8.RuneCountInString(tmpl) > MaxTileURLLen {
		return "", "field.too_long"
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(tmpl, p) {
			return "", "settings.tile_url_placeholders"
		}
	}
	probe := strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(tmpl)
	if strings.ContainsAny(probe, "{}\"'`<>\\ \t\r\n;,") {
		return "", "settings.tile_url_bad"
	}
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !tileHostRe.MatchString(u.Host) ||
		u.Fragment != "" || u.Opaque != "" {
		return "", "settings.tile_url_bad"
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), ""
}

// CheckTileURL adds the problem with a tile URL template ("" is fine: no
// tiles) to f under field.
func CheckTileURL(f *errs.Fields, field, tmpl string) {
	if tmpl == "" {
		return
	}
	if _, problem := TileOrigin(tmpl); problem != "" {
		if problem == "field.too_long" {
			f.Add(field, problem, MaxTileURLLen)
		} else {
			f.Add(field, problem)
		}
	}
}

// TileURL reads the tile URL template ("" when none is set, or when the
// stored value is no longer valid).
func (s *Service) TileURL(ctx context.Context, tx *db.Tx) (string, error) {
	var v string
	err := tx.Get(ctx, "", "SELECT value FROM settings WHERE key = ?", []any{TileURLKey}, &v)
	if errs.Is(err, errs.NotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if _, problem := TileOrigin(v); problem != "" {
		return "", nil
	}
	return v, nil
}

// SetTileURL validates and stores the tile URL template ("" removes it)
// in tx, and returns the value it replaces. A bad value is refused under
// the field TileURLKey and nothing is stored.
func (s *Service) SetTileURL(ctx context.Context, tx *db.Tx, tmpl string) (before string, err error) {
	tmpl = strings.TrimSpace(tmpl)
	var f errs.Fields
	CheckTileURL(&f, TileURLKey, tmpl)
	if err := f.Err(); err != nil {
		return "", err
	}
	if before, err = s.TileURL(ctx, tx); err != nil {
		return "", err
	}
	now := s.Clock.Now().UnixMilli()
	n, err := tx.ExecN(ctx, "UPDATE settings SET value = ?, updated_at = ? WHERE key = ?", tmpl, now, TileURLKey)
	if err != nil {
		return before, err
	}
	if n == 0 {
		_, err = tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", TileURLKey, tmpl, now)
	}
	return before, err
}
