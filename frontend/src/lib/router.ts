// Hash routing (#/empfang): works under the Go file server and Wails' asset
// server alike, because the server only ever sees "/".

export const DEFAULT_ROUTE = 'empfang';

/** The route name of a location hash: "#/empfang?x=1" → "empfang"; "" for none. */
export function routeOf(hash: string): string {
  const path = hash.replace(/^#\/?/, '').split(/[?#]/)[0];
  return decodeURIComponent(path.split('/')[0] ?? '').toLowerCase();
}

export function hrefOf(route: string): string {
  return `#/${route}`;
}
