package app

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"pforte/engine"
	"pforte/mail"
)

// The citizens' side (pforte serve --public-listen): the booking pages under
// /buchen/ and their API under /api/public/, and nothing else. The staff
// API and screens do not exist on that listener: its handler is built
// from the public route table alone, so no staff route can be reached
// whatever a request tries. The town puts the listener behind its reverse
// proxy; links in mails start with Config.PublicURL.

// publicRoute is one line of the public route table.
type publicRoute struct {
	pattern string
	handle  http.HandlerFunc
	// limit: the client address's bucket a request takes from (nil: none).
	limit *limiter
}

// publicLimits are the per-address buckets of the public API.
type publicLimits struct {
	reads      *limiter // slot searches and the like
	challenges *limiter
	bookings   *limiter
	links      *limiter // requests by a link token
	misses     *throttle
	altcha     *altcha
}

func newPublicLimits(clock engine.Clock) *publicLimits {
	return &publicLimits{
		// Generous: behind a carrier's NAT many citizens share an address,
		// and the proof of work is what makes mass booking expensive.
		reads:      newLimiter(clock, 120, time.Second/2),
		challenges: newLimiter(clock, 30, 20*time.Second),
		bookings:   newLimiter(clock, 10, 30*time.Second),
		links:      newLimiter(clock, 30, 10*time.Second),
		misses:     newThrottle(10, time.Second, 15*time.Minute),
		altcha:     newAltcha(clock, altchaMaxNumber),
	}
}

func (a *App) publicRoutes() []publicRoute {
	l := a.public
	return []publicRoute{
		{pattern: "GET /api/public/buildings", handle: a.publicBuildings, limit: l.reads},
		{pattern: "GET /api/public/services", handle: a.publicServices, limit: l.reads},
		{pattern: "GET /api/public/slots", handle: a.publicSlots, limit: l.reads},
		{pattern: "GET /api/public/challenge", handle: a.publicChallenge, limit: l.challenges},
		{pattern: "POST /api/public/bookings", handle: a.publicBook, limit: l.bookings},
		{pattern: "GET /api/public/bookings/{token}", handle: a.publicBooking, limit: l.links},
		{pattern: "POST /api/public/bookings/{token}/confirm", handle: a.publicConfirm, limit: l.links},
		{pattern: "POST /api/public/bookings/{token}/cancel", handle: a.publicCancel, limit: l.links},
	}
}

// publicCSP: the pages load only their own scripts, styles and worker
// (the proof of work runs in a worker file of the build, not a blob).
const publicCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"worker-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// PublicHandler serves the citizens' listener: the public routes and the
// pages in assets' buchen/ directory.
func (a *App) PublicHandler(assets fs.FS) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.publicRoutes() {
		mux.Handle(rt.pattern, a.publicGate(rt))
	}
	pages, err := fs.Sub(assets, "buchen")
	if err != nil {
		panic("public pages: " + err.Error()) // fs.Sub fails only on a bad name
	}
	files := http.StripPrefix("/buchen/", http.FileServerFS(pages))
	mux.HandleFunc("GET /buchen/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/buchen/" || r.URL.Path == "/buchen/index.html" {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/buchen/", http.StatusFound)
	})
	mux.HandleFunc("GET /buchen", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/buchen/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSON(w, http.StatusNotFound, errorBody("not_found", "", "Diese Schnittstelle gibt es nicht."))
			return
		}
		http.NotFound(w, r)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", publicCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("panic in public handler", "path", redactToken(r.URL.Path), "panic", p)
				writeJSON(rec, http.StatusInternalServerError, errorBody(engine.CodeInternal, "", message(&engine.Error{Code: engine.CodeInternal})))
			}
			if strings.HasPrefix(r.URL.Path, "/api/") {
				// The path without the link token: a log is no key.
				a.log.Info("public", "method", r.Method, "path", redactToken(r.URL.Path), "status", rec.status,
					"ms", float64(time.Since(start).Microseconds())/1000)
			}
		}()
		if !cleanPath(r.URL.Path) {
			// No redirect to the cleaned path either: the listener does not
			// even say where a staff route would be.
			http.NotFound(rec, r)
			return
		}
		mux.ServeHTTP(rec, r)
	})
}

// cleanPath: no "..", "." or empty segments (the mux would redirect them).
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || (seg == "" && i != len(segs)-1) {
			return false
		}
	}
	return true
}

