package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/account"
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
func (s *Server) TileSetting(ctx context.Context) (tmpl, origin string) {
	now := s.Clock.Now()
	c := &s.tiles
	c.mu.Lock()
	fresh := c.loaded && now.Sub(c.loadedAt) < tileTTL && !now.Before(c.loadedAt)
	tmpl, origin = c.tmpl, c.origin
	c.mu.Unlock()
	if fresh {
		return tmpl, origin
	}
	tmpl, err := s.accounts.CurrentTileURL(ctx)
	if err != nil {
		// Keep what was known, and try again after tileTTL rather than on every request.
		s.Log.Error("read the tile server setting", "err", err)
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

// tilesChanged keeps a new tile server setting after its commit.
func (s *Server) TilesChanged(tmpl string) { s.tiles.set(tmpl, s.Clock.Now()) }

// csp is the Content-Security-Policy of the pages: everything from this
// origin only, and map tiles from the configured tile server's origin.
func (s *Server) csp(r *http.Request) string {
	img := "img-src 'self' data: blob:"
	if _, origin := s.TileSetting(r.Context()); origin != "" {
		img += " " + origin
	}
	return "default-src 'self'; " + img + "; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
}
