package printing

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// thursdayMorning is 09:40 in Berlin on Thursday, 3 December 2026.
var thursdayMorning = time.Date(2026, 12, 3, 8, 40, 0, 0, time.UTC)

func normalSlip() Slip {
	return Slip{
		Code: "K7M2QX", QRPayload: "PFORTE:K7M2QX",
		Town: "Stadt Soest", Building: "Rathaus I", Address: "Am Vreithof 8, 59494 Soest",
		Entrance: "Eingang über den Rathausinnenhof", Place: "Kämmerei, Zimmer 112",
		Start:       thursdayMorning,
		Services:    []string{"Hund an- oder abmelden"},
		Documents:   []string{"Personalausweis", "ggf. Nachweis der Haftpflichtversicherung"},
		CitizenName: "Jürgen Nübel", CancelPhone: "02921 103-0",
	}
}

// fullSlip has the most an appointment can carry: four concerns and the
// documents they need.
func fullSlip() Slip {
	s := normalSlip()
	s.Services = []string{"Personalausweis beantragen", "Reisepass beantragen", "Wohnsitz ummelden", "Führungszeugnis beantragen"}
	s.Documents = []string{"bisheriger Ausweis oder Reisepass", "ein aktuelles biometrisches Passfoto",
		"bisheriger Reisepass oder Personalausweis", "Wohnungsgeberbestätigung", "Personalausweis oder Reisepass",
		"Original", "Kopie", "ggf. Erlaubnis oder Handwerkskarte"}
	return s
}

var slipFormats = []SlipFormat{SlipA6, SlipReceipt}

func TestWriteSlip(t *testing.T) {
	tests := []struct {
		name  string
		slip  Slip
		wants []string
		nots  []string
	}{
		{
			name: "normal",
			slip: normalSlip(),
			wants: []string{"Stadt Soest", "Terminbestätigung", "Donnerstag, 3. Dezember 2026, 09:40 Uhr",
				"für Jürgen Nübel", "Rathaus I", "Am Vreithof 8, 59494 Soest", "Eingang über den Rathausinnenhof",
				"Kämmerei, Zimmer 112", "Hund an- oder abmelden", "Personalausweis",
				"ggf. Nachweis der Haftpflichtversicherung", "Buchungscode", "K7M2QX", "Check-in-Terminal",
				"an der Information oder telefonisch unter 02921 103-0", "Buchungscodes K7M2QX"},
		},
		{
			name: "four concerns and eight documents",
			slip: fullSlip(),
			wants: append(append([]string{"IHRE ANLIEGEN", "K7M2QX"}, fullSlip().Services...),
				fullSlip().Documents...),
		},
		{
			name: "nothing optional",
			slip: Slip{Code: "ABC234", Town: "Stadt Soest", Building: "Bürger Büro", Start: thursdayMorning},
			wants: []string{"Donnerstag, 3. Dezember 2026, 09:40 Uhr", "Bürger Büro", "ABC234",
				"an der Information oder telefonisch unter Angabe Ihres Buchungscodes ABC234."},
			nots: []string{"ANLIEGEN", "MITBRINGEN", "für "},
		},
		{
			name:  "summer time",
			slip:  func() Slip { s := normalSlip(); s.Start = time.Date(2026, 7, 2, 6, 5, 0, 0, time.UTC); return s }(),
			wants: []string{"Donnerstag, 2. Juli 2026, 08:05 Uhr"},
		},
		{
			name: "long names wrap",
			slip: func() Slip {
				s := normalSlip()
				s.CitizenName = "Anna-Lena Müller-Lüdenscheidt von und zu Oberdörfer-Schwarzenbach"
				s.Entrance = "Eingang über den Rathausinnenhof, dann die Treppe hinauf und im ersten Stock links"
				return s
			}(),
			wants: []string{"Anna-Lena Müller-Lüdenscheidt von und zu Oberdörfer-Schwarzenbach",
				"im ersten Stock links"},
		},
	}
	for _, tt := range tests {
		for _, format := range slipFormats {
			t.Run(tt.name+"/"+string(format), func(t *testing.T) {
				t.Parallel()
				pdf := mustWriteSlip(t, tt.slip, format)
				got := pdfText(t, pdf)
				wantText(t, "slip text", got, tt.wants...)
				for _, not := range tt.nots {
					if strings.Contains(got, not) {
						t.Errorf("slip text has %q; got:\n%s", not, got)
					}
				}
				assertWordsInside(t, pdf, 3)
			})
		}
	}
}

