// The API of enrolled sites (issue 14): which sites belong to the cluster,
// inviting a new one, revoking one, the changes this site refused, and the
// cluster key. Part of the one API client (../api.ts): every call goes
// through its request(), so the error shape is handled in one place.

import { request } from './client';

/** How a site was revoked: its changes up to last_seq stay valid, none after. */
export interface SiteRevocation {
  last_seq: number;
  reason: string;
  /** RFC 3339. */
  at: string;
  /** User id. */
  by: string;
}

/** One enrolled site, as GET /api/sites lists it. */
export interface SiteRow {
  site: string;
  /** Building id it was enrolled for. */
  building: string;
  /** Its key's fingerprint, hex, already the short form for display. */
  fingerprint: string;
  /** RFC 3339. */
  enrolled_at: string;
  /** User id. */
  enrolled_by: string;
  /** The site whose invitation it used; "" for the founding site. */
  invited_by: string;
  /** Building ids whose home site it is. */
  home_of: string[] | null;
  revoked: SiteRevocation | null;
}

/** An invitation, pending or used; the token itself is shown only once, at creation. */
export interface SiteInvitation {
  site: string;
  building: string;
  created_at: string;
  created_by: string;
  expires_at: string;
  /** null until the site enrolled with it. */
  used_at: string | null;
}

/** A change from another site this site did not take, and why. */
export interface RefusedOp {
  origin: string;
  seq: number;
  kind: string;
  entity: string;
  author: string;
  at: string;
  reason: string;
}

/** The cluster's gossip keys: the fingerprint of the one in use and how many are installed. */
export interface GossipKeys {
  primary: string;
  count: number;
}

/** GET /api/sites */
export interface Sites {
  /** The founding site. */
  root: string;
  /** This site. */
  self: string;
  sites: SiteRow[];
  invitations: SiteInvitation[];
  refused: RefusedOp[];
  gossip_keys: GossipKeys;
}

/** Answer of POST /api/sites/invitations: the token is shown only now. */
export interface NewInvitation {
  token: string;
  expires_at: string;
  /** A ready `pforte serve --site … --building … --enroll TOKEN …` line for the new site. */
  command: string;
}

const seg = encodeURIComponent;

/** GET /api/sites, with absent lists as empty ones. */
export async function getSites(): Promise<Sites> {
  const s = await request<Partial<Sites>>('GET', '/api/sites');
  return {
    root: s.root ?? '',
    self: s.self ?? '',
    sites: (s.sites ?? []).map((r) => ({ ...r, home_of: r.home_of ?? [], revoked: r.revoked ?? null })),
    invitations: s.invitations ?? [],
    refused: s.refused ?? [],
    gossip_keys: s.gossip_keys ?? { primary: '', count: 0 },
  };
}

/** 201 the token, once; 400 naming the field (site name taken, unknown building). */
export function inviteSite(site: string, building: string): Promise<NewInvitation> {
  return request('POST', '/api/sites/invitations', { site, building });
}

/** Revokes a site: its changes up to lastSeq stay valid, none after. 200 the site row. */
export function revokeSite(site: string, lastSeq: number, reason: string): Promise<SiteRow> {
  return request('POST', `/api/sites/${seg(site)}/revoke`, { last_seq: lastSeq, reason });
}

/** Installs a new gossip key on every reachable site, switches to it and removes the old one. */
export function rotateClusterKey(): Promise<GossipKeys> {
  return request('POST', '/api/sites/rotate-key', {});
}
