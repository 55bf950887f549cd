package inspectionweb

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
)

// The phone form's own script and styles (the offline outbox), served by
// this module under a content hash so a new build is fetched at once.
//
//go:embed static
var staticFS embed.FS

type asset struct {
	body []byte
	hash string
	mime string
}

var assets = map[string]asset{}

func init() {
	for name, mime := range map[string]string{"inspection.js": "text/javascript; charset=utf-8", "inspection.css": "text/css; charset=utf-8"} {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			panic(err)
		}
		h := sha256.Sum256(b)
		assets[name] = asset{body: b, hash: hex.EncodeToString(h[:6]), mime: mime}
	}
}

// assetURL is where a page loads one of the module's files.
func assetURL(name string) string { return "/inspection/static/" + assets[name].hash + "/" + name }

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) error {
	a, ok := assets[r.PathValue("name")]
	if !ok || a.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return nil
	}
	w.Header().Set("Content-Type", a.mime)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(a.body)
	return nil
}