// redactToken hides the token in /api/public/bookings/{token}….
func redactToken(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/public/bookings/")
	if !ok || rest == "" {
		return path
	}
	_, tail, _ := strings.Cut(rest, "/")
	if strings.HasSuffix(rest, ".ics") {
		return "/api/public/bookings/…/.ics"
	}
	if tail != "" {
		return "/api/public/bookings/…/" + tail
	}
	return "/api/public/bookings/…"
}

// publicGate checks what every public request must be: a POST is JSON (a
// form of another site cannot send that without asking first, and this
// listener answers no such question), within its address's limit.
func (a *App) publicGate(rt publicRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost && !isJSON(r) {
			writeJSON(w, http.StatusUnsupportedMediaType, errorBody(engine.CodeInvalidField, "Content-Type",
				"Bitte senden Sie das Formular über die Seite."))
			return
		}
		if rt.limit != nil && !rt.limit.allow(clientAddress(r)) {
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusTooManyRequests, errorBody("too_many", "",
				"Zu viele Anfragen von Ihrem Anschluss. Bitte versuchen Sie es in einigen Minuten noch einmal."))
			return
		}
		rt.handle(w, r)
	})
}

// publicFail writes err in the API's error shape, in the citizens' words
// where they differ from the staff's.
func (a *App) publicFail(w http.ResponseWriter, r *http.Request, err error) {
	e := engine.AsError(err)
	code := e.Code
	msg := message(e)
	switch {
	case e.Code == engine.CodeInternal:
		a.log.Error("public request failed", "method", r.Method, "path", redactToken(r.URL.Path), "err", err)
	case e.Code == engine.CodeInvalidState && e.Rule != "":
		code = e.Rule // "expired", "appointment_cancelled": the page says which
		msg = cmp.Or(publicStateMessages[e.Rule], "Das ist bei diesem Termin nicht mehr möglich.")
	case e.Code == engine.CodeTooMany:
		code = "too_many"
		msg = "Mit dieser E-Mail-Adresse sind schon so viele Termine gebucht, wie eine Person zugleich haben kann."
	case e.Code == engine.CodeNotFound && e.Field == "token":
		msg = "Zu diesem Link gibt es keinen Termin (mehr)."
	}
	writeJSON(w, status(e.Code), errorBody(code, e.Field, msg))
}

// publicStateMessages say why a link cannot do what was asked.
var publicStateMessages = map[string]string{
	engine.CodeExpired:                       "Die Zeit zum Bestätigen ist abgelaufen, der Termin ist wieder frei. Bitte buchen Sie neu.",
	"appointment_" + engine.ApptCancelled:    "Dieser Termin ist abgesagt.",
	"appointment_" + engine.ApptCheckedIn:    "Sie sind zu diesem Termin schon angemeldet.",
	"appointment_" + engine.ApptCalled:       "Sie sind zu diesem Termin schon aufgerufen.",
	"appointment_" + engine.ApptServed:       "Dieser Termin hat schon stattgefunden.",
	"appointment_" + engine.ApptNoShow:       "Dieser Termin ist vorbei.",
	"appointment_" + engine.ApptPreconfirmed: "Bitte bestätigen Sie den Termin zuerst über den Link in der E-Mail.",
}

// A public building: what a citizen needs to choose it.
type publicBuildingJSON struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Address       string `json:"address"`
	Entrance      string `json:"entrance"`
	PrivacyNotice string `json:"privacy_notice"`
	DayTickets    bool   `json:"day_tickets"`
	MaxServices   int    `json:"max_services"`
}

type publicServiceJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	DurationMin int      `json:"duration_min"`
	Documents   []string `json:"documents"`
}

