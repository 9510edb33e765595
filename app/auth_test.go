package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pforte/app"
	"pforte/engine"
)

// signInAs signs in through the API (the real argon2id check) and returns
// the site as that person sees it.
func (s *site) signInAs(t *testing.T, user, password string) (*site, response) {
	t.Helper()
	c := s.as(t, "")
	jar, _ := cookiejarNew()
	c.client.Jar = jar
	res := c.post(t, "/api/session", `{"user":"`+user+`","password":"`+password+`"}`)
	return c, res
}

type sessionReply struct {
	User *struct {
		ID        string   `json:"id"`
		Name      string   `json:"name"`
		Roles     []string `json:"roles"`
		Buildings []string `json:"buildings"`
	} `json:"user"`
	Device *struct {
		ID, Kind, Building string
	} `json:"device"`
	Locked bool `json:"locked"`
}

func TestSignInAndOut(t *testing.T) {
	s := openDemo(t)
	anon := s.as(t, "")
	anon.get(t, "/api/visits").wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
	anon.get(t, "/api/session").wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")

	// Anyone learns that the site is up, and nothing about it.
	var health map[string]any
	anon.get(t, "/api/health").want(t, http.StatusOK, &health)
	if len(health) != 2 || health["status"] != "ok" || health["version"] != "1.2.3-test" {
		t.Errorf("health to nobody: %v, want only status and version", health)
	}

	clerk, res := s.signInAs(t, "Sachbearbeitung", "demo") // the user name's case does not matter
	var got sessionReply
	res.want(t, http.StatusOK, &got)
	if got.User == nil || got.User.ID != "sachbearbeitung" || strings.Join(got.User.Roles, ",") != "sachbearbeitung" || got.Locked {
		t.Fatalf("session %s", res.body)
	}
	c := res.header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(c, attr) {
			t.Errorf("session cookie %q lacks %s", c, attr)
		}
	}
	if strings.Contains(c, "Secure") {
		t.Errorf("session cookie %q is Secure on plain HTTP: the browser would not send it", c)
	}
	clerk.get(t, "/api/session").want(t, http.StatusOK, &got)
	clerk.get(t, "/api/appointments?building=rathaus-1").want(t, http.StatusOK, nil)
	clerk.get(t, "/api/visits").wantError(t, http.StatusForbidden, engine.CodeForbidden, "")
	clerk.get(t, "/api/health").want(t, http.StatusOK, &health)
	if health["site"] != "test" {
		t.Errorf("health to a signed-in clerk: %v, want the site", health)
	}

	if r := clerk.do(t, http.MethodDelete, "/api/session", nil); r.status != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", r.status, r.body)
	}
	clerk.get(t, "/api/appointments").wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
}

func TestWrongPasswordsSlowDown(t *testing.T) {
	s := openDemo(t)
	// A wrong password and an unknown user read the same.
	_, wrong := s.signInAs(t, "empfang", "falsch")
	_, unknown := s.signInAs(t, "niemand", "demo")
	a := wrong.wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
	b := unknown.wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
	if a.Error.Message != b.Error.Message {
		t.Errorf("wrong password %q, unknown user %q: they tell a guesser which user names exist", a.Error.Message, b.Error.Message)
	}
	for i := 0; i < 4; i++ {
		s.signInAs(t, "empfang", "falsch")
	}
	_, res := s.signInAs(t, "empfang", "falsch")
	res.wantError(t, http.StatusTooManyRequests, engine.CodeTooMany, "")
	if res.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Even the right password waits now.
	_, res = s.signInAs(t, "empfang", "demo")
	res.wantError(t, http.StatusTooManyRequests, engine.CodeTooMany, "")
	s.clock.Add(2 * time.Second)
	_, res = s.signInAs(t, "empfang", "demo")
	res.want(t, http.StatusOK, nil)
	// Another user from the same address was never slowed down.
	_, res = s.signInAs(t, "leitung", "demo")
	res.want(t, http.StatusOK, nil)
}

