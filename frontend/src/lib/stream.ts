// Following a server-sent event stream that survives server restarts.

export interface EventStream {
  close(): void;
}

/** What to do with each event name's data, parsed as JSON. */
// `never` lets a handler for any one type stand in the map.
export type EventHandlers = Record<string, (data: never) => void>;

/**
 * Follows url (server-sent events) and hands every `event: <name>` named in
 * events to its handler, parsed as JSON. EventSource retries by itself after
 * a dropped connection, but gives up for good when the server answers with
 * an error status (restart, proxy): then a new one is opened after
 * `retryMs`. onopen runs on every (re)connection, so the caller can fetch
 * what it missed.
 */
export function followEvents(
  url: string,
  events: EventHandlers,
  on: { open?: () => void; down?: () => void } = {},
  retryMs = 3000,
): EventStream {
  let es: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const connect = () => {
    if (closed) return;
    es = new EventSource(url);
    es.onopen = () => on.open?.();
    for (const [name, handle] of Object.entries(events)) {
      es.addEventListener(name, (e) => {
        try {
          (handle as (data: unknown) => void)(JSON.parse((e as MessageEvent<string>).data));
        } catch {
          // A malformed event is skipped; the next list load repairs the view.
        }
      });
    }
    es.onerror = () => {
      on.down?.();
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

/** followEvents for one event name. */
export function followStream<T>(
  url: string,
  name: string,
  on: { event: (v: T) => void; open?: () => void; down?: () => void },
  retryMs = 3000,
): EventStream {
  return followEvents(url, { [name]: on.event }, on, retryMs);
}