// publicBuildings answers the buildings one can book online: those with
// a service.
func (a *App) publicBuildings(w http.ResponseWriter, r *http.Request) {
	bs, err := a.store.Buildings(r.Context())
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	out := []publicBuildingJSON{}
	for _, b := range bs {
		if len(a.publicServicesOf(b.ID)) == 0 {
			continue
		}
		out = append(out, publicBuildingJSON{ID: b.ID, Name: b.Name, Address: b.Address, Entrance: b.Entrance,
			PrivacyNotice: b.PrivacyNotice, DayTickets: b.Booking.DayTickets > 0, MaxServices: engine.MaxServices})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *App) publicServicesOf(building string) []publicServiceJSON {
	cat := a.store.Catalog()
	out := []publicServiceJSON{}
	for _, s := range cat.Services {
		for _, b := range s.Buildings {
			if b == building {
				out = append(out, publicServiceJSON{ID: s.ID, Name: s.Name, DurationMin: s.DurationMin,
					Documents: append([]string{}, s.Documents...)})
				break
			}
		}
	}
	slices.SortFunc(out, func(x, y publicServiceJSON) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// publicBuilding reads ?building= (required on the public side).
func (a *App) publicBuilding(r *http.Request) (engine.Building, error) {
	id := strings.TrimSpace(r.URL.Query().Get("building"))
	if id == "" {
		return engine.Building{}, engine.InvalidRule("building", engine.RuleRequired, "building is required")
	}
	b, ok := a.store.Catalog().Buildings[id]
	if !ok {
		return b, engine.InvalidRule("building", engine.RuleUnknown, "no building %q", id)
	}
	return b, nil
}

func (a *App) publicServices(w http.ResponseWriter, r *http.Request) {
	b, err := a.publicBuilding(r)
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.publicServicesOf(b.ID))
}

type publicSlotJSON struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	DayTicket bool   `json:"day_ticket"`
}

// publicSlots answers the free starts for the chosen services on the
// online channel, earliest first: the same pool every channel books from,
// with the online channel's horizon and day-ticket opening.
func (a *App) publicSlots(w http.ResponseWriter, r *http.Request) {
	b, err := a.publicBuilding(r)
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	from, err := a.dayParamNamed(r, "from")
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	days, err := intParam(r, "days", 14, 1, 90)
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	var services []string
	for _, s := range strings.Split(r.URL.Query().Get("services"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			services = append(services, s)
		}
	}
	now := a.clock.Now()
	ss, err := a.store.Slots(engine.Query{Building: b.ID, Services: services, From: from, Days: days,
		Channel: engine.ChannelOnline, Now: now, Tokens: a.slotTokens(b)}, 0)
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	today := engine.Day(now)
	out := make([]publicSlotJSON, len(ss))
	for i, s := range ss {
		out[i] = publicSlotJSON{Start: apiTime(s.Start), End: apiTime(s.End), DayTicket: engine.Day(s.Start) == today}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *App) publicChallenge(w http.ResponseWriter, r *http.Request) {
	c, err := a.public.altcha.challenge()
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

type publicBookRequest struct {
	Building        string      `json:"building"`
	Services        []string    `json:"services"`
	Start           string      `json:"start"`
	Citizen         citizenJSON `json:"citizen"`
	PrivacyAccepted *bool       `json:"privacy_accepted"`
	Altcha          string      `json:"altcha"`
}

// publicBook books for a citizen: preconfirmed, with the mail that asks
// to confirm queued in the same transaction. The answer carries no token:
// only the mail does, so only who reads that mailbox confirms.
func (a *App) publicBook(w http.ResponseWriter, r *http.Request) {
	var req publicBookRequest
	if err := decode(w, r, &req); err != nil {
		a.publicFail(w, r, err)
		return
	}
	start, err := timeField("start", req.Start)
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	// The page sends true once the box is ticked; false is refused. A
	// client of the documented API without the field has shown the notice
	// its own way.
	if req.PrivacyAccepted != nil && !*req.PrivacyAccepted {
		a.publicFail(w, r, engine.InvalidRule("privacy_accepted", engine.RuleRequired, "the privacy notice must be accepted"))
		return
	}
	br := engine.BookingRequest{Building: req.Building, Services: req.Services, Start: start,
		Channel: engine.ChannelOnline, Citizen: engine.Citizen(req.Citizen)}
	if _, err := br.Normalize(a.clock.Now()); err != nil {
		a.publicFail(w, r, err) // the form's fields first, then the proof of work
		return
	}
	if err := a.public.altcha.verify(req.Altcha); err != nil {
		a.publicFail(w, r, err)
		return
	}
	ap, err := a.store.BookOnline(r.Context(), br)
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": ap.Status, "expires_at": apiTime(ap.ExpiresAt)})
}

// The citizen's own booking, as the link shows it: no personal data (the
// link may be forwarded), what to bring, where to go.
type publicBookingJSON struct {
	Status    string              `json:"status"`
	Code      string              `json:"code"`
	Start     string              `json:"start"`
	End       string              `json:"end"`
	ExpiresAt string              `json:"expires_at,omitempty"`
	Building  publicPlaceJSON     `json:"building"`
	Services  []publicServiceJSON `json:"services"`
}

type publicPlaceJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Address  string `json:"address"`
	Entrance string `json:"entrance"`
}

func (a *App) publicBookingOf(ap engine.Appointment) publicBookingJSON {
	cat := a.store.Catalog()
	b := cat.Buildings[ap.Building]
	out := publicBookingJSON{Status: ap.PublicStatus(), Code: ap.Code, Start: apiTime(ap.Start), End: apiTime(ap.End),
		Building: publicPlaceJSON{ID: b.ID, Name: b.Name, Address: b.Address, Entrance: b.Entrance},
		Services: []publicServiceJSON{}}
	if ap.Status == engine.ApptPreconfirmed {
		out.ExpiresAt = apiTime(ap.ExpiresAt)
	}
	for _, id := range ap.Services {
		s := cat.Services[id]
		out.Services = append(out.Services, publicServiceJSON{ID: id, Name: cmp.Or(s.Name, id), DurationMin: s.DurationMin,
			Documents: append([]string{}, s.Documents...)})
	}
	return out
}

// byLink runs fn for the booking of the request's token; a token that
// names nothing counts against the address (guessing is slowed down).
func (a *App) byLink(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, token string) (engine.Appointment, error)) {
	addr := clientAddress(r)
	now := a.clock.Now()
	if wait := a.public.misses.wait(addr, now); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		writeJSON(w, http.StatusTooManyRequests, errorBody("too_many", "",
			"Zu viele Versuche mit unbekannten Links. Bitte warten Sie einen Moment."))
		return
	}
	token := r.PathValue("token")
	ap, err := fn(r.Context(), token)
	if engine.AsError(err).Code == engine.CodeNotFound {
		a.public.misses.fail(addr, now)
	}
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.publicBookingOf(ap))
}

