// The API of capacity tokens and allotments (engine/token.go): which share
// of an escrowed building's places each site owns, and can book while cut
// off from the others. Part of the one API client (api.ts), kept beside it
// so neither file grows past a screenful of screens.

import { query, request } from './api';

/** One building's allotment settings, as GET /api/allotments lists them. */
export interface BuildingAllotment {
  id: string;
  name: string;
  /** The site that owns the building's tokens unless it dealt them out (the effective one); "" for none (no tokens). */
  home_site: string;
  /**
   * true: nobody chose the home site and home_site is the default: the
   * building's first site, or without a site of its own the cluster's
   * first. Absent on older servers.
   */
  home_site_default?: boolean;
  /** Percent of the tokens per other site; the home site keeps the rest. */
  allotments: Record<string, number>;
  /** Block length of a place token, minutes. */
  token_minutes: number;
}

/** GET /api/allotments */
export interface Allotments {
  /** This site. */
  site: string;
  /** The sites to choose from: this one, the others it knows, and those already named. */
  sites: string[];
  buildings: BuildingAllotment[];
}

/** Body of PUT /api/buildings/{id}/allotments; a field left out keeps its value. */
export interface AllotmentUpdate {
  home_site?: string;
  allotments?: Record<string, number>;
  token_minutes?: number;
}

/** GET /api/tokens/summary: what this site may still book of a building's day. */
export interface TokenSummary {
  building: string;
  day: string;
  escrowed: boolean;
  /** Places (grid steps of one counter) on tokens this site owns. */
  owned_places: number;
  /** Of those, the ones nothing holds. */
  free_places: number;
  /** Day tickets this site may still issue. */
  tickets: number;
}

export async function getAllotments(): Promise<Allotments> {
  const a = await request<Allotments>('GET', '/api/allotments');
  return { ...a, sites: a.sites ?? [], buildings: a.buildings ?? [] };
}

export function saveAllotments(building: string, u: AllotmentUpdate): Promise<BuildingAllotment> {
  return request('PUT', `/api/buildings/${encodeURIComponent(building)}/allotments`, u);
}

export function getTokenSummary(building: string, day: string): Promise<TokenSummary> {
  return request('GET', `/api/tokens/summary${query({ building, day })}`);
}
