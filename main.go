// Command pforte is the appointment and visitor-registration appliance of a
// town hall. With a display it opens the desktop window; `pforte serve` runs
// the same application headless and serves the UI to browsers on the LAN.
//
// main only wires: flags and configuration in, the application (package app)
// out, then either the HTTP server or the Wails window around the same
// http.Handler.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"pforte/app"
	"pforte/engine"
	"pforte/frontend"
	psync "pforte/sync"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stdout, stderr, logger)
	case "":
		err = desktop(args, stderr, logger)
	case "keygen":
		err = keygen(args, stdout)
	case "user":
		err = user(args, os.Stdin, stdout, stderr, logger)
	case "invite":
		err = invite(args, os.Stdin, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "pforte", version)
	case "help", "-h", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "pforte: unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "pforte:", err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  pforte serve --data DIR --listen ADDR --site NAME --building ID
               [--gossip ADDR] [--join ADDR[,ADDR...]] [--cluster-key FILE] [--demo]
               [--enroll TOKEN]
               [--sync-listen ADDR] [--sync-seeds ADDR[,ADDR...]] [--fake-time RFC3339]
               [--public-name NAME[,NAME...]]... [--tls-cert FILE --tls-key FILE]
               [--insecure-http] [--public-listen ADDR --public-url URL]
  pforte [same flags]     the desktop window (desktop build only)
  pforte keygen FILE      write a new cluster key
  pforte user add --data DIR --name NAME --role ROLE[,ROLE] [--full-name TEXT] [--building ID[,ID]]
                          add a staff account to a stopped site (password on standard input)
  pforte invite --url URL --user NAME --site NAME --building ID
                          an admin invites a site at the running site URL; prints the
                          token for the new site's --enroll (password on standard input,
                          or PFORTE_PASSWORD)
  pforte version

--public-listen serves the citizens' booking pages (/buchen/) and their API
(/api/public/) and nothing else; put it behind the town's reverse proxy and give
the address citizens use as --public-url (the links in mails start with it).