func (a *App) publicBooking(w http.ResponseWriter, r *http.Request) {
	if token, ok := strings.CutSuffix(r.PathValue("token"), ".ics"); ok {
		a.publicCalendar(w, r, token)
		return
	}
	a.byLink(w, r, a.store.ByToken)
}

func (a *App) publicConfirm(w http.ResponseWriter, r *http.Request) {
	a.byLink(w, r, func(ctx context.Context, token string) (engine.Appointment, error) {
		ap, err := a.store.ConfirmByToken(ctx, token)
		if e := engine.AsError(err); e.Code == engine.CodeInvalidState && e.Rule == "appointment_booked" {
			return a.store.ByToken(ctx, token) // the link followed twice: it is confirmed
		}
		return ap, err
	})
}

func (a *App) publicCancel(w http.ResponseWriter, r *http.Request) {
	a.byLink(w, r, func(ctx context.Context, token string) (engine.Appointment, error) {
		ap, err := a.store.CancelByToken(ctx, token)
		if e := engine.AsError(err); e.Code == engine.CodeInvalidState && e.Rule == "appointment_cancelled" {
			return a.store.ByToken(ctx, token) // cancelled already: say so, as a success
		}
		return ap, err
	})
}

// publicCalendar answers the booking's calendar file.
func (a *App) publicCalendar(w http.ResponseWriter, r *http.Request, token string) {
	ap, err := a.store.ByToken(r.Context(), token)
	if err != nil {
		if engine.AsError(err).Code == engine.CodeNotFound {
			a.public.misses.fail(clientAddress(r), a.clock.Now())
		}
		a.publicFail(w, r, err)
		return
	}
	body, err := a.calendarFile(r.Context(), ap)
	if err != nil {
		a.publicFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="termin-`+ap.Code+`.ics"`)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// expireUnconfirmed gives back the slots of unconfirmed online bookings.
func (a *App) expireUnconfirmed(ctx context.Context) {
	n, err := a.store.ExpireUnconfirmed(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		a.log.Error("expire unconfirmed bookings", "err", err)
	}
	if n > 0 {
		a.log.Info("unconfirmed bookings expired", "count", n)
	}
}

// calendarFile is the booking's calendar file as the mails attach it: the
// same UID through moves, METHOD:CANCEL once it is cancelled, from the
// mail settings' sender.
func (a *App) calendarFile(ctx context.Context, ap engine.Appointment) ([]byte, error) {
	settings, err := a.store.MailSettings(ctx)
	if err != nil {
		return nil, err
	}
	cat := a.store.Catalog()
	var services []engine.Service
	for _, id := range ap.Services {
		if s, ok := cat.Services[id]; ok {
			services = append(services, s)
		}
	}
	return mail.Calendar(ap, cat.Buildings[ap.Building], services, ap.Status == engine.ApptCancelled, settings.Config.From)
}
