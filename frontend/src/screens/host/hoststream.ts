// The host's stream: `visit` and `visit-hint` events on one connection.
// Like lib/stream.ts followStream (which follows one event name), with the
// same reconnection after an error status.
import { query, type EventStream, type Visit } from '../../lib/api';
import type { VisitHint } from './hints';

export function followHostStream(
  host: string,
  on: { visit: (v: Visit) => void; hint: (h: VisitHint) => void; open?: () => void },
  retryMs = 3000,
): EventStream {
  const url = `/api/visits/stream${query({ host })}`;
  let es: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const listen = <T>(name: string, fn: (v: T) => void) =>
    es?.addEventListener(name, (e) => {
      try {
        fn(JSON.parse((e as MessageEvent<string>).data) as T);
      } catch {
        // A malformed event is skipped; the next list load repairs the view.
      }
    });

  const connect = () => {
    if (closed) return;
    es = new EventSource(url);
    es.onopen = () => on.open?.();
    listen('visit', on.visit);
    listen('visit-hint', on.hint);
    es.onerror = () => {
      if (es?.readyState === EventSource.CLOSED) {
        es.close();
        es = null;
        timer = setTimeout(connect, retryMs);
      }
    };
  };
  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      es?.close();
    },
  };
}