func TestLockAndUnlock(t *testing.T) {
	s := openDemo(t)
	desk, res := s.signInAs(t, "empfang", "demo")
	res.want(t, http.StatusOK, nil)
	desk.mustRegister(t, mariaJSON)

	var got sessionReply
	desk.post(t, "/api/session/lock", `{}`).want(t, http.StatusOK, &got)
	if !got.Locked {
		t.Fatal("locked session says it is not locked")
	}
	desk.get(t, "/api/visits/present").wantError(t, http.StatusUnauthorized, engine.CodeLocked, "")
	desk.get(t, "/api/session").want(t, http.StatusOK, &got) // the lock screen knows whose desk it is
	if !got.Locked || got.User.ID != "empfang" {
		t.Fatalf("session while locked: %+v", got)
	}
	desk.post(t, "/api/session/unlock", `{"password":"falsch"}`).wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "unlock")
	desk.post(t, "/api/session/unlock", `{"password":"demo"}`).want(t, http.StatusOK, &got)
	if got.Locked {
		t.Fatal("still locked after unlock")
	}
	desk.get(t, "/api/visits/present").want(t, http.StatusOK, nil)

	// A PIN unlocks too.
	desk.do(t, http.MethodPut, "/api/session/pin", strings.NewReader(`{"pin":"12a4"}`)).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "pin")
	if r := desk.do(t, http.MethodPut, "/api/session/pin", strings.NewReader(`{"pin":"4711"}`)); r.status != http.StatusNoContent {
		t.Fatalf("set PIN: %d %s", r.status, r.body)
	}
	desk.post(t, "/api/session/lock", `{}`).want(t, http.StatusOK, nil)
	desk.post(t, "/api/session/unlock", `{"pin":"4712"}`).wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "unlock")
	desk.post(t, "/api/session/unlock", `{"pin":"4711"}`).want(t, http.StatusOK, nil)

	// Idle: ten minutes without the person lock the desk; a poll the
	// screen makes by itself does not count.
	s.clock.Add(6 * time.Minute)
	req, _ := http.NewRequest(http.MethodGet, desk.url+"/api/sync/status", nil)
	req.Header.Set("X-Pforte-Background", "1")
	if res, err := desk.client.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("background poll: %v %v", res, err)
	}
	s.clock.Add(5 * time.Minute)
	desk.get(t, "/api/visits/present").wantError(t, http.StatusUnauthorized, engine.CodeLocked, "")
}

