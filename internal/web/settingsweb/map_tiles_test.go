package settingsweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

func TestAnOptionalTileServerIsValidatedCarriedToTheMapAndAllowedByTheCSPOnlyWhenSet(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const tmpl = "https://tiles.leshan.gov.cn/{z}/{x}/{y}.png"
		citizen := e.Anonymous(t)
		imgSrc := func(res *apptest.Response) string {
			t.Helper()
			for _, part := range strings.Split(res.Header.Get("Content-Security-Policy"), ";") {
				if p := strings.TrimSpace(part); strings.HasPrefix(p, "img-src") {
					return p
				}
			}
			t.Fatalf("no img-src in %q", res.Header.Get("Content-Security-Policy"))
			return ""
		}

		// By default: no tiles, and images only from this origin.
		res := citizen.Get("/report")
		if res.Status != http.StatusOK || !res.Contains(`id="city-map"`, `id="map-tiles"`) || res.Contains("data-tiles") {
			t.Fatalf("report page without tiles: %d", res.Status)
		}
		if got := imgSrc(res); got != "img-src 'self' data: blob:" {
			t.Fatalf("default img-src %q", got)
		}

		admin := e.Login(t, "admin")
		apptest.Want(t, "settings page", admin.Get("/settings"), http.StatusOK, `action="/settings/map"`, `name="map.tile_url"`, "瓦片地图服务")
		for _, bad := range []struct{ value, msg string }{
			{"https://tiles.leshan.gov.cn/{z}/{x}.png", "须同时含有 {z}、{x} 和 {y}"},
			{"ftp://tiles.leshan.gov.cn/{z}/{x}/{y}.png", "请填写以 http:// 或 https:// 开头"},
			{"https://tiles.leshan.gov.cn; script-src *; /{z}/{x}/{y}", "请填写以 http:// 或 https:// 开头"},
		} {
			res = admin.PostForm("/settings/map", url.Values{"map.tile_url": {bad.value}})
			apptest.Want(t, bad.value, res, http.StatusBadRequest, bad.msg, `name="password.min_length"`)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM settings WHERE key = 'map.tile_url'"); n != 0 {
			t.Fatal("a refused template was stored")
		}

		apptest.Want(t, "save", admin.PostForm("/settings/map", url.Values{"map.tile_url": {" " + tmpl + " "}}), http.StatusSeeOther)
		apptest.Want(t, "shown", admin.Get("/settings"), http.StatusOK, `value="`+tmpl+`"`)
		res = citizen.Get("/report")
		apptest.Want(t, "report page with tiles", res, http.StatusOK, `data-tiles="`+tmpl+`"`)
		if got := imgSrc(res); got != "img-src 'self' data: blob: https://tiles.leshan.gov.cn" {
			t.Fatalf("img-src with tiles %q", got)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'settings' AND entity_id = 'map' AND actor_name = 'admin'"); n != 1 {
			t.Fatalf("%d audit entries", n)
		}

		// The API reads and changes it; "" removes it and the CSP closes again.
		api := e.API(t, "admin")
		apptest.Want(t, "API get", api.JSON("GET", "/api/v1/settings/map", nil), http.StatusOK, `"tile_url":"https://tiles.leshan.gov.cn/{z}/{x}/{y}.png"`)
		apptest.Want(t, "API bad", api.JSON("PUT", "/api/v1/settings/map", map[string]string{"tile_url": "https://{s}.tiles.cn/{z}/{x}/{y}"}),
			http.StatusBadRequest, `"tile_url"`)
		apptest.Want(t, "API leader", e.API(t, "leader").JSON("PUT", "/api/v1/settings/map", map[string]string{"tile_url": ""}), http.StatusForbidden)
		apptest.Want(t, "API clear", api.JSON("PUT", "/api/v1/settings/map", map[string]string{"tile_url": ""}), http.StatusOK, `"tile_url":""`)
		res = citizen.Get("/report")
		if res.Contains("data-tiles") || imgSrc(res) != "img-src 'self' data: blob:" {
			t.Fatalf("after clearing: %q", imgSrc(res))
		}
	})
}
