package app

import (
	"bytes"
	"context"
	"time"

	"pforte/engine"
	psync "pforte/sync"
)

// followKeyring: a site that was away while the cluster key was rotated
// no longer reads the gossip (every other site sees it failed, it sees
// them failed), but it still reaches the data channel with its own
// identity. Every keyringCheck, while Serf shows no other site alive, it
// asks a site it has synced with (or a seed) for the gossip keys, and
// when they differ from its own, installs them, keeps the new key for its
// next start and joins again.
const keyringCheck = 15 * time.Second

func (a *App) followKeyring() {
	if a.members == nil || a.sync == nil || a.members.Keys() == nil {
		return
	}
	n, m := a.sync, a.members // Close clears the fields before it waits for a.bg
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		t := time.NewTicker(keyringCheck)
		defer t.Stop()
		for {
			select {
			case <-a.done:
				return
			case <-t.C:
				a.checkKeyring(n, m)
			}
		}
	}()
}

func (a *App) checkKeyring(n *psync.Node, m *psync.Membership) {
	for _, p := range m.Peers() {
		if p.Status == "alive" {
			return // the gossip reads: the key is current
		}
	}
	var addrs []string
	for _, st := range n.Status() {
		if st.Addr != "" && st.Site != "" {
			addrs = append(addrs, st.Addr)
		}
	}
	addrs = append(addrs, a.cfg.SyncSeeds...)
	mine := m.Keys()
	for _, addr := range addrs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		keys, err := n.FetchKeyring(ctx, addr)
		cancel()
		if err != nil || len(keys) == 0 {
			continue
		}
		if bytes.Equal(keys[0], mine[0]) {
			return // same key: the others are away, not rotated
		}
		if err := m.InstallKeys(keys); err != nil {
			a.log.Error("install the cluster's new gossip key", "err", err)
			return
		}
		a.keepKeyring(keys)
		n := m.Rejoin()
		a.log.Warn("the cluster key was rotated while this site was away: took the new one over the data channel",
			"primary", engine.Fingerprint(keys[0]), "from", addr, "rejoined", n)
		return
	}
}
