package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/internal/mailpit"
)

// mailSettings is what GET and PUT /api/settings/mail answer.
type mailSettings struct {
	Configured bool `json:"configured"`
	Config     struct {
		Site       string `json:"site"`
		SMTPServer string `json:"smtp_server"`
		From       string `json:"from"`
		Username   string `json:"username"`
		StartTLS   bool   `json:"starttls"`
	} `json:"config"`
	PasswordSet bool     `json:"password_set"`
	MailSite    string   `json:"mail_site"`
	ThisSite    string   `json:"this_site"`
	MaySend     bool     `json:"may_send"`
	Awaiting    []string `json:"awaiting_release"`
	Outbox      struct {
		Queued, Failed, Sent, Dropped int
	} `json:"outbox"`
}

func TestMailSettingsRefuseBadInputAndWriteNothing(t *testing.T) {
	s := openDemo(t)
	admin := s.as(t, "admin")
	tests := []struct{ name, body, field string }{
		{"no port", `{"smtp_server":"mail.soest.example","from":"termine@soest.example"}`, "smtp_server"},
		{"port out of range", `{"smtp_server":"mail.soest.example:99999","from":"termine@soest.example"}`, "smtp_server"},
		{"a URL", `{"smtp_server":"smtp://mail.soest.example:587","from":"termine@soest.example"}`, "smtp_server"},
		{"no server", `{"from":"termine@soest.example"}`, "smtp_server"},
		{"from not an address", `{"smtp_server":"mail.soest.example:587","from":"Stadt Soest"}`, "from"},
		{"plain text to another machine", `{"smtp_server":"mail.soest.example:25","from":"termine@soest.example","starttls":false}`, "starttls"},
		{"line break in password", `{"smtp_server":"mail.soest.example:587","from":"termine@soest.example","password":"a\nb"}`, "password"},
		{"wrong type", `{"smtp_server":"mail.soest.example:587","from":"termine@soest.example","starttls":"yes"}`, "starttls"},
		{"unknown field", `{"smtp_server":"mail.soest.example:587","from":"termine@soest.example","host":"x"}`, "host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admin.do(t, http.MethodPut, "/api/settings/mail", strings.NewReader(tt.body)).
				wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
		})
	}
	var got mailSettings
	admin.get(t, "/api/settings/mail").want(t, http.StatusOK, &got)
	if got.Configured || got.PasswordSet || got.MailSite != "" {
		t.Errorf("a refused update wrote something: %+v", got)
	}

	clerk := s.as(t, engine.RoleClerk)
	clerk.do(t, http.MethodPut, "/api/settings/mail", strings.NewReader(`{"smtp_server":"127.0.0.1:2525","from":"a@b.de"}`)).
		wantError(t, http.StatusForbidden, engine.CodeForbidden, "")
	clerk.get(t, "/api/settings/mail").wantError(t, http.StatusForbidden, engine.CodeForbidden, "")
}

func TestMailSettingsKeepThePasswordHere(t *testing.T) {
	s := openDemo(t)
	admin := s.as(t, "admin")
	body := `{"smtp_server":"127.0.0.1:2525","from":"termine@soest.example","username":"pforte","password":"Geheim-2026!","starttls":false}`
	res := admin.do(t, http.MethodPut, "/api/settings/mail", strings.NewReader(body))
	var got mailSettings
	res.want(t, http.StatusOK, &got)
	if !got.Configured || !got.PasswordSet || got.MailSite != "test" || got.ThisSite != "test" || !got.MaySend ||
		got.Config.SMTPServer != "127.0.0.1:2525" || got.Config.StartTLS {
		t.Errorf("after PUT: %+v", got)
	}
	again := admin.get(t, "/api/settings/mail")
	for _, r := range []response{res, again} {
		if strings.Contains(string(r.body), "Geheim-2026!") {
			t.Fatalf("the password is in the answer: %s", r.body)
		}
	}
	// Left out, the password stays; the configuration op carries none.
	admin.do(t, http.MethodPut, "/api/settings/mail", strings.NewReader(`{"smtp_server":"127.0.0.1:2526","from":"termine@soest.example","starttls":false}`)).
		want(t, http.StatusOK, &got)
	if !got.PasswordSet || got.Config.SMTPServer != "127.0.0.1:2526" {
		t.Errorf("after a PUT without password: %+v", got)
	}
	ops, err := s.app.OpsForTest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if strings.Contains(string(op.Data)+string(op.Personal), "Geheim-2026!") {
			t.Fatalf("op %s/%d carries the SMTP password", op.Origin, op.Seq)
		}
	}
	var list []struct {
		ID string `json:"id"`
	}
	admin.get(t, "/api/settings/mail/outbox").want(t, http.StatusOK, &list)
	admin.get(t, "/api/settings/mail/outbox?status=nonsense").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "status")
}

// TestCancelMailLeavesTheRunningSite: the whole way through a running
// site: the admin names the SMTP server, a clerk cancels a booking of a
// citizen with an e-mail address, and the sender (woken by the commit)
// delivers the mail with its calendar file.
func TestCancelMailLeavesTheRunningSite(t *testing.T) {
	s := openDemo(t)
	mp := mailpit.New(t)
	s.as(t, "admin").do(t, http.MethodPut, "/api/settings/mail", strings.NewReader(
		`{"smtp_server":"`+mp.SMTP+`","from":"termine@soest.example","starttls":false}`)).want(t, http.StatusOK, nil)
	clerk := s.as(t, engine.RoleClerk)
	ap := clerk.mustBook(t, bookBody(berlin(today, "11:00"), klaus, "personalausweis"))
	clerk.post(t, "/api/appointments/"+ap.ID+"/cancel", "").want(t, http.StatusOK, nil)

	deadline := time.Now().Add(15 * time.Second)
	var msgs []mailpit.Summary
	for len(msgs) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // the sender runs on its own; it is woken, not clocked
		msgs = mp.Messages()
	}
	if len(msgs) != 1 || msgs[0].To[0].Address != klaus.Email || !strings.Contains(msgs[0].Subject, "abgesagt") {
		t.Fatalf("mailpit holds %+v, want the cancellation to %s", msgs, klaus.Email)
	}
	m := mp.Message(msgs[0].ID)
	if len(m.Attachments) != 1 || !strings.Contains(string(mp.PartData(m.ID, m.Attachments[0].PartID)), "METHOD:CANCEL") {
		t.Errorf("attachments %+v, want the cancelling calendar file", m.Attachments)
	}
	var st mailSettings
	admin := s.as(t, "admin")
	for {
		admin.get(t, "/api/settings/mail").want(t, http.StatusOK, &st)
		if st.Outbox.Sent == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // the sent marker follows the server's answer
	}
	if st.Outbox.Sent != 1 || st.Outbox.Queued != 0 {
		t.Errorf("outbox counts %+v, want one sent", st.Outbox)
	}
}
