package web

import (
	"html/template"
	"io/fs"
	"net/http"

	"github.com/wenming-city/wenming/internal/auth"
)

// Module is one capability's web package (orderweb, orgweb, accountweb …)
// as web.New takes it: it owns its handlers, templates and messages and
// reaches the rest of the product only through its domain services and
// this core. app lists the modules; adding a capability adds one line there.
type Module struct {
	// Templates holds templates/: the module's pages (name.html, one page
	// each, with a "content" block) and partials (_name.html, shared by its
	// own pages); nil for none. Page names are unique across the product.
	Templates fs.FS
	// Register adds the module's routes to s, the server it then serves on
	// (a module keeps s to render, fail and read the session).
	Register func(s *Server)
	Menu     []MenuEntry                                    // its side-menu entries
	Tiles    func(r *http.Request, v *View) ([]Tile, error) // its figures on the home page
	Funcs    template.FuncMap                               // template functions of its own
}

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
	// Text, when set, is shown instead of N (a rate: "98.5%").
	Text string
	// Note is a line under the figure ("最近一件 剩 3小时").
	Note string
	// Warn marks a figure that asks for attention (overdue).
	Warn bool
	// Group is the i18n key of the heading the tile is shown under (""
	// for the general figures); tiles of one group stay together, the
	// groups in the order their first tile comes.
	Group string
}

// coreMenu is the core's own entry: the home page.
var coreMenu = []MenuEntry{{Key: "nav.home", Href: "/", Order: 0}}
