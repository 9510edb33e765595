package printing

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// saturdayMorning is 09:14 in Berlin (CET, UTC+1).
var saturdayMorning = time.Date(2026, 11, 21, 8, 14, 0, 0, time.UTC)

func normalBadge() Badge {
	return Badge{
		Number:         7,
		VisitorName:    "Maria Schneider",
		HostName:       "Thomas Becker",
		HostDepartment: "Bauordnung",
		BuildingName:   "Rathaus II",
		Entrance:       "Haupteingang Windmühlenweg",
		ArrivedAt:      saturdayMorning,
	}
}

func TestWriteBadge(t *testing.T) {
	longName := strings.Repeat("Anna-Lena Müller-Lüdenscheidt ", 7)[:200]
	tests := []struct {
		name  string
		edit  func(*Badge)
		wants []string // text a person reads on the badge
		nots  []string // text that must not be there
	}{
		{
			name: "normal",
			wants: []string{"BESUCHER", "Nr. 7", "gültig nur heute", "Maria Schneider",
				"Besuch bei: Thomas Becker (Bauordnung)", "Gebäude: Rathaus II", "Haupteingang Windmühlenweg",
				"Ankunft: Sa., 21.11.2026, 09:14 Uhr", "Bitte gut sichtbar tragen und beim Verlassen abgeben."},
		},
		{
			name:  "umlauts",
			edit:  func(b *Badge) { b.VisitorName = "Jürgen Öztürk-Weiß"; b.HostName = "Dörte Großmann-Nübel" },
			wants: []string{"Jürgen Öztürk-Weiß", "Dörte Großmann-Nübel", "21.11.2026", "09:14"},
		},
		{
			name:  "decomposed umlauts",
			edit:  func(b *Badge) { b.VisitorName = "Ju\u0308rgen O\u0308ztu\u0308rk" },
			wants: []string{"Jürgen Öztürk"},
		},
		{
			name:  "letters of other languages",
			edit:  func(b *Badge) { b.VisitorName = "Łukasz Żółć, Şahin Çağlar, Ιωάννης" },
			wants: []string{"Łukasz Żółć, Şahin Çağlar, Ιωάννης"},
		},
		{
			name: "characters the font lacks",
			edit: func(b *Badge) { b.VisitorName = "Li Lei 李雷 🙂" },
			// DejaVu Sans has no Han characters and no emoji.
			wants: []string{"Li Lei ?? ?", "21.11.2026"},
		},
		{
			name:  "very long name",
			edit:  func(b *Badge) { b.VisitorName = longName },
			wants: []string{longName, "Thomas Becker", "21.11.2026", "09:14"},
		},
		{
			name:  "very long name without spaces",
			edit:  func(b *Badge) { b.VisitorName = strings.Repeat("W", 200) },
			wants: []string{"WWWWWWWWWW", "Thomas Becker", "21.11.2026", "09:14"},
		},
		{
			name: "long host and department",
			edit: func(b *Badge) {
				b.HostName = "Dr. Karl-Heinz Oberdörfer-Schwarzenbach"
				b.HostDepartment = "Fachbereich Stadtentwicklung, Bauordnung und Denkmalpflege"
				b.Entrance = "Eingang durch den Rathausinnenhof, dann links zum Aufzug"
			},
			wants: []string{"Oberdörfer-Schwarzenbach", "Fachbereich", "21.11.2026", "09:14", "gültig nur heute"},
		},
		{
			name:  "empty department",
			edit:  func(b *Badge) { b.HostDepartment = "" },
			wants: []string{"Besuch bei: Thomas Becker", "21.11.2026", "09:14"},
			nots:  []string{"()", "Bauordnung"},
		},
		{
			name:  "no number",
			edit:  func(b *Badge) { b.Number = 0 },
			wants: []string{"BESUCHER", "gültig nur heute"},
			nots:  []string{"Nr."},
		},
		{
			name:  "summer time",
			edit:  func(b *Badge) { b.ArrivedAt = time.Date(2026, 7, 3, 7, 14, 0, 0, time.UTC) },
			wants: []string{"Fr., 03.07.2026, 09:14 Uhr"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := normalBadge()
			if tt.edit != nil {
				tt.edit(&b)
			}
			pdf := mustWriteBadge(t, b)
			got := pdfText(t, pdf)
			wantText(t, "badge text", got, tt.wants...)
			for _, not := range tt.nots {
				if strings.Contains(got, not) {
					t.Errorf("badge text has %q; got:\n%s", not, got)
				}
			}
			assertWordsInside(t, pdf, 2)
		})
	}
}

