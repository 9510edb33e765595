// Who is at this desk: sign-in, lock, PIN, the first setup, paired devices
// (kiosk, monitor) and the accounts the admin keeps. Part of the one API
// client; screens import it from ../api.

import { request } from './client';

const seg = encodeURIComponent;

/** The roles an account can hold (engine/account.go). */
export type Role = 'empfang' | 'sachbearbeitung' | 'leitung' | 'admin' | 'datenschutz';

/** Every role, in the order the forms list them. */
export const ROLES: readonly Role[] = ['empfang', 'sachbearbeitung', 'leitung', 'admin', 'datenschutz'];

/** The signed-in person. buildings [] means every building. */
export interface SessionUser {
  id: string;
  name: string;
  roles: Role[];
  buildings: string[];
  has_pin: boolean;
}

export type DeviceKind = 'kiosk' | 'monitor';

/** A paired device as its own session sees it. */
export interface SessionDevice {
  id: string;
  name: string;
  kind: DeviceKind;
  building: string;
}

/** GET /api/session: a person (locked or not) or a paired device. */
export interface Session {
  user?: SessionUser;
  device?: SessionDevice;
  locked: boolean;
  idle_lock_minutes?: number;
}

/** Who is here: 401 unauthenticated when nobody. */
export function getSession(): Promise<Session> {
  return request('GET', '/api/session');
}

/** 401 unauthenticated for a wrong user or password; 429 too_many_attempts (Retry-After). */
export function signIn(user: string, password: string): Promise<Session> {
  return request('POST', '/api/session', { user, password });
}

export function signOut(): Promise<void> {
  return request('DELETE', '/api/session');
}

export function lockSession(): Promise<Session> {
  return request('POST', '/api/session/lock', {});
}

/** With the password or the PIN; 401 (field "unlock") when wrong, 429 after too many. */
export function unlockSession(secret: { password: string } | { pin: string }): Promise<Session> {
  return request('POST', '/api/session/unlock', secret);
}

/** Sets the signed-in person's PIN (4 to 8 digits); "" removes it. */
export function setPin(pin: string): Promise<void> {
  return request('PUT', '/api/session/pin', { pin });
}

/** GET /api/setup: whether the first admin is still to be created. */
export async function setupRequired(): Promise<boolean> {
  return (await request<{ required: boolean }>('GET', '/api/setup')).required;
}

/** Creates the first admin with the code from the server console, and signs them in. 403 field "code" when wrong. */
export function setup(s: { code: string; user: string; name: string; password: string }): Promise<Session> {
  return request('POST', '/api/setup', s);
}

/** A kiosk or monitor as the admin sees it. Times RFC 3339; absent when not (yet) so. */
export interface Device {
  id: string;
  name: string;
  kind: DeviceKind;
  building: string;
  created_at?: string;
  paired_at?: string;
  revoked_at?: string;
  /** While the pairing code works. */
  pairing_expires_at?: string;
  /** Only in the answer of addDevice: shown once. */
  pairing_code?: string;
}

export async function listDevices(): Promise<Device[]> {
  return (await request<Device[] | null>('GET', '/api/devices')) ?? [];
}

/** The answer carries the pairing code, the only time it is shown. */
export function addDevice(d: { name: string; kind: DeviceKind; building: string }): Promise<Device> {
  return request('POST', '/api/devices', d);
}

export function revokeDevice(id: string): Promise<Device> {
  return request('POST', `/api/devices/${seg(id)}/revoke`, {});
}

/** Pairs this browser as the device the code belongs to (a long-lived cookie). 401 field "code" when unknown. */
export function pairDevice(code: string): Promise<Session> {
  return request('POST', '/api/devices/pair', { code });
}

/** An account as GET /api/accounts lists it. buildings [] means every building. */
export interface Account {
  id: string;
  user: string;
  name: string;
  roles: Role[];
  buildings: string[];
  disabled: boolean;
  has_pin: boolean;
}

export async function listAccounts(): Promise<Account[]> {
  return (await request<Account[] | null>('GET', '/api/accounts')) ?? [];
}

export function createAccount(a: { user: string; name: string; password: string; roles: Role[]; buildings: string[] }): Promise<Account> {
  return request('POST', '/api/accounts', a);
}

/** password "" keeps the password. */
export function updateAccount(
  id: string,
  a: { name: string; password: string; roles: Role[]; buildings: string[]; disabled: boolean },
): Promise<Account> {
  return request('PUT', `/api/accounts/${seg(id)}`, a);
}
