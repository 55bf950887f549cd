package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves embedded static files under /static/<hash8>/<name>, with a
// year-long cache: a changed file gets a new URL.
type assets struct {
	files map[string][]byte // name → content
	hash  map[string]string // name → short hash
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, hash: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		a.files[name], a.hash[name] = b, hex.EncodeToString(sum[:4])
		return nil
	})
	return a, err
}

// URL returns the cache-busting URL of an asset; it panics on an unknown
// name so that a template typo fails at start-up.
func (a *assets) URL(name string) string {
	h, ok := a.hash[name]
	if !ok {
		panic(fmt.Sprintf("unknown asset %q", name))
	}
	return "/static/" + h + "/" + name
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, name, ok := strings.Cut(r.URL.Path, "/")
	b, found := a.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	if h != a.hash[name] {
		http.Redirect(w, r, a.URL(name), http.StatusFound)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