func TestSetupCodeCreatesTheFirstAdmin(t *testing.T) {
	var logs bytes.Buffer
	dir := t.TempDir()
	cfg := app.Config{DataDir: dir, Site: "neu", Building: "rathaus-1", Clock: engine.NewFixedClock(wednesdayMorning)}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("an empty data directory with --building does not start: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	code := a.SetupCode()
	if len(code) != 9 || !strings.Contains(logs.String(), code) {
		t.Fatalf("setup code %q; log:\n%s", code, logs.String())
	}
	s := (&site{app: a, url: serve(t, a), clock: cfg.Clock.(*engine.FixedClock)}).as(t, "")
	var state struct{ Required bool }
	s.get(t, "/api/setup").want(t, http.StatusOK, &state)
	if !state.Required {
		t.Fatal("setup not required on an empty data directory")
	}
	s.get(t, "/api/visits").wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
	s.post(t, "/api/setup", `{"code":"AAAA-AAAA","user":"kaemmerer","name":"Karl Kämmerer","password":"Rathaus-Soest-1"}`).
		wantError(t, http.StatusForbidden, engine.CodeForbidden, "code")
	s.post(t, "/api/setup", `{"code":"`+code+`","user":"kaemmerer","name":"Karl Kämmerer","password":"kurz"}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "password")

	jar, _ := cookiejarNew()
	s.client.Jar = jar
	var got sessionReply
	s.post(t, "/api/setup", `{"code":"`+strings.ToLower(code)+`","user":"kaemmerer","name":"Karl Kämmerer","password":"Rathaus-Soest-1"}`).
		want(t, http.StatusOK, &got)
	if got.User == nil || got.User.ID != "kaemmerer" || strings.Join(got.User.Roles, ",") != "admin" {
		t.Fatalf("setup answer %+v", got)
	}
	s.get(t, "/api/accounts").want(t, http.StatusOK, nil)
	s.post(t, "/api/setup", `{"code":"`+code+`","user":"zweiter","name":"Zweiter","password":"Rathaus-Soest-1"}`).
		wantError(t, http.StatusConflict, engine.CodeConflict, "")
	if a.SetupCode() != "" {
		t.Error("the setup code still works after use")
	}
	if strings.Contains(logs.String(), "Rathaus-Soest-1") {
		t.Error("the password is in the log")
	}
}

// serve puts a's API behind a test server and returns its URL.
func serve(t *testing.T, a *app.App) string {
	t.Helper()
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAccountsRolesAndBuildings(t *testing.T) {
	s := openDemo(t)
	admin, res := s.signInAs(t, "admin", "demo")
	res.want(t, http.StatusOK, nil)
	body := `{"user":"b.schulz","name":"Birgit Schulz","password":"Sommer-2026!","roles":["sachbearbeitung"],"buildings":["buergerbuero"]}`
	admin.post(t, "/api/accounts", body).want(t, http.StatusCreated, nil)
	admin.post(t, "/api/accounts", body).wantError(t, http.StatusConflict, engine.CodeConflict, "user")
	admin.post(t, "/api/accounts", `{"user":"x","name":"X","password":"Sommer-2026!","roles":["sachbearbeitung"]}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "user")
	admin.post(t, "/api/accounts", `{"user":"xy","name":"X","password":"Sommer-2026!","roles":["chef"]}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "roles")
	admin.post(t, "/api/accounts", `{"user":"xy","name":"X\u202eY","password":"Sommer-2026!","roles":["admin"]}`).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "name")
	var list []struct {
		ID, Name     string
		PasswordHash string `json:"password_hash"`
	}
	admin.get(t, "/api/accounts").want(t, http.StatusOK, &list)
	if len(list) != 7 {
		t.Fatalf("%d accounts, want the 6 demo accounts and b.schulz", len(list))
	}
	// Clerks cannot manage accounts.
	s.as(t, "sachbearbeitung").get(t, "/api/accounts").wantError(t, http.StatusForbidden, engine.CodeForbidden, "")

	schulz, res := s.signInAs(t, "b.schulz", "Sommer-2026!")
	res.want(t, http.StatusOK, nil)
	schulz.get(t, "/api/appointments?building=buergerbuero").want(t, http.StatusOK, nil)
	schulz.get(t, "/api/appointments?building=rathaus-1").wantError(t, http.StatusForbidden, engine.CodeForbidden, "building")
	schulz.post(t, "/api/appointments", strings.Replace(bookBody("2026-11-25T10:00:00+01:00", klaus, "meldebescheinigung"),
		`"buergerbuero"`, `"rathaus-1"`, 1)).wantError(t, http.StatusForbidden, engine.CodeForbidden, "building")

	// Disabled: the open session stops working at once.
	admin.do(t, http.MethodPut, "/api/accounts/b.schulz", strings.NewReader(
		`{"name":"Birgit Schulz","roles":["sachbearbeitung"],"buildings":["buergerbuero"],"disabled":true}`)).want(t, http.StatusOK, nil)
	schulz.get(t, "/api/appointments?building=buergerbuero").wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
	_, res = s.signInAs(t, "b.schulz", "Sommer-2026!")
	res.wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
	// An admin cannot lock themselves out.
	admin.do(t, http.MethodPut, "/api/accounts/admin", strings.NewReader(`{"name":"A","roles":["leitung"]}`)).
		wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "roles")

	// The password is nowhere on disk in the clear, and no op's Data
	// holds its hash.
	if err := s.app.Close(); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(s.cfg.DataDir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("Sommer-2026!")) {
				t.Errorf("%s holds the password in the clear", path)
			}
		}
		return nil
	})
}

func TestKioskSeesNoNames(t *testing.T) {
	s := openDemo(t)
	ap := s.mustBook(t, bookBody("2026-11-18T10:00:00+01:00", klaus, "meldebescheinigung"))
	kiosk := s.pairDevice(t, engine.DeviceKiosk, ap.Building)
	var got sessionReply
	kiosk.get(t, "/api/session").want(t, http.StatusOK, &got)
	if got.Device == nil || got.Device.Kind != "kiosk" {
		t.Fatalf("kiosk session %+v", got)
	}
	res := kiosk.post(t, "/api/checkin", `{"building":"`+ap.Building+`","birth_date":"`+klaus.BirthDate+`"}`)
	res.want(t, http.StatusOK, nil)
	for _, personal := range []string{"Klaus", "Becker", "1961", "555-3", "@", ap.Code} {
		if bytes.Contains(res.body, []byte(personal)) {
			t.Errorf("the kiosk's check-in answer shows %q: %s", personal, res.body)
		}
	}
	if !bytes.Contains(res.body, []byte(`"ticket"`)) {
		t.Errorf("no ticket in %s", res.body)
	}
	other := "rathaus-2"
	if ap.Building == other {
		other = "rathaus-1"
	}
	kiosk.post(t, "/api/checkin", `{"building":"`+other+`","birth_date":"`+klaus.BirthDate+`"}`).wantError(t, http.StatusForbidden, engine.CodeForbidden, "building")
	kiosk.get(t, "/api/appointments").wantError(t, http.StatusForbidden, engine.CodeForbidden, "")
	// Guessing birth dates slows down.
	var last response
	for i := 0; i < 7; i++ {
		last = kiosk.post(t, "/api/checkin", `{"building":"`+ap.Building+`","birth_date":"1970-01-0`+string(rune('1'+i))+`"}`)
	}
	last.wantError(t, http.StatusTooManyRequests, engine.CodeTooMany, "")
	// A revoked kiosk is nobody.
	var devices []struct{ ID, Kind string }
	s.get(t, "/api/devices").want(t, http.StatusOK, &devices)
	s.post(t, "/api/devices/"+devices[0].ID+"/revoke", `{}`).want(t, http.StatusOK, nil)
	kiosk.get(t, "/api/buildings").wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")
}

func TestAuditRecordsWhoLooked(t *testing.T) {
	s := openDemo(t)
	v := s.mustRegister(t, mariaJSON)
	desk := s.as(t, "empfang")
	desk.get(t, "/api/visits/"+v.ID).want(t, http.StatusOK, nil)
	desk.get(t, "/api/visits?building=rathaus-1").want(t, http.StatusOK, nil)
	desk.get(t, "/api/visits?building=rathaus-1").want(t, http.StatusOK, nil) // a reload: written once
	_, res := s.signInAs(t, "leitung", "falsch")
	res.wantError(t, http.StatusUnauthorized, engine.CodeUnauthenticated, "")

	type entry struct {
		At, User, Device, Site, Action, Route, Building string
		Entities                                        []string
	}
	var es []entry
	s.as(t, "datenschutz").get(t, "/api/audit?user=empfang").want(t, http.StatusOK, &es)
	if len(es) != 2 || es[0].Route != "GET /api/visits" || es[1].Route != "GET /api/visits/{id}" || es[0].Site != "test" {
		t.Fatalf("audit of empfang: %+v", es)
	}
	if !contains(es[0].Entities, v.ID) || !contains(es[1].Entities, v.ID) || es[0].Action != "read" {
		t.Errorf("audit entries do not name the visit %s: %+v", v.ID, es)
	}
	s.as(t, "datenschutz").get(t, "/api/audit?entity="+v.ID).want(t, http.StatusOK, &es)
	if len(es) != 2 { // read twice (the registration is an op with its author)
		t.Errorf("audit of the visit: %d entries, want 2: %+v", len(es), es)
	}
	s.as(t, "datenschutz").get(t, "/api/audit?user=leitung").want(t, http.StatusOK, &es)
	if len(es) != 1 || es[0].Action != "sign_in_failed" {
		t.Errorf("failed sign-in not audited: %+v", es)
	}
	s.as(t, "empfang").get(t, "/api/audit").wantError(t, http.StatusForbidden, engine.CodeForbidden, "")

	// The same read later is written again; printing is written every time.
	s.clock.Add(11 * time.Minute)
	desk.get(t, "/api/visits?building=rathaus-1").want(t, http.StatusOK, nil)
	for i := 0; i < 2; i++ {
		if r := desk.get(t, "/api/print/badge/"+v.ID+".pdf"); r.status != http.StatusOK {
			t.Fatalf("badge: %d %s", r.status, r.body)
		}
	}
	s.as(t, "datenschutz").get(t, "/api/audit?user=empfang").want(t, http.StatusOK, &es)
	if len(es) != 5 || es[0].Action != "print" || es[1].Action != "print" || es[2].Route != "GET /api/visits" {
		t.Errorf("audit after 11 minutes: %+v", es)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
