package app_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// caller is one kind of client the gate tells apart.
type caller struct {
	name   string
	role   string // a person holding just this role
	device string // or a paired device of this kind
}

// TestEveryRouteAsEveryCaller is generated from the route table: every
// route is called as nobody, as each role, as a kiosk and as a monitor,
// and answers 401, 403 or gets through exactly as the table declares. A
// route added without a rule (nobody may call it) fails here.
func TestEveryRouteAsEveryCaller(t *testing.T) {
	s := openDemo(t)
	kiosk := s.pairDevice(t, engine.DeviceKiosk, "rathaus-1")
	monitor := s.pairDevice(t, engine.DeviceMonitor, "rathaus-1")

	callers := []caller{{name: "nobody"}}
	for _, r := range engine.Roles {
		callers = append(callers, caller{name: r, role: r})
	}
	callers = append(callers, caller{name: "kiosk", device: engine.DeviceKiosk}, caller{name: "monitor", device: engine.DeviceMonitor})

	rules := s.app.RouteTableForTest()
	if len(rules) < 60 {
		t.Fatalf("the route table has %d routes; the API has more", len(rules))
	}
	for _, rule := range rules {
		if !rule.Open && !rule.Anyone && len(rule.Roles) == 0 && len(rule.Devices) == 0 {
			t.Errorf("%s: declares nobody who may call it", rule.Pattern)
			continue
		}
		method, path, _ := strings.Cut(rule.Pattern, " ")
		path = strings.NewReplacer("{id}", "no-such-id", "{file}", "no-such-id.pdf").Replace(path)
		for _, c := range callers {
			var want string // "" gets through, else the error code
			switch {
			case rule.Open:
			case c.role != "" && (rule.Anyone || slices.Contains(rule.Roles, c.role)):
			case c.device != "" && slices.Contains(rule.Devices, c.device):
			case c.role == "" && c.device == "":
				want = engine.CodeUnauthenticated
			default:
				want = engine.CodeForbidden
			}
			var as *site
			switch {
			case c.role != "":
				as = s.as(t, c.role) // a fresh session: lock must not lock the next call
			case c.device == engine.DeviceKiosk:
				as = kiosk
			case c.device == engine.DeviceMonitor:
				as = monitor
			default:
				as = s.as(t, "")
			}
			status, body := as.call(t, method, path)
			switch {
			case want == engine.CodeUnauthenticated && (status != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`)):
				t.Errorf("%s as %s: %d %.120s, want 401 unauthenticated", rule.Pattern, c.name, status, body)
			case want == engine.CodeForbidden && (status != http.StatusForbidden || !strings.Contains(body, `"forbidden"`)):
				t.Errorf("%s as %s: %d %.120s, want 403 forbidden", rule.Pattern, c.name, status, body)
			case want == "" && (status == http.StatusUnauthorized && !rule.Open && !strings.Contains(body, `"field"`) || status == http.StatusForbidden):
				// (A 401 naming a field is the handler's: a wrong password.)
				t.Errorf("%s as %s: %d %.120s, want it to get through the gate", rule.Pattern, c.name, status, body)
			}
		}
	}
}

// call sends one request with an empty JSON object as body (the gate
// decides before the handler reads it) and returns status and body; an
// event stream is closed once its status is known.
func (s *site) call(t *testing.T, method, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if method != http.MethodGet {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	s.signIn()
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return res.StatusCode, ""
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// pairDevice adds a device as the demo admin and pairs a new client with
// it: the site as that device sees it.
func (s *site) pairDevice(t *testing.T, kind, building string) *site {
	t.Helper()
	var d struct {
		ID          string `json:"id"`
		PairingCode string `json:"pairing_code"`
	}
	s.post(t, "/api/devices", `{"name":"Gerät `+kind+`","kind":"`+kind+`","building":"`+building+`"}`).want(t, http.StatusCreated, &d)
	if len(d.PairingCode) != 9 {
		t.Fatalf("pairing code %q, want XXXX-XXXX", d.PairingCode)
	}
	dev := s.as(t, "")
	jar, _ := cookiejarNew()
	dev.client.Jar = jar
	// Typed as a person would: lower case, without the dash.
	dev.post(t, "/api/devices/pair", `{"code":"`+strings.ToLower(strings.ReplaceAll(d.PairingCode, "-", ""))+`"}`).want(t, http.StatusOK, nil)
	return dev
}
