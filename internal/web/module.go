package web

import (
	"html/template"
	"io/fs"
	"net/http"

	"github.com/wenming-city/wenming/internal/auth"
)

// Module is one capability's web package (orderweb, orgweb, accountweb …):
// it owns its handlers, templates and messages and reaches the rest of the
// product only through its domain services and this core. app lists the
// modules; adding a capability adds one line there.
type Module interface {
	// Register adds the module's routes to s, the server it then serves
	// on (a module keeps s to render, fail and read the session).
	Register(s *Server)
	// Templates are the module's pages (name.html, one page each, with a
	// "content" block) and partials (_name.html, shared by its own pages)
	// at the root of the file system; nil for none. Page names are unique
	// across the product.
	Templates() fs.FS
}

// MenuProvider is a module with entries in the side menu.
type MenuProvider interface{ Menu() []MenuEntry }

// TileProvider is a module with figures on the home page.
type TileProvider interface {
	HomeTiles(r *http.Request, v *View) ([]Tile, error)
}

// FuncProvider is a module whose templates use functions of their own.
type FuncProvider interface{ Funcs() template.FuncMap }

// MenuEntry is an entry of the side menu: an i18n key, where it leads, the
// permission it needs ("" for everyone signed in), its group's i18n key
// ("" for the top) and its place (entries sort by Order).
type MenuEntry struct {
	Key, Href string
	Perm      auth.Perm
	Group     string
	Order     int
}

// Tile is one figure on the home page, linking to the rows behind it.
type Tile struct {
	Label string
	N     int
	Href  string
}

// coreMenu is the core's own entry: the home page.
var coreMenu = []MenuEntry{{Key: "nav.home", Href: "/", Order: 0}}

// TemplatesIn is the templates folder of a module's embedded files.
func TemplatesIn(fsys fs.FS) fs.FS {
	sub, err := fs.Sub(fsys, "templates")
	if err != nil {
		panic(err) // only a wrong literal path gets here
	}
	return sub
}
