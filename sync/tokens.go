package sync

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A token request asks another site to transfer capacity tokens it owns
// (engine/token.go) to this one, over the same authenticated channel as
// the sessions: a connection whose first frame is a request, not a hello.
//
//	requester: tokens {site, tokens}
//	owner:     tokens-ok {seq}  — the transfer is written, up to seq
//	       or: tokens-err {error}
//
// The owner writes the transfer (only it may) and answers; the requester
// then runs a session with the owner at once, so the transfer arrives
// within one round trip more.
const (
	msgTokens    = "tokens"
	msgTokensOK  = "tokens-ok"
	msgTokensErr = "tokens-err"
	// maxRequestTokens bounds one request: a booking needs a few.
	maxRequestTokens = 64
)

// TokenHandler writes the transfer of tokens (Token.String form) to the
// requesting site and returns this site's seq after it.
type TokenHandler func(ctx context.Context, from string, tokens []string) (uint64, error)

// ErrTokensRefused: the owner did not transfer the tokens.
var ErrTokensRefused = errors.New("sync: tokens not transferred")

// RequestTokens asks the site at addr (Membership.PeerSyncAddr, or
// AddrOf) for tokens and, once it has written the transfer, syncs with it
// so that the transfer is applied here when RequestTokens returns.
func (n *Node) RequestTokens(ctx context.Context, addr string, tokens []string) error {
	if len(tokens) == 0 || len(tokens) > maxRequestTokens {
		return fmt.Errorf("%w: %d tokens (1..%d)", ErrTokensRefused, len(tokens), maxRequestTokens)
	}
	if addr == "" {
		return fmt.Errorf("%w: no address known for the site", ErrTokensRefused)
	}
	if err := n.askTokens(ctx, addr, tokens); err != nil {
		return err
	}
	_, err := n.SyncWith(ctx, addr)
	return err
}

// askTokens sends one request and reads the answer. The owner must be an
// enrolled site; it answers in the name of the site whose key this one
// proved, whatever a request says.
func (n *Node) askTokens(ctx context.Context, addr string, tokens []string) error {
	fc, closeConn, _, err := n.dialEnrolled(ctx, addr)
	if err != nil {
		return err
	}
	defer closeConn()
	if err := writeMessage(fc, message{Type: msgTokens, V: protocolVersion, Site: n.cfg.Log.Site(), Tokens: tokens}); err != nil {
		return err
	}
	m, err := readMessage(fc)
	if err != nil {
		return fmt.Errorf("token request to %s: %w", addr, err)
	}
	switch m.Type {
	case msgTokensOK:
		return nil
	case msgTokensErr:
		return fmt.Errorf("%w: %s", ErrTokensRefused, m.Error)
	}
	return fmt.Errorf("%w: answer %q to a token request", ErrProtocol, m.Type)
}

// dialEnrolled dials addr and checks that the peer is an enrolled site;
// it returns the frames, a func that closes the connection, and the
// peer's site. The context's deadline, if any, bounds the connection.
func (n *Node) dialEnrolled(ctx context.Context, addr string) (*frameConn, func(), string, error) {
	tc, _, site, err := n.dialPeer(ctx, addr)
	if err != nil {
		return nil, nil, site, err
	}
	if d, ok := ctx.Deadline(); ok {
		tc.SetDeadline(d)
	}
	return newFrameConn(tc, n.cfg.IdleTimeout), func() { tc.Close() }, site, nil
}

// answerTokens serves a request read as the first frame of a connection
// from site, the enrolled site that proved its key: the transfer goes to
// it, never to a site a request names.
func (n *Node) answerTokens(ctx context.Context, fc *frameConn, site string, req *message) {
	answer := message{Type: msgTokensOK}
	switch {
	case n.cfg.Tokens == nil:
		answer = message{Type: msgTokensErr, Error: "this site hands out no tokens"}
	case req.Site != "" && req.Site != site:
		answer = message{Type: msgTokensErr, Error: fmt.Sprintf("a token request names site %q, the key is %q's", req.Site, site)}
		n.log.Warn("sync: refused a token request in another site's name", "site", site, "names", req.Site)
	case len(req.Tokens) == 0 || len(req.Tokens) > maxRequestTokens:
		answer = message{Type: msgTokensErr, Error: fmt.Sprintf("%d tokens (1..%d)", len(req.Tokens), maxRequestTokens)}
	default:
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := n.cfg.Tokens(ctx, site, req.Tokens); err != nil {
			answer = message{Type: msgTokensErr, Error: err.Error()}
			n.log.Info("sync: token request refused", "site", site, "tokens", len(req.Tokens), "err", err)
		} else {
			n.log.Info("sync: tokens transferred", "site", site, "tokens", len(req.Tokens))
		}
	}
	writeMessage(fc, answer)
}

// AddrOf returns the data-plane address of a site this node has had a
// session with, else "".
func (n *Node) AddrOf(site string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	for addr, p := range n.status {
		if p.Site == site && p.Addr != "" && !n.self[addr] {
			return addr
		}
	}
	return ""
}