serve listens on 127.0.0.1:8080 (plain HTTP, this machine only) unless --listen
names another address. On any other address (the LAN, 0.0.0.0) it speaks HTTPS:
with --tls-cert and --tls-key (PEM, from the town's CA), or else with a
self-signed certificate it makes at the first start and keeps in DIR; it prints
that certificate's SHA-256 fingerprint. Browsers must reach it by the listen
address, an address of the machine (for 0.0.0.0) or a --public-name; other names
get 421. --insecure-http serves plain HTTP on the LAN instead: passwords and
personal data then cross the network readable to anyone on it.
`)
}

// netFlags are the flags of the headless server's socket; the desktop
// window, which has none, ignores them.
type netFlags struct {
	listen          string
	publicNames     []string
	tlsCert, tlsKey string
	insecureHTTP    bool
	// publicListen: the citizens' pages and their API only (--public-listen).
	publicListen string
}

// listFlag is a flag given several times, each a name or a comma list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	*l = append(*l, splitList(s)...)
	return nil
}

// parseConfig reads the flags shared by `serve` and the desktop window over
// app.DefaultConfig.
func parseConfig(name string, args []string, stderr io.Writer) (app.Config, netFlags, error) {
	cfg := app.DefaultConfig()
	var nf netFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&nf.listen, "listen", "127.0.0.1:8080", "address to serve the UI and API on (headless only); not loopback: HTTPS")
	fs.Var((*listFlag)(&nf.publicNames), "public-name", "a further name browsers reach the server by (repeatable, or a comma list)")
	fs.StringVar(&nf.tlsCert, "tls-cert", "", "PEM certificate (chain) for HTTPS, e.g. from the town's CA")
	fs.StringVar(&nf.tlsKey, "tls-key", "", "PEM key of --tls-cert")
	fs.BoolVar(&nf.insecureHTTP, "insecure-http", false, "serve plain HTTP on a LAN address (no TLS: passwords and personal data readable on the network)")
	fs.StringVar(&nf.publicListen, "public-listen", "", "address to serve the citizens' booking pages on (only those: /buchen/ and /api/public/); put it behind the town's reverse proxy")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "where citizens reach the booking pages, e.g. https://termine.soest.de (the links in mails)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "directory for the database and everything this site keeps")
	fs.StringVar(&cfg.Site, "site", cfg.Site, "name of this site (unique in the cluster)")
	fs.StringVar(&cfg.Building, "building", cfg.Building, "id of the building this site stands in")
	fs.StringVar(&cfg.Gossip, "gossip", cfg.Gossip, "Serf bind address, e.g. 127.0.0.1:7946 (empty: no cluster)")
	join := fs.String("join", "", "comma-separated gossip addresses of other sites")
	fs.StringVar(&cfg.ClusterKeyFile, "cluster-key", cfg.ClusterKeyFile, "file with the cluster secret (pforte keygen)")
	fs.StringVar(&cfg.SyncListen, "sync-listen", cfg.SyncListen, "replication address (default: the gossip host, a free port)")
	seeds := fs.String("sync-seeds", "", "comma-separated replication addresses of other sites, tried when gossip knows no peer")
	fs.StringVar(&cfg.Enroll, "enroll", "", "the first time a site joins a cluster: the invitation's token (Verwaltung → Standorte, or pforte invite)")
	fs.BoolVar(&cfg.Demo, "demo", cfg.Demo, "seed the demo municipality into an empty database")
	fakeTime := fs.String("fake-time", "", "for demos and tests: start the clock at this RFC 3339 time")
	if err := fs.Parse(args); err != nil {
		return cfg, nf, err
	}
	if fs.NArg() > 0 {
		return cfg, nf, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return cfg, nf, fmt.Errorf("--public-url: want an address like https://termine.soest.de, got %q", cfg.PublicURL)
		}
		cfg.PublicURL = strings.TrimSuffix(u.String(), "/")
	}
	cfg.Join = splitList(*join)
	cfg.SyncSeeds = splitList(*seeds)
	if *fakeTime != "" {
		t, err := time.Parse(time.RFC3339, *fakeTime)
		if err != nil {
			return cfg, nf, fmt.Errorf("--fake-time: want RFC 3339, e.g. 2026-11-18T08:05:00+01:00: %w", err)
		}
		cfg.Clock = engine.StartingAt(t)
	}
	cfg.Version = version
	return cfg, nf, nil
}

func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// serve runs the headless server until SIGINT or SIGTERM.
func serve(args []string, stdout, stderr io.Writer, logger *slog.Logger) error {
	cfg, nf, err := parseConfig("serve", args, stderr)
	if err != nil {
		return err
	}
	useTLS, err := nf.wantTLS()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return stoppedEarly(ctx, err)
	}
	defer a.Close()
	if code := a.SetupCode(); code != "" {
		fmt.Fprintf(stdout, "setup code: %s (no accounts yet: open the page below and create the first admin under Einrichtung)\n", code)
	}

	ln, err := net.Listen("tcp", nf.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", nf.listen, err)
	}
	defer ln.Close()
	// A name in --listen is one the server goes by: the Host check and the
	// certificate see only the address it resolved to.
	if h := listenHost(nf.listen); h != "" && net.ParseIP(strings.Trim(h, "[]")) == nil {
		nf.publicNames = append(nf.publicNames, h)
	}
	srv := app.Server(app.Guard(app.WithFrontend(a.Handler(), frontend.Assets()), app.GuardOptions{
		Listen:      ln.Addr().String(),
		PublicNames: nf.publicNames,
	}))
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	// The server's own complaints (a TLS handshake a browser broke off
	// because it does not trust the certificate yet) into the log.
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	scheme := "http"
	if useTLS {
		cert, err := app.ServerTLS(app.TLSOptions{
			CertFile: nf.tlsCert, KeyFile: nf.tlsKey, DataDir: cfg.DataDir,
			Listen: ln.Addr().String(), PublicNames: nf.publicNames, Site: cfg.Site,
		}, logger)
		if err != nil {
			return err
		}
		srv.TLSConfig = cert.Config // ServeTLS adds HTTP/2
		scheme = "https"
		logger.Info("tls", "self_signed", cert.SelfSigned, "created", cert.Created, "names", strings.Join(cert.Names, ","))
		fmt.Fprintf(stdout, "TLS certificate fingerprint (SHA-256): %s\n", cert.Fingerprint)
	} else if !app.IsLoopback(listenHost(nf.listen)) {
		logger.Warn("plain HTTP on a LAN address (--insecure-http): passwords and personal data cross the network unencrypted", "listen", ln.Addr().String())
	}
	errc := make(chan error, 2)
	go func() {
		if scheme == "https" {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	var public *http.Server
	if nf.publicListen != "" {
		if public, err = servePublic(ctx, a, nf, srv.TLSConfig, errc, stdout, logger); err != nil {
			return err
		}
	}
	// The line tests and scripts wait for: printed once the socket accepts.
	fmt.Fprintf(stdout, "listening on %s://%s\n", scheme, ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if public != nil {
		if err := public.Shutdown(shutdownCtx); err != nil {
			return err
		}
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return a.Close()
}

// servePublic starts the citizens' listener: plain HTTP on loopback (the
// town's reverse proxy in front terminates TLS), the staff listener's TLS
// on any other address unless --insecure-http.
func servePublic(ctx context.Context, a *app.App, nf netFlags, tlsConfig *tls.Config, errc chan<- error,
	stdout io.Writer, logger *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", nf.publicListen)
	if err != nil {
		return nil, fmt.Errorf("--public-listen %s: %w", nf.publicListen, err)
	}
	loopback := app.IsLoopback(listenHost(nf.publicListen))
	if !loopback && tlsConfig == nil && !nf.insecureHTTP {
		ln.Close()
		return nil, errors.New("--public-listen on a LAN address needs TLS (--tls-cert/--tls-key) or --insecure-http behind a proxy")
	}
	srv := app.Server(a.PublicHandler(frontend.Assets()))
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	scheme := "http"
	if !loopback && tlsConfig != nil {
		srv.TLSConfig = tlsConfig.Clone()
		scheme = "https"
	}
	go func() {
		if scheme == "https" {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	fmt.Fprintf(stdout, "public pages on %s://%s/buchen/\n", scheme, ln.Addr())
	return srv, nil
}

// wantTLS decides between HTTPS and plain HTTP: HTTPS with a certificate
// given, or on an address other machines reach unless --insecure-http
// says otherwise; plain HTTP on loopback (make run, the tests).
func (nf netFlags) wantTLS() (bool, error) {
	given := nf.tlsCert != "" || nf.tlsKey != ""
	switch {
	case (nf.tlsCert == "") != (nf.tlsKey == ""):
		return false, errors.New("--tls-cert and --tls-key go together: give both or neither")
	case given && nf.insecureHTTP:
		return false, errors.New("--insecure-http and --tls-cert/--tls-key exclude each other")
	case given:
		return true, nil
	case nf.insecureHTTP:
		return false, nil
	}
	return !app.IsLoopback(listenHost(nf.listen)), nil
}

// listenHost is the host of a listen address; unreadable, the whole (net.Listen says why).
func listenHost(listen string) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	return host
}

// desktop opens the Wails window around the same application. In a build
// without the desktop tag it explains how to get one.
func desktop(args []string, stderr io.Writer, logger *slog.Logger) error {
	cfg, _, err := parseConfig("pforte", args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return stoppedEarly(ctx, err)
	}
	defer a.Close()
	return runDesktop(ctx, a, frontend.Assets(), logger)
}

// stoppedEarly: a SIGTERM during start-up is a clean stop, not a failure
// (nothing was acknowledged yet; the half-done transaction rolled back).
func stoppedEarly(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func keygen(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: pforte keygen FILE")
	}
	if err := psync.WriteNewKey(args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote cluster key to %s (keep it secret; copy it to every site)\n", args[0])
	return nil
}

// user runs `pforte user add`: an account for a stopped site, the password
// read from standard input (one line), never from the command line.
func user(args []string, stdin io.Reader, stdout, stderr io.Writer, logger *slog.Logger) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: pforte user add --data DIR --name NAME --role ROLE[,ROLE] (password on standard input)")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", app.DefaultConfig().DataDir, "the site's data directory")
	name := fs.String("name", "", "the user name to sign in with")
	fullName := fs.String("full-name", "", "the name shown (default: NAME)")
	roles := fs.String("role", "", "comma-separated roles: "+strings.Join(engine.Roles, ", "))
	buildings := fs.String("building", "", "comma-separated buildings the account is limited to (default: all)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *fullName == "" {
		*fullName = *name
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	spec := engine.AccountSpec{User: *name, Name: *fullName, Roles: splitList(*roles), Buildings: splitList(*buildings)}
	acc, err := app.AddUser(context.Background(), *dataDir, spec, password, logger)
	if err != nil {
		if e := engine.AsError(err); e.Code == engine.CodeInvalidField || e.Code == engine.CodeConflict {
			flagOf := map[string]string{"user": "--name", "name": "--full-name", "roles": "--role", "buildings": "--building"}[e.Field]
			if flagOf == "" {
				flagOf = e.Field
			}
			return fmt.Errorf("%s: %s", flagOf, e.Detail)
		}
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s) with roles %s\n", acc.ID, acc.Name, strings.Join(acc.Roles, ","))
	return nil
}
