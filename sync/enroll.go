package sync

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// Enrollment: a new site joins with an invitation an admin made at a site
// already in the cluster. The invitation's token (app/sites.go) names that
// site's data-plane address and public key and carries a one-time secret:
//
//	new site: enroll {site, building, secret}   (TLS with its own key; the
//	                                             inviter's key is pinned)
//	inviter:  enrolled {root, root_key, gossip_keys}
//	      or: enroll-err {error}
//
// The inviter checks the invitation and writes the site.enrolled op with
// the key the new site proved in the handshake; the new site records the
// root and runs its first session with the inviter, which brings it the
// enrollments of every site.
//
// An enrolled site may also ask for the gossip keys (keyring {}): a site
// that was offline while the cluster key was rotated cannot gossip any
// more, but still reaches the data plane with its own identity.
const (
	msgEnroll     = "enroll"
	msgEnrolled   = "enrolled"
	msgEnrollErr  = "enroll-err"
	msgKeyring    = "keyring"
	msgKeyringAns = "keyring-ok"
)

// Timeouts of an enrollment, the same as a session's defaults.
const (
	defaultHandshake = 10 * time.Second
	defaultIdle      = 30 * time.Second
)

// EnrollRequest is what a new site asks with.
type EnrollRequest struct {
	Site     string
	Building string
	Secret   []byte
	Key      ed25519.PublicKey // proved in the handshake
}

// EnrollAnswer is what the inviting site answers.
type EnrollAnswer struct {
	Root       string
	RootKey    ed25519.PublicKey
	GossipKeys [][]byte // primary first
}

// EnrollHandler redeems an invitation: it writes the enrollment or says
// why not.
type EnrollHandler func(ctx context.Context, req EnrollRequest) (EnrollAnswer, error)

// ErrEnrollRefused: the inviting site did not enroll this one.
var ErrEnrollRefused = errors.New("sync: enrollment refused")

// Enroll asks the site at addr, whose key must be inviter, to enroll this
// site (identity) with an invitation's secret.
func Enroll(ctx context.Context, addr string, inviter ed25519.PublicKey, identity ed25519.PrivateKey,
	site, building string, secret []byte) (EnrollAnswer, error) {
	id, err := newSiteIdentity(identity)
	if err != nil {
		return EnrollAnswer{}, err
	}
	d := net.Dialer{Timeout: defaultHandshake}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return EnrollAnswer{}, fmt.Errorf("enroll at %s: %w", addr, err)
	}
	tc := tls.Client(raw, id.tlsConfig())
	defer tc.Close()
	if err := handshake(ctx, tc, defaultHandshake); err != nil {
		return EnrollAnswer{}, fmt.Errorf("enroll at %s: %w", addr, err)
	}
	if !peerKey(tc).Equal(inviter) {
		return EnrollAnswer{}, fmt.Errorf("%w: the site at %s is not the one that made the invitation (another key)", ErrEnrollRefused, addr)
	}
	if d, ok := ctx.Deadline(); ok {
		tc.SetDeadline(d)
	}
	fc := newFrameConn(tc, defaultIdle)
	if err := writeMessage(fc, message{Type: msgEnroll, V: protocolVersion, Site: site, Building: building, Secret: secret}); err != nil {
		return EnrollAnswer{}, err
	}
	m, err := readMessage(fc)
	if err != nil {
		return EnrollAnswer{}, fmt.Errorf("enroll at %s: %w", addr, err)
	}
	switch m.Type {
	case msgEnrolled:
		if m.Root == "" || len(m.RootKey) != ed25519.PublicKeySize {
			return EnrollAnswer{}, fmt.Errorf("%w: the answer names no root", ErrProtocol)
		}
		return EnrollAnswer{Root: m.Root, RootKey: m.RootKey, GossipKeys: m.GossipKeys}, nil
	case msgEnrollErr:
		return EnrollAnswer{}, fmt.Errorf("%w: %s", ErrEnrollRefused, m.Error)
	}
	return EnrollAnswer{}, fmt.Errorf("%w: answer %q to an enrollment", ErrProtocol, m.Type)
}

// answerEnroll serves an enrollment from a key that is not enrolled.
func (n *Node) answerEnroll(ctx context.Context, fc *frameConn, key ed25519.PublicKey, req *message) {
	if n.cfg.Enroll == nil {
		writeMessage(fc, message{Type: msgEnrollErr, Error: "this site takes no enrollments"})
		return
	}
	ans, err := n.cfg.Enroll(ctx, EnrollRequest{Site: req.Site, Building: req.Building, Secret: req.Secret, Key: key})
	if err != nil {
		n.log.Warn("sync: enrollment refused", "site", req.Site, "building", req.Building, "err", err)
		writeMessage(fc, message{Type: msgEnrollErr, Error: err.Error()})
		return
	}
	n.log.Info("sync: site enrolled", "site", req.Site, "building", req.Building)
	writeMessage(fc, message{Type: msgEnrolled, Root: ans.Root, RootKey: ans.RootKey, GossipKeys: ans.GossipKeys})
}

// FetchKeyring asks the enrolled site at addr for the gossip keys.
func (n *Node) FetchKeyring(ctx context.Context, addr string) ([][]byte, error) {
	fc, closeConn, _, err := n.dialEnrolled(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer closeConn()
	if err := writeMessage(fc, message{Type: msgKeyring, V: protocolVersion, Site: n.cfg.Log.Site()}); err != nil {
		return nil, err
	}
	m, err := readMessage(fc)
	if err != nil {
		return nil, err
	}
	if m.Type != msgKeyringAns {
		return nil, fmt.Errorf("%w: answer %q to a keyring request: %s", ErrProtocol, m.Type, m.Error)
	}
	return m.GossipKeys, nil
}

// answerKeyring hands the gossip keys to an enrolled site.
func (n *Node) answerKeyring(fc *frameConn, site string) {
	if n.cfg.Keyring == nil {
		writeMessage(fc, message{Type: msgEnrollErr, Error: "this site keeps no gossip keys"})
		return
	}
	n.log.Info("sync: gossip keys handed to an enrolled site", "site", site)
	writeMessage(fc, message{Type: msgKeyringAns, GossipKeys: n.cfg.Keyring()})
}