func TestBadgePage(t *testing.T) {
	info := pdfinfo(t, mustWriteBadge(t, normalBadge()))
	wantPageSize(t, info, 90, 55)
	if info.pages != 1 {
		t.Errorf("%d pages, want 1", info.pages)
	}
}

func TestWriteBadgeRejectsIncompleteBadge(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Badge)
	}{
		{"no visitor name", func(b *Badge) { b.VisitorName = " \t" }},
		{"no arrival time", func(b *Badge) { b.ArrivedAt = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := normalBadge()
			tt.edit(&b)
			var buf bytes.Buffer
			if err := WriteBadge(&buf, b, Options{Created: fixedCreated}); err == nil {
				t.Fatal("WriteBadge succeeded, want an error")
			}
			if buf.Len() != 0 {
				t.Errorf("WriteBadge wrote %d bytes for an incomplete badge, want none", buf.Len())
			}
		})
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteBadgeReportsWriteError(t *testing.T) {
	err := WriteBadge(failingWriter{}, normalBadge(), Options{Created: fixedCreated})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("WriteBadge error = %v, want one wrapping %v", err, errDiskFull)
	}
}

// TestWriteBadgeGolden pins the badge's bytes; see checkGolden.
func TestWriteBadgeGolden(t *testing.T) {
	b := normalBadge()
	b.VisitorName = "Jürgen Öztürk-Weiß"
	got := mustWriteBadge(t, b)
	if again := mustWriteBadge(t, b); !bytes.Equal(got, again) {
		t.Fatal("two runs with the same input gave different bytes")
	}
	checkGolden(t, "badge.golden.pdf", got)
	render(t, "badge", got)
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ascii", "Maria Schneider", "Maria Schneider"},
		{"umlauts and sharp s", "Jürgen Öztürk-Weiß", "Jürgen Öztürk-Weiß"},
		{"decomposed umlaut", "Ju\u0308rgen", "Jürgen"},
		{"mark that composes", "Z\u0307", "Ż"},
		{"mark without composed form", "q\u0308", "q"},
		{"other Latin letters", "Łódź Şahin", "Łódź Şahin"},
		{"Han characters", "李雷", "??"},
		{"right-to-left script", "שלום", "????"},
		{"Vietnamese", "Nguyễn Thị Ánh", "Nguyễn Thị Ánh"},
		{"emoji", "Anna 🙂", "Anna ?"},
		{"euro and dashes", "5 € – bar „so“", "5 € – bar „so“"},
		{"control characters and runs of space", "  Anna\t\n  Lena\u00a0 ", "Anna Lena"},
		{"soft hyphen and zero-width space", "Ober\u00addörfer\u200b", "Oberdörfer"},
		{"dot stays a dot", "Dr. med.", "Dr. med."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestGlyphs checks what the embedded font's character map reads as: the
// letters and signs the documents print are there.
func TestGlyphs(t *testing.T) {
	have := glyphs()
	for _, r := range "AZaz09äöüÄÖÜßéèçñøåŁłŻżŞşĞğİıŐőΑωЖжЁёԱաႠა€–—„“”‚‘’…•☐→✓№" {
		if !have.has(r) {
			t.Errorf("the embedded font has no %q (%U)", r, r)
		}
	}
	for _, r := range "李😀שא\u200b" {
		if have.has(r) {
			t.Errorf("the embedded font claims %q (%U)", r, r)
		}
	}
}

func TestFormatDateTime(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"winter, CET", saturdayMorning, "Sa., 21.11.2026, 09:14 Uhr"},
		{"summer, CEST", time.Date(2026, 7, 3, 7, 14, 0, 0, time.UTC), "Fr., 03.07.2026, 09:14 Uhr"},
		{"past midnight in Berlin", time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), "Mo., 23.11.2026, 00:30 Uhr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := formatDateTime(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("formatDateTime(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLongDate(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 12, 3, 8, 40, 0, 0, time.UTC), "Donnerstag, 3. Dezember 2026"},
		{time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), "Montag, 2. März 2026"}, // 00:30 in Berlin
	}
	for _, tt := range tests {
		if got := longDate(tt.in); got != tt.want {
			t.Errorf("longDate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func mustWriteBadge(t *testing.T, b Badge) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBadge(&buf, b, Options{Created: fixedCreated}); err != nil {
		t.Fatalf("WriteBadge: %v", err)
	}
	return buf.Bytes()
}
