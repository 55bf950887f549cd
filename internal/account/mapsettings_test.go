package account_test

import (
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/errs"
)

func TestATileURLIsEmptyOrAnHTTPTemplateWithZXAndY(t *testing.T) {
	for _, c := range []struct {
		tmpl, origin, problem string
	}{
		{"https://tiles.leshan.gov.cn/{z}/{x}/{y}.png", "https://tiles.leshan.gov.cn", ""},
		{"http://10.20.0.5:8080/osm/{z}/{x}/{y}.png?style=light", "http://10.20.0.5:8080", ""},
		{"https://Tiles.Example.CN/wmts?z={z}&x={x}&y={y}", "https://tiles.example.cn", ""},
		{"http://[fd00::5]:8000/{z}/{y}/{x}", "http://[fd00::5]:8000", ""},
		{"https://tiles.leshan.gov.cn/{z}/{x}.png", "", "settings.tile_url_placeholders"},
		{"ftp://tiles.leshan.gov.cn/{z}/{x}/{y}.png", "", "settings.tile_url_bad"},
		{"//tiles.leshan.gov.cn/{z}/{x}/{y}.png", "", "settings.tile_url_bad"},
		{"https://{s}.tile.example.cn/{z}/{x}/{y}.png", "", "settings.tile_url_bad"},
		{"https://user:pw@tiles.example.cn/{z}/{x}/{y}.png", "", "settings.tile_url_bad"},
		{"https://tiles.example.cn; script-src *;/{z}/{x}/{y}", "", "settings.tile_url_bad"},
		{"https://tiles.example.cn/{z}/{x}/{y}.png\" onload=\"x", "", "settings.tile_url_bad"},
		{"javascript:alert('{z}{x}{y}')", "", "settings.tile_url_bad"},
		{"https://tiles.example.cn/" + strings.Repeat("a", account.MaxTileURLLen) + "{z}/{x}/{y}", "", "field.too_long"},
	} {
		origin, problem := account.TileOrigin(c.tmpl)
		if origin != c.origin || problem != c.problem {
			t.Errorf("%q: got %q %q, want %q %q", c.tmpl, origin, problem, c.origin, c.problem)
		}
		var f errs.Fields
		account.CheckTileURL(&f, "x", c.tmpl)
		if got := f.Has("x"); got != (c.problem != "") {
			t.Errorf("%q: CheckTileURL refused = %v", c.tmpl, got)
		}
	}
	var f errs.Fields
	account.CheckTileURL(&f, "x", "")
	if f.Err() != nil {
		t.Error("an empty template (no tiles) is refused")
	}
}
