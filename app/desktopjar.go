package app

import (
	"net/http"
	"sync"
)

// WithCookieJar keeps the cookies the API sets for the desktop window.
// WebKitGTK stores no cookies for Wails' custom scheme, and the window is
// one desk talking to its own process: the handler keeps the session and
// device cookies for it, in memory, and adds them to every request that
// lacks them. Only the desktop window uses this; a browser keeps its own.
func WithCookieJar(next http.Handler) http.Handler {
	var mu sync.Mutex
	jar := map[string]*http.Cookie{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for _, c := range jar {
			if _, err := r.Cookie(c.Name); err != nil {
				r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
		}
		mu.Unlock()
		next.ServeHTTP(&jarWriter{ResponseWriter: w, keep: func(h http.Header) {
			mu.Lock()
			defer mu.Unlock()
			for _, line := range h.Values("Set-Cookie") {
				c, err := http.ParseSetCookie(line)
				if err != nil {
					continue
				}
				if c.MaxAge < 0 || c.Value == "" {
					delete(jar, c.Name)
				} else {
					jar[c.Name] = c
				}
			}
		}}, r)
	})
}

// jarWriter hands the Set-Cookie headers to keep before the answer goes out.
type jarWriter struct {
	http.ResponseWriter
	keep func(http.Header)
	kept bool
}

func (j *jarWriter) WriteHeader(code int) {
	if !j.kept {
		j.kept = true
		j.keep(j.Header())
	}
	j.ResponseWriter.WriteHeader(code)
}

func (j *jarWriter) Write(b []byte) (int, error) {
	if !j.kept {
		j.WriteHeader(http.StatusOK)
	}
	return j.ResponseWriter.Write(b)
}

func (j *jarWriter) Flush() {
	if f, ok := j.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
