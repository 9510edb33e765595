// Hash routing (#/empfang): works under the Go file server and Wails' asset
// server alike, because the server only ever sees "/".

export const DEFAULT_ROUTE = 'empfang';

/** The desk's settings (printers); the print buttons link there when no printer is set. */
export const SETTINGS_ROUTE = 'einstellungen';

/**
 * Screens for the public: the check-in terminal and the call-up monitor.
 * They show no navigation, so a citizen cannot wander into the desks' screens.
 */
export const KIOSK_ROUTES: readonly string[] = ['checkin', 'aufruf'];

/** The route name of a location hash: "#/empfang?x=1" → "empfang"; "" for none. */
export function routeOf(hash: string): string {
  const path = hash.replace(/^#\/?/, '').split(/[?#]/)[0];
  return decodeURIComponent(path.split('/')[0] ?? '').toLowerCase();
}

/** The query of a location hash: "#/aufruf?building=rathaus-2" → building=rathaus-2. */
export function paramsOf(hash: string): URLSearchParams {
  const i = hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : hash.slice(i + 1).split('#')[0]);
}

export function hrefOf(route: string): string {
  return `#/${route}`;
}

export function isKiosk(route: string): boolean {
  return KIOSK_ROUTES.includes(route);
}
