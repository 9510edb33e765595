// Package cupstest is a fake CUPS server for tests: it answers the IPP
// operations package cups uses (CUPS-Get-Printers, Get-Printer-Attributes,
// Print-Job) and keeps the documents it is sent, so that printing can be
// tested without a cupsd. The real thing is tested too, where
// scripts/cups-test.sh has started one (PFORTE_CUPS_TEST).
package cupstest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/phin1x/go-ipp"
)

// Server is a running fake CUPS server.
type Server struct {
	// Addr is the server's host:port, as cups.New takes it.
	Addr string

	mu       sync.Mutex
	printers map[string]*queue
	jobs     []Job
}

// Job is a document the server was sent.
type Job struct {
	ID       int
	Printer  string
	Title    string
	Format   string
	Media    string
	Document []byte
}

type queue struct {
	stopped   bool
	message   string
	accepting bool
}

// addTags teaches go-ipp's encoder, which picks an attribute's type by its
// name, the two printer attributes it has no entry for. It writes to
// go-ipp's package-level map, so it runs once, before any server answers.
var addTags = sync.OnceFunc(func() {
	ipp.AttributeTagMapping[ipp.AttributePrinterMakeAndModel] = ipp.TagText
	ipp.AttributeTagMapping[ipp.AttributePrinterStateMessage] = ipp.TagText
})

// New starts a server with no printers; it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	addTags()
	s := &Server{printers: map[string]*queue{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.Addr = strings.TrimPrefix(srv.URL, "http://")
	return s
}

// AddPrinter adds an idle queue that accepts jobs.
func (s *Server) AddPrinter(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.printers[name] = &queue{accepting: true}
}

// Stop pauses a queue with a state message ("Media empty"), as a printer
// out of paper does; Start resumes it.
func (s *Server) Stop(name, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.printers[name].stopped, s.printers[name].message = true, message
}

// Start resumes a stopped queue.
func (s *Server) Start(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.printers[name].stopped, s.printers[name].message = false, ""
}

// Jobs returns the documents printed so far, oldest first.
func (s *Server) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.jobs)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// go-ipp's decoder takes a read that returns data and io.EOF
	// together, as an HTTP body may, for a failure: read it all first.
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var doc bytes.Buffer
	req, err := ipp.NewRequestDecoder(bytes.NewReader(raw)).Decode(&doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := ipp.NewResponse(ipp.StatusOk, req.RequestId)
	if lang, _ := req.OperationAttributes[ipp.AttributeNaturalLanguage].(string); !naturalLanguage.MatchString(lang) {
		// As CUPS 2.4.2-3+deb12u11 does: RFC 8011 wants lower case.
		resp = ipp.NewResponse(ipp.StatusErrorBadRequest, req.RequestId)
		resp.OperationAttributes[ipp.AttributeStatusMessage] = []ipp.Attribute{{Value: `Bad "attributes-natural-language" value '` + lang + `'.`}}
		s.write(w, resp)
		return
	}
	uri, _ := req.OperationAttributes[ipp.AttributePrinterURI].(string)
	name := path.Base(uri)
	q := s.printers[name]
	switch req.Operation {
	case ipp.OperationCupsGetPrinters:
		names := make([]string, 0, len(s.printers))
		for n := range s.printers {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			resp.PrinterAttributes = append(resp.PrinterAttributes, attributes(n, s.printers[n]))
		}
	case ipp.OperationGetPrinterAttributes:
		if q == nil {
			resp = notFound(req)
			break
		}
		resp.PrinterAttributes = append(resp.PrinterAttributes, attributes(name, q))
	case ipp.OperationPrintJob:
		if q == nil {
			resp = notFound(req)
			break
		}
		title, _ := req.OperationAttributes[ipp.AttributeJobName].(string)
		format, _ := req.OperationAttributes[ipp.AttributeDocumentFormat].(string)
		media, _ := req.JobAttributes[ipp.AttributeMedia].(string)
		id := len(s.jobs) + 1
		s.jobs = append(s.jobs, Job{ID: id, Printer: name, Title: title, Format: format, Media: media, Document: doc.Bytes()})
		resp.JobAttributes = append(resp.JobAttributes, ipp.Attributes{
			ipp.AttributeJobID: {{Value: id}},
		})
	default:
		resp = ipp.NewResponse(ipp.StatusErrorOperationNotSupported, req.RequestId)
	}
	s.write(w, resp)
}

// naturalLanguage is the form CUPS accepts for attributes-natural-language
// (ippValidateAttribute's rule for a naturalLanguage value).
var naturalLanguage = regexp.MustCompile(`^[a-z]{2,8}(-[a-z0-9]{1,8})*$`)

func (s *Server) write(w http.ResponseWriter, resp *ipp.Response) {
	body, err := resp.Encode()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ipp.ContentTypeIPP)
	w.Write(body)
}

func notFound(req *ipp.Request) *ipp.Response {
	resp := ipp.NewResponse(ipp.StatusErrorNotFound, req.RequestId)
	resp.OperationAttributes[ipp.AttributeStatusMessage] = []ipp.Attribute{{Value: "The printer or class does not exist."}}
	return resp
}

func attributes(name string, q *queue) ipp.Attributes {
	state := int(ipp.PrinterStateIdle)
	if q.stopped {
		state = int(ipp.PrinterStateStopped)
	}
	return ipp.Attributes{
		ipp.AttributePrinterName:            {{Value: name}},
		ipp.AttributePrinterInfo:            {{Value: "Testdrucker " + name}},
		ipp.AttributePrinterLocation:        {{Value: "Test"}},
		ipp.AttributePrinterMakeAndModel:    {{Value: "Fake PDF"}},
		ipp.AttributeDeviceURI:              {{Value: "file:///dev/null"}},
		ipp.AttributePrinterState:           {{Value: state}},
		ipp.AttributePrinterStateMessage:    {{Value: q.message}},
		ipp.AttributePrinterIsAcceptingJobs: {{Value: q.accepting}},
	}
}
