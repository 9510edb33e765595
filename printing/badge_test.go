package printing

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedCreated makes the PDFs byte-reproducible.
var fixedCreated = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// saturdayMorning is 09:14 in Berlin (CET, UTC+1).
var saturdayMorning = time.Date(2026, 11, 21, 8, 14, 0, 0, time.UTC)

func normalBadge() Badge {
	return Badge{
		VisitID:        "01JD7Q8ZK3V4N9M2X6R5T0YBWE",
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
			wants: []string{"BESUCHER", "Besucherausweis", "Maria Schneider",
				"Besuch bei: Thomas Becker (Bauordnung)", "Rathaus II", "Haupteingang Windmühlenweg",
				"Sa., 21.11.2026, 09:14 Uhr", "Bitte gut sichtbar tragen und beim Verlassen abgeben."},
		},
		{
			name:  "umlauts",
			edit:  func(b *Badge) { b.VisitorName = "Jürgen Öztürk-Weiß"; b.HostName = "Dörte Großmann" },
			wants: []string{"Jürgen Öztürk-Weiß", "Dörte Großmann", "21.11.2026", "09:14"},
		},
		{
			name:  "decomposed umlauts",
			edit:  func(b *Badge) { b.VisitorName = "Ju\u0308rgen O\u0308ztu\u0308rk" },
			wants: []string{"Jürgen Öztürk"},
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
			wants: []string{"Oberdörfer-Schwarzenbach", "Fachbereich", "21.11.2026", "09:14"},
		},
		{
			name:  "empty department",
			edit:  func(b *Badge) { b.HostDepartment = "" },
			wants: []string{"Besuch bei: Thomas Becker", "21.11.2026", "09:14"},
			nots:  []string{"()", "Bauordnung"},
		},
		{
			name: "outside cp1252",
			edit: func(b *Badge) { b.VisitorName = "Łukasz Żółć 李雷 🙂" },
			// ó is in cp1252; Ł, Ż, ł, ć, the Han characters and the emoji are not.
			wants: []string{"?ukasz ?ó?? ?? ?", "21.11.2026"},
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
			for _, want := range tt.wants {
				if !strings.Contains(squash(got), squash(want)) {
					t.Errorf("badge text lacks %q; got:\n%s", want, got)
				}
			}
			for _, not := range tt.nots {
				if strings.Contains(got, not) {
					t.Errorf("badge text has %q; got:\n%s", not, got)
				}
			}
			assertWordsOnCard(t, pdf)
		})
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

// TestWriteBadgeGolden pins the badge's bytes. When the layout changes on
// purpose, run `go test ./printing -update`, render the new file with
// `pdftoppm -png -r 100 printing/testdata/badge.golden.pdf /tmp/badge` and
// look at it before committing.
func TestWriteBadgeGolden(t *testing.T) {
	b := normalBadge()
	b.VisitorName = "Jürgen Öztürk-Weiß"
	got := mustWriteBadge(t, b)
	if again := mustWriteBadge(t, b); !bytes.Equal(got, again) {
		t.Fatal("two runs with the same input gave different bytes")
	}

	golden := filepath.Join("testdata", "badge.golden.pdf")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run `go test ./printing -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		out := filepath.Join(t.TempDir(), "badge.pdf")
		_ = os.WriteFile(out, got, 0o644)
		t.Errorf("badge differs from %s; new output in %s; if the change is intended, run `go test ./printing -update`", golden, out)
	}
}

func TestEncode(t *testing.T) {
	d := newDocument(10, 10, "test", Options{Created: fixedCreated})
	tests := []struct{ name, in, want string }{
		{"ascii", "Maria Schneider", "Maria Schneider"},
		{"umlauts and sharp s", "Jürgen Öztürk-Weiß", "J\xfcrgen \xd6zt\xfcrk-Wei\xdf"},
		{"decomposed umlaut", "Ju\u0308rgen", "J\xfcrgen"},
		{"mark without composed form", "Z\u0307", "Z"},
		{"outside cp1252", "Łódź", "?\xf3d?"},
		{"emoji", "Anna 🙂", "Anna ?"},
		{"euro and dash", "5 € – bar", "5 \x80 \x96 bar"},
		{"control characters and runs of space", "  Anna\t\n  Lena\u00a0 ", "Anna Lena"},
		{"soft hyphen and zero-width space", "Ober\u00addörfer\u200b", "Oberd\xf6rfer"},
		{"dot stays a dot", "Dr. med.", "Dr. med."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.encode(tt.in); got != tt.want {
				t.Errorf("encode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
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

func mustWriteBadge(t *testing.T, b Badge) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBadge(&buf, b, Options{Created: fixedCreated}); err != nil {
		t.Fatalf("WriteBadge: %v", err)
	}
	return buf.Bytes()
}

// pdftotext runs poppler's pdftotext on pdf with the extra arguments and
// returns its output. It skips the test when poppler-utils is not installed.
func pdftotext(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not on PATH; install poppler-utils to check what the badge says")
	}
	in := filepath.Join(t.TempDir(), "badge.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	args = append(append([]string{"-enc", "UTF-8"}, args...), in, "-")
	out, err := exec.Command("pdftotext", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// pdfText is the text of pdf laid out as on paper, so a label and its value
// share a line.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return pdftotext(t, pdf, "-layout")
}

// squash removes all white space, so text that wrapped compares equal to the
// text that went in.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

var (
	pageRE = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	wordRE = regexp.MustCompile(`<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>`)
)

// assertWordsOnCard checks that every word pdftotext finds lies inside the
// card with at least 2 mm to spare, where a badge holder's rim or a
// printer's unprintable edge would cut it.
func assertWordsOnCard(t *testing.T, pdf []byte) {
	t.Helper()
	html := pdftotext(t, pdf, "-bbox")
	page := pageRE.FindStringSubmatch(html)
	if page == nil {
		t.Fatalf("no page size in pdftotext -bbox output:\n%s", html)
	}
	w, h := atof(t, page[1]), atof(t, page[2])
	const safe = 2 * 72 / 25.4 // 2 mm in points
	words := wordRE.FindAllStringSubmatch(html, -1)
	if len(words) == 0 {
		t.Fatalf("no words in pdftotext -bbox output:\n%s", html)
	}
	for _, m := range words {
		x0, y0, x1, y1 := atof(t, m[1]), atof(t, m[2]), atof(t, m[3]), atof(t, m[4])
		if x0 < safe || y0 < safe || x1 > w-safe || y1 > h-safe {
			t.Errorf("word %q at (%.1f,%.1f)-(%.1f,%.1f) pt is outside the card's safe area (%.1f pt inside %.1f×%.1f pt)",
				m[5], x0, y0, x1, y1, safe, w, h)
		}
	}
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
