// How long an unconfirmed booking waits for its e-mail confirmation.

/** Whole minutes left until expiresAt (at least 1 while time is left; 0 once it has passed). */
export function minutesLeft(expiresAt: string, now: Date = new Date()): number {
  const ms = Date.parse(expiresAt) - now.getTime();
  if (!Number.isFinite(ms) || ms <= 0) return 0;
  return Math.max(1, Math.round(ms / 60_000));
}