func TestSlipPageSize(t *testing.T) {
	for _, slip := range []Slip{normalSlip(), fullSlip()} {
		a6 := pdfinfo(t, mustWriteSlip(t, slip, SlipA6))
		wantPageSize(t, a6, 105, 148)
		receipt := pdfinfo(t, mustWriteSlip(t, slip, SlipReceipt))
		wantPageSize(t, receipt, 80, 0)
		if a6.pages != 1 || receipt.pages != 1 {
			t.Errorf("pages: A6 %d, receipt %d; want 1 each", a6.pages, receipt.pages)
		}
		if receipt.h < 120 || receipt.h > 400 {
			t.Errorf("receipt is %.0f mm long, want 120..400 mm", receipt.h)
		}
	}
}

// TestSlipQRCode reads the QR code back from the printed page, as the
// check-in terminal's camera does.
func TestSlipQRCode(t *testing.T) {
	for _, format := range slipFormats {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			got := decodeQR(t, mustWriteSlip(t, fullSlip(), format))
			if want := []string{"PFORTE:K7M2QX"}; !slices.Equal(got, want) {
				t.Errorf("QR codes on the slip: %q, want %q", got, want)
			}
		})
	}
}

func TestWriteSlipRejects(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Slip)
		format SlipFormat
	}{
		{"no code", func(s *Slip) { s.Code = " " }, SlipA6},
		{"no start", func(s *Slip) { s.Start = time.Time{} }, SlipA6},
		{"unknown format", func(*Slip) {}, "a4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := normalSlip()
			tt.edit(&s)
			var buf bytes.Buffer
			if err := WriteSlip(&buf, s, tt.format, Options{Created: fixedCreated}); err == nil {
				t.Fatal("WriteSlip succeeded, want an error")
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes, want none", buf.Len())
			}
		})
	}
}

func TestParseSlipFormat(t *testing.T) {
	for in, want := range map[string]SlipFormat{"": SlipA6, "a6": SlipA6, "A6": SlipA6, " receipt ": SlipReceipt} {
		if got, err := ParseSlipFormat(in); err != nil || got != want {
			t.Errorf("ParseSlipFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseSlipFormat("a4"); err == nil {
		t.Error(`ParseSlipFormat("a4") succeeded, want an error`)
	}
}

func TestWriteSlipGolden(t *testing.T) {
	for _, format := range slipFormats {
		t.Run(string(format), func(t *testing.T) {
			got := mustWriteSlip(t, normalSlip(), format)
			if again := mustWriteSlip(t, normalSlip(), format); !bytes.Equal(got, again) {
				t.Fatal("two runs with the same input gave different bytes")
			}
			checkGolden(t, "slip-"+string(format)+".golden.pdf", got)
			render(t, "slip-"+string(format), got)
			render(t, "slip-"+string(format)+"-full", mustWriteSlip(t, fullSlip(), format))
		})
	}
}

func mustWriteSlip(t testing.TB, s Slip, f SlipFormat) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSlip(&buf, s, f, Options{Created: fixedCreated}); err != nil {
		t.Fatalf("WriteSlip: %v", err)
	}
	return buf.Bytes()
}

// TestConcurrentDocuments: the desk's server makes documents for several
// requests at once. gofpdf writes into the font bytes it is given, so each
// document must get its own copy; the embedded font stays as it was.
func TestConcurrentDocuments(t *testing.T) {
	before := sha256.Sum256(sansRegular)
	want := mustWriteSlip(t, normalSlip(), SlipA6)
	var wg sync.WaitGroup
	results := make([][]byte, 8)
	for i := range results {
		wg.Go(func() {
			var buf bytes.Buffer
			if err := WriteSlip(&buf, normalSlip(), SlipA6, Options{Created: fixedCreated}); err == nil {
				results[i] = buf.Bytes()
			}
		})
	}
	wg.Wait()
	for i, got := range results {
		if !bytes.Equal(got, want) {
			t.Errorf("document %d made concurrently differs from one made alone", i)
		}
	}
	if sha256.Sum256(sansRegular) != before {
		t.Error("making documents changed the embedded font")
	}
}
