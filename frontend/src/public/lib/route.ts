// The pages are addressed by the hash, so the token never reaches a server
// log and no server-side fallback is needed under /buchen/.

export type Route =
  | { page: 'flow' }
  | { page: 'booking'; token: string }
  | { page: 'confirm'; token: string }
  | { page: 'cancel'; token: string };

/** "#/termin/abc" → { page: 'booking', token: 'abc' }; anything unknown is the booking flow. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '');
  const [head, ...rest] = path.split('/');
  const token = decodeURIComponent(rest.join('/')).trim();
  if (token) {
    if (head === 'termin') return { page: 'booking', token };
    if (head === 'bestaetigen') return { page: 'confirm', token };
    if (head === 'absagen') return { page: 'cancel', token };
  }
  return { page: 'flow' };
}

export function hrefFor(route: Route): string {
  switch (route.page) {
    case 'flow':
      return '#/';
    case 'booking':
      return `#/termin/${encodeURIComponent(route.token)}`;
    case 'confirm':
      return `#/bestaetigen/${encodeURIComponent(route.token)}`;
    case 'cancel':
      return `#/absagen/${encodeURIComponent(route.token)}`;
  }
}
