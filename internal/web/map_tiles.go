package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// The optional map tile server (系统设置 → 地图): a URL template the citizen
// report map draws raster tiles from, beneath its own drawing. Empty by
// default, so maps need nothing outside the intranet. The template is read
// on every page for the Content-Security-Policy, so it is cached for
// tileTTL; a change made on this instance applies at once, one made on
// another instance sharing the database within tileTTL.

const tileTTL = 15 * time.Second

// tileCache holds the tile URL template and its origin.
type tileCache struct {
	mu       sync.Mutex
	tmpl     string
	origin   string
	loadedAt time.Time
	loaded   bool
}

func (c *tileCache) set(tmpl string, at time.Time) {
	origin := ""
	if tmpl != "" {
		origin, _ = account.TileOrigin(tmpl)
	}
	c.mu.Lock()
	c.tmpl, c.origin, c.loadedAt, c.loaded = tmpl, origin, at, true
	c.mu.Unlock()
}

// tileSetting returns the tile URL template and its origin ("" when none).
// A failed read is logged and the last known value kept: the map works
// either way.
func (s *Server) tileSetting(ctx context.Context) (tmpl, origin string) {
	now := s.clock.Now()
	c := &s.tiles
	c.mu.Lock()
	fresh := c.loaded && now.Sub(c.loadedAt) < tileTTL && !now.Before(c.loadedAt)
	tmpl, origin = c.tmpl, c.origin
	c.mu.Unlock()
	if fresh {
		return tmpl, origin
	}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		tmpl, err = s.accounts.TileURL(ctx, tx)
		return err
	})
	if err != nil {
		// Keep what was known, and try again after tileTTL rather than on every request.
		s.log.Error("read the tile server setting", "err", err)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.loadedAt, c.loaded = now, true
		return c.tmpl, c.origin
	}
	c.set(tmpl, now)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tmpl, c.origin
}

// csp is the Content-Security-Policy of the pages: everything from this
// origin only, and map tiles from the configured tile server's origin.
func (s *Server) csp(r *http.Request) string {
	img := "img-src 'self' data: blob:"
	if _, origin := s.tileSetting(r.Context()); origin != "" {
		img += " " + origin
	}
	return "default-src 'self'; " + img + "; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
}

// mapRoutes registers the tile server setting's form and API (the form is
// on the settings page).
func (s *Server) mapRoutes() {
	s.page("POST /settings/map", s.tileSettingSubmit)
	body := obj(map[string]any{"tile_url": map[string]any{"type": "string",
		"description": `"" for no tiles, or an http(s) URL template with {z}, {x} and {y}, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png`}})
	s.api("GET /api/v1/settings/map", APIDoc{
		Summary: "The optional map tile server (needs settings.manage)", Tag: "settings",
		Response: body, Extra: map[int]string{403: "the role lacks settings.manage"},
	}, s.apiTileSetting)
	s.api("PUT /api/v1/settings/map", APIDoc{
		Summary: "Set or (with \"\") remove the map tile server; a bad template is refused and nothing is stored (needs settings.manage)", Tag: "settings",
		Body: body, Response: body,
		Extra: map[int]string{400: "not an http(s) URL template with {z}, {x} and {y}", 403: "the role lacks settings.manage"},
	}, s.apiTileSettingPut)
}

// saveTileSetting stores the template and audits a change.
func (s *Server) saveTileSetting(ctx context.Context, p *auth.Principal, tmpl string) (string, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return "", err
	}
	tmpl = strings.TrimSpace(tmpl)
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := s.accounts.SetTileURL(ctx, tx, tmpl)
		if err != nil || before == tmpl {
			return err
		}
		tx.AfterCommit(func() { s.tiles.set(tmpl, s.clock.Now()) })
		return audit.Record(ctx, tx, p, s.now(), audit.Entry{Action: audit.ActionUpdate, Entity: "settings", EntityID: "map",
			Summary: account.TileURLKey + ": " + before + " → " + tmpl},
			map[string]string{account.TileURLKey: before}, map[string]string{account.TileURLKey: tmpl})
	})
	return tmpl, err
}

// tileSettingsView puts the current template on the settings page.
func (s *Server) tileSettingsView(ctx context.Context, v *View) error {
	return s.db.Read(ctx, func(tx *db.Tx) error {
		tmpl, err := s.accounts.TileURL(ctx, tx)
		v.Form.Set(account.TileURLKey, tmpl)
		return err
	})
}

func (s *Server) tileSettingSubmit(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := s.saveTileSetting(r.Context(), p, r.PostForm.Get(account.TileURLKey)); err != nil {
		return s.settingsFailed(w, r, err)
	}
	return s.redirect(w, r, "/settings", "flash.saved")
}

type tileSettingJSON struct {
	TileURL *string `json:"tile_url"`
}

func (s *Server) apiTileSetting(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(principal(r), auth.PermSettingsManage); err != nil {
		return err
	}
	var tmpl string
	err := s.db.Read(r.Context(), func(tx *db.Tx) error {
		var err error
		tmpl, err = s.accounts.TileURL(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tileSettingJSON{TileURL: &tmpl})
	return nil
}

func (s *Server) apiTileSettingPut(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	var in tileSettingJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.TileURL == nil {
		var f errs.Fields
		f.Add(account.TileURLKey, "field.required")
		return f.Err()
	}
	tmpl, err := s.saveTileSetting(r.Context(), p, *in.TileURL)
	if err != nil {
		if e := errs.As(err); e != nil {
			if fe, ok := e.Fields[account.TileURLKey]; ok { // the body's name for it
				e.Fields["tile_url"] = fe
				delete(e.Fields, account.TileURLKey)
			}
		}
		return err
	}
	writeJSON(w, http.StatusOK, tileSettingJSON{TileURL: &tmpl})
	return nil
}
