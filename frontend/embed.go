// Package frontend holds the user interface (Svelte + Vite) and embeds its
// production build, so that the headless server and the desktop window serve
// the same files. Run `make frontend` (or `npm run build` here) before building Go.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Assets returns the built frontend, rooted at dist/ (index.html at the top).
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path literal; "dist" is valid.
		panic(err)
	}
	return sub
}
