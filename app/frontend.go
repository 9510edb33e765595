package app

import (
	"io/fs"
	"net/http"
	"strings"
)

// WithFrontend serves the API under /api and the built UI everywhere else,
// for the headless server. (The desktop window gets the same split from
// Wails' asset server.) The UI routes with the URL hash, so every page is
// index.html and no fallback is needed.
func WithFrontend(api http.Handler, assets fs.FS) http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
			api.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			// index.html names the hashed bundles: always fetch it fresh.
			h.Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}
