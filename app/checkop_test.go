package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"pforte/app"
	"pforte/engine"
)

// checkOpsAtEnd runs engine.CheckOp, the check every op received from
// another site must pass, over every op a's site wrote or took when the
// test ends: whatever the app writes itself must pass it. openSite asks
// for it, so every scenario of these tests is checked.
func checkOpsAtEnd(t *testing.T, a *app.App) {
	t.Helper()
	t.Cleanup(func() {
		ops, err := a.OpsForTest(context.Background())
		if err != nil {
			return // closed by the test itself (a restart): nothing left to read
		}
		for _, op := range ops {
			if err := engine.CheckOp(op); err != nil {
				t.Errorf("op %s/%d refused by CheckOp: %v", op.Origin, op.Seq, err)
			}
		}
	})
}

func TestDemoOpsPassCheckOp(t *testing.T) {
	ops := app.DemoOps()
	if len(ops) == 0 {
		t.Fatal("no demo ops")
	}
	for _, op := range ops {
		if err := engine.CheckOp(op); err != nil {
			t.Errorf("demo op %d (%s %s): %v", op.Seq, op.Kind, op.Entity, err)
		}
	}
}

// rlo is U+202E RIGHT-TO-LEFT OVERRIDE, as JSON: "Maria <RLO>rediens" prints
// as "Maria sneider", a name that is not the one stored.
const rlo = `\u202e`

func TestLocalInputRefusesFormatCharacters(t *testing.T) {
	s := openDemo(t)
	for _, tt := range []struct {
		name, path, body, field string
		as                      string // "" : demo, every role
	}{
		{"visitor name", "/api/visits", `{"name":"Maria ` + rlo + `rediens","phone":"123","host":"staff-mueller"}`, "name", ""},
		{"visitor reason", "/api/visits", `{"name":"Maria Schneider","phone":"123","host":"staff-mueller","reason":"x` + rlo + `"}`, "reason", ""},
		{"citizen name", "/api/appointments", strings.Replace(bookBody("2026-11-25T10:00:00+01:00", klaus, "meldebescheinigung"),
			"Klaus Becker", "Klaus "+rlo+"rekceB", 1), "citizen.name", ""},
		{"account name", "/api/accounts", `{"user":"b.schulz","name":"Birgit ` + rlo + `ztluhcS","password":"Sommer-2026!","roles":["sachbearbeitung"]}`, "name", ""},
		{"device name", "/api/devices", `{"name":"Kiosk` + rlo + `","kind":"kiosk","building":"rathaus-1"}`, "name", ""},
		{"absence reason", "/api/counters/bb-1/absences", `{"from":"2026-11-25","reason":"krank` + rlo + `"}`, "reason", ""},
		{"hold reason", "/api/holds", `{"building":"rathaus-1","from":"2026-11-17","to":"2026-11-18","reason":"Amt` + rlo + `"}`, "reason", "datenschutz"},
		{"erasure reason", "/api/personal-data/erase", `{"ids":["x"],"reason":"Antrag` + rlo + `"}`, "reason", "datenschutz"},
		{"allotted site", "/api/buildings/rathaus-2/allotments", `{"home_site":"test","allotments":{"fil` + rlo + `iale":10}}`, "allotments", ""},
		{"home site", "/api/buildings/rathaus-2/allotments", `{"home_site":"te` + rlo + `st"}`, "home_site", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			who := s
			if tt.as != "" {
				who = s.as(t, tt.as)
			}
			before, err := s.app.OpsForTest(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			method := http.MethodPost
			if strings.HasSuffix(tt.path, "/allotments") {
				method = http.MethodPut
			}
			who.do(t, method, tt.path, strings.NewReader(tt.body)).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
			after, err := s.app.OpsForTest(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range after[len(before):] {
				if op.Kind != engine.KindAuditRecorded {
					t.Errorf("refused input wrote %s %s", op.Kind, op.Entity)
				}
			}
		})
	}
}
