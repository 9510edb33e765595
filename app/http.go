package app

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"pforte/engine"
)

// maxBody bounds a request body: the largest form is a few hundred bytes.
const maxBody = 64 << 10

// Handler returns the HTTP JSON API under /api. The desktop window (through
// Wails' asset server) and the headless server use this same handler.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		mux.Handle(rt.pattern, a.gate(rt))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody("not_found", "", "Diese Schnittstelle gibt es nicht."))
	})
	return a.logRequests(mux)
}

// logRequests logs every API request and turns a panic into a 500, so one
// bad request never takes the desk down.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("panic in handler", "path", r.URL.Path, "panic", p)
				writeJSON(rec, http.StatusInternalServerError, errorBody(engine.CodeInternal, "", message(&engine.Error{Code: engine.CodeInternal})))
			}
			a.log.Info("api", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"ms", float64(time.Since(start).Microseconds())/1000)
		}()
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush lets server-sent events through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type apiError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func errorBody(code, field, msg string) map[string]apiError {
	return map[string]apiError{"error": {Code: code, Field: field, Message: msg}}
}

// fail writes err as the API's one error shape.
func (a *App) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := engine.AsError(err)
	if e.Code == engine.CodeInternal {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status(e.Code), errorBody(e.Code, e.Field, message(e)))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decode reads one JSON object into v. Unknown fields, trailing data, a
// wrong type or an oversized body are bad input naming the field.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return engine.InvalidRule("body", engine.RuleFormat, "trailing data after the JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return engine.InvalidRule(typeErr.Field, engine.RuleFormat, "want %s, got %s", typeErr.Type, typeErr.Value)
	case errors.As(err, &tooLarge):
		e := engine.InvalidRule("body", engine.RuleTooLong, "body over %d bytes", maxBody)
		e.Limit = maxBody
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return engine.InvalidRule(field, engine.RuleUnknownField, "the API has no field %q", field)
	}
	return engine.InvalidRule("body", engine.RuleFormat, "%v", err)
}

// buildingParam reads the building query parameter; empty means this site's
// building. An unknown building is bad input.
func (a *App) buildingParam(r *http.Request) (engine.Building, error) {
	id := strings.TrimSpace(r.URL.Query().Get("building"))
	if id == "" {
		return a.building, nil
	}
	b, err := a.store.Building(r.Context(), id)
	if err != nil {
		return b, invalidBuilding(err, id)
	}
	return b, nil
}

// invalidBuilding turns "no such building" into bad input naming the
// building field.
func invalidBuilding(err error, id string) error {
	if engine.AsError(err).Code == engine.CodeNotFound {
		return engine.InvalidRule("building", engine.RuleUnknown, "unknown building %q", id)
	}
	return err
}

// buildingDayParams reads the building and day query parameters of the
// handlers that show one building's day.
func (a *App) buildingDayParams(r *http.Request) (engine.Building, string, error) {
	b, err := a.buildingParam(r)
	if err != nil {
		return b, "", err
	}
	day, err := a.dayParam(r)
	return b, day, err
}

// dayParam reads the day query parameter; empty means today in Berlin.
func (a *App) dayParam(r *http.Request) (string, error) { return a.dayParamNamed(r, "day") }

// dayParamNamed reads a day query parameter; empty means today in Berlin.
func (a *App) dayParamNamed(r *http.Request, name string) (string, error) {
	d := strings.TrimSpace(r.URL.Query().Get(name))
	if d == "" {
		return engine.Day(a.clock.Now()), nil
	}
	return engine.ParseDay(name, d)
}

// health serves GET /api/health: to anyone that the site is up and its
// version; to a signed-in person or device also where it stands.
func (a *App) health(w http.ResponseWriter, r *http.Request) {
	if principalOf(r.Context()) == nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": a.cfg.Version})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"status": "ok", "site": a.cfg.Site, "building": a.building.ID, "version": a.cfg.Version,
		// The screens take "today" from here, not from the browser's clock.
		"now": apiTime(a.clock.Now()),
	})
}

func (a *App) buildings(w http.ResponseWriter, r *http.Request) {
	bs, err := a.store.Buildings(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, bs)
}

func (a *App) services(w http.ResponseWriter, r *http.Request) {
	ss, err := a.store.Services(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ss)
}

func (a *App) staff(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.URL.Query().Get("building"))
	if id != "" {
		if _, err := a.buildingParam(r); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	ss, err := a.store.Staff(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ss)
}

func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(engine.Berlin).Format(time.RFC3339)
}
