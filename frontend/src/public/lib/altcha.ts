// The ALTCHA payload as the server reads it. Widget v3 answers a v1
// challenge with base64 JSON {algorithm, challenge, number, salt,
// signature, took}, where `took` (milliseconds) may be fractional
// ("took":987.2); a server that reads it as an integer refuses the whole
// payload. The time is informational only, so it is sent whole.

/** The payload with `took` rounded to whole milliseconds; anything unreadable unchanged. */
export function normalizePayload(b64: string): string {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(atob(b64));
  } catch {
    return b64;
  }
  if (!data || typeof data !== 'object' || typeof data.took !== 'number' || Number.isInteger(data.took)) return b64;
  return btoa(JSON.stringify({ ...data, took: Math.round(data.took) }));
}
