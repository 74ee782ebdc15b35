// Package console is the operator's page over the functions' APIs (events,
// reconciliations, verifications, accounts) as static files served under
// /console/, and the loopback proxy that serves it against a deployed
// stage (make console). It is never deployed.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
)

//go:embed web
var web embed.FS

// Files are the page's static files, at the root of the FS.
func Files() fs.FS {
	files, _ := fs.Sub(web, "web") // web is embedded: it exists
	return files
}

// Stage is what the page is told about where it runs.
type Stage struct {
	// Name says which stack the page shows: "local stack" or the stage's
	// URL.
	Name string `json:"name"`
	// Write allows the page's actions (retry an event, re-run a day).
	Write bool `json:"write"`
}

// Handler serves the page under /console/ and the stage it runs against at
// /console/stage.json.
func Handler(s Stage) http.Handler {
	stage, _ := json.Marshal(s) // a struct of a string and a bool
	mux := http.NewServeMux()
	mux.Handle("GET /console/", http.StripPrefix("/console/", http.FileServerFS(Files())))
	mux.HandleFunc("GET /console/stage.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(stage)
	})
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	return headers(mux)
}

// headers sets what every answer of the page carries: it loads nothing
// from elsewhere, and nothing may frame it.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
