package printing

import (
	"bytes"
	"flag"
	"fmt"
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

// checkGolden compares pdf with testdata/name, or rewrites the file with
// -update. When the layout changes on purpose, run
// `go test ./printing -update`, render the new file with
// `pdftoppm -png -r 100 printing/testdata/NAME /tmp/NAME` and look at it
// before committing.
func checkGolden(t *testing.T, name string, pdf []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run `go test ./printing -update` to create it)", err)
	}
	if !bytes.Equal(pdf, want) {
		out := filepath.Join(t.TempDir(), name)
		_ = os.WriteFile(out, pdf, 0o644)
		t.Errorf("%s differs from %s; new output in %s; if the change is intended, run `go test ./printing -update`", name, golden, out)
	}
}

// needTool skips the test when a poppler or zbar tool is missing.
func needTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not on PATH; install %s (make test does) to check the printed documents", name, pkg)
	}
}

// writeTemp writes pdf to a file in the test's temporary directory.
func writeTemp(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

// pdftotext runs poppler's pdftotext on pdf with the extra arguments and
// returns its output.
func pdftotext(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	needTool(t, "pdftotext", "poppler-utils")
	args = append(append([]string{"-enc", "UTF-8"}, args...), writeTemp(t, pdf), "-")
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

// pageTexts is the text of each page, in reading order.
func pageTexts(t *testing.T, pdf []byte) []string {
	t.Helper()
	pages := strings.Split(pdftotext(t, pdf, "-layout"), "\f")
	return pages[:len(pages)-1] // pdftotext ends every page with a form feed
}

// pageInfo is a page's size as pdfinfo reports it.
type pageInfo struct {
	pages int
	w, h  float64 // millimetres
}

var pageSizeRE = regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`)

func pdfinfo(t *testing.T, pdf []byte) pageInfo {
	t.Helper()
	needTool(t, "pdfinfo", "poppler-utils")
	out, err := exec.Command("pdfinfo", writeTemp(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	var info pageInfo
	m := pageSizeRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no page size in pdfinfo output:\n%s", out)
	}
	info.w, info.h = atof(t, m[1])*25.4/72, atof(t, m[2])*25.4/72
	for _, line := range strings.Split(string(out), "\n") {
		if n, ok := strings.CutPrefix(line, "Pages:"); ok {
			info.pages, _ = strconv.Atoi(strings.TrimSpace(n))
		}
	}
	return info
}

// wantPageSize checks a page size within half a millimetre.
func wantPageSize(t *testing.T, got pageInfo, w, h float64) {
	t.Helper()
	if d := got.w - w; d < -0.5 || d > 0.5 || (h > 0 && (got.h-h < -0.5 || got.h-h > 0.5)) {
		t.Errorf("page is %.1f×%.1f mm, want %.1f×%.1f mm", got.w, got.h, w, h)
	}
}

// decodeQR renders the first page at 300 dpi and reads the QR codes on it
// with zbarimg.
func decodeQR(t *testing.T, pdf []byte) []string {
	t.Helper()
	needTool(t, "pdftoppm", "poppler-utils")
	needTool(t, "zbarimg", "zbar-tools")
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "300", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	return strings.Fields(string(out))
}

// squash removes all white space, so text that wrapped compares equal to the
// text that went in.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// wantText checks that text has each of wants, ignoring white space.
func wantText(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(squash(text), squash(want)) {
			t.Errorf("%s lacks %q; got:\n%s", what, want, text)
		}
	}
}

var (
	pageRE = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	wordRE = regexp.MustCompile(`<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>`)
)

// assertWordsInside checks that every word pdftotext finds on every page
// lies inside the page with at least safe millimetres to spare, where a
// badge holder's rim or a printer's unprintable edge would cut it.
func assertWordsInside(t *testing.T, pdf []byte, safeMM float64) {
	t.Helper()
	html := pdftotext(t, pdf, "-bbox")
	pages := pageRE.FindAllStringSubmatchIndex(html, -1)
	if len(pages) == 0 {
		t.Fatalf("no page size in pdftotext -bbox output:\n%s", html)
	}
	safe := safeMM * 72 / 25.4
	for i, p := range pages {
		w, h := atof(t, html[p[2]:p[3]]), atof(t, html[p[4]:p[5]])
		end := len(html)
		if i+1 < len(pages) {
			end = pages[i+1][0]
		}
		for _, m := range wordRE.FindAllStringSubmatch(html[p[1]:end], -1) {
			x0, y0, x1, y1 := atof(t, m[1]), atof(t, m[2]), atof(t, m[3]), atof(t, m[4])
			// pdftotext's box runs from the font's ascender (0.928 em in
			// DejaVu Sans) to its descender (0.236 em); the ink of the
			// letters starts at the cap height (0.73 em).
			y0 = y1 - (y1-y0)*(0.236+0.73)/(0.928+0.236)
			if x0 < safe || y0 < safe || x1 > w-safe || y1 > h-safe {
				t.Errorf("page %d: word %q at (%.1f,%.1f)-(%.1f,%.1f) pt is outside the safe area (%.1f pt inside %.1f×%.1f pt)",
					i+1, m[5], x0, y0, x1, y1, safe, w, h)
			}
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

// render writes each page of pdf as a PNG to $PFORTE_RENDER_DIR, when set,
// for a person to look at (see README: "Looking at the documents").
func render(t *testing.T, name string, pdf []byte) {
	t.Helper()
	dir := os.Getenv("PFORTE_RENDER_DIR")
	if dir == "" {
		return
	}
	needTool(t, "pdftoppm", "poppler-utils")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "110", in, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	t.Log(fmt.Sprintf("rendered %s to %s", name, dir))
}
