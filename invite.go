package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"time"
)

// invite signs in to a running site as an admin and asks it for an
// invitation, the way the Standorte screen does, and prints the token:
//
//	pforte serve … --enroll "$(pforte invite --url http://127.0.0.1:8080 --user admin --site s2 --building rathaus-1)"
//
// The password comes from PFORTE_PASSWORD or the first line of standard
// input, never from the command line.
func invite(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "the running site that invites")
	user := fs.String("user", "", "an admin's user name")
	site := fs.String("site", "", "the name of the new site")
	building := fs.String("building", "", "the building the new site stands in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for name, v := range map[string]string{"--user": *user, "--site": *site, "--building": *building} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%s is required", name)
		}
	}
	password := os.Getenv("PFORTE_PASSWORD")
	if password == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		return errors.New("password: give it on standard input or in PFORTE_PASSWORD")
	}
	base := strings.TrimRight(*url, "/")
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	post := func(path string, body any, out any) error {
		b, _ := json.Marshal(body)
		req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base) // the server's own origin, as its pages send
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode/100 != 2 {
			var e struct {
				Error struct{ Message string } `json:"error"`
			}
			json.Unmarshal(data, &e)
			return fmt.Errorf("%s: %s %s", path, resp.Status, e.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(data, out)
		}
		return nil
	}
	if err := post("/api/session", map[string]string{"user": *user, "password": password}, nil); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	var answer struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	if err := post("/api/sites/invitations", map[string]string{"site": *site, "building": *building}, &answer); err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	fmt.Fprintln(stdout, answer.Token)
	fmt.Fprintf(stderr, "invitation for %s (%s), valid once until %s\n", *site, *building, answer.ExpiresAt)
	return nil
}
