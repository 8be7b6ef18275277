// UTC offset of an IANA time zone at a given instant, via Intl (ICU's tz data).
//
// Intl calls cost microseconds, far too slow per row, so offsets are cached
// per 15-minute bucket of UTC time: if the offset is the same at both ends of
// a bucket we assume no transition inside it (real zones never have two
// transitions within 15 minutes); otherwise the exact instant is asked.

const BUCKET_SECONDS = 900;
const MAX_CACHE = 50_000;
// JS Date covers +-8.64e15 ms; PostgreSQL timestamps go further (to 294276 AD).
// Beyond that, the offset at the edge is used (zone rules are periodic by then).
const MAX_EPOCH_SECONDS = 8.64e12;

const UTC_NAMES = new Set(['UTC', 'ETC/UTC', 'GMT', 'ETC/GMT', 'UCT', 'ETC/UCT', 'Z', 'ZULU', 'ETC/ZULU', 'UNIVERSAL', 'ETC/UNIVERSAL', 'GMT0', 'ETC/GMT0', 'GREENWICH', 'ETC/GREENWICH']);

/** True if `timeZone` is a spelling of UTC (the fast path that needs no lookups). */
export function isUtcZone(timeZone: string): boolean {
  return UTC_NAMES.has(timeZone.toUpperCase());
}

/** Offset in seconds east of UTC at the instant `epochSeconds`. */
export type OffsetLookup = (epochSeconds: number) => number;

/**
 * Build an offset lookup for an IANA zone name. Throws RangeError for a zone
 * Intl does not know — validate SET TimeZone with this before accepting it.
 */
export function makeOffsetLookup(timeZone: string): OffsetLookup {
  if (isUtcZone(timeZone)) return () => 0;
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const exact = (sec: number): number => {
    const clamped = sec > MAX_EPOCH_SECONDS ? MAX_EPOCH_SECONDS : sec < -MAX_EPOCH_SECONDS ? -MAX_EPOCH_SECONDS : sec;
    const parts = fmt.formatToParts(clamped * 1000);
    for (const p of parts) if (p.type === 'timeZoneName') return parseGmtOffset(p.value);
    return 0;
  };
  const cache = new Map<number, number>();
  return (sec: number): number => {
    const bucket = Math.floor(sec / BUCKET_SECONDS);
    let v = cache.get(bucket);
    if (v === undefined) {
      const a = exact(bucket * BUCKET_SECONDS);
      const b = exact(bucket * BUCKET_SECONDS + BUCKET_SECONDS - 1);
      // NaN marks "transition inside this bucket: ask per instant".
      v = a === b ? a : NaN;
      if (cache.size >= MAX_CACHE) cache.clear();
      cache.set(bucket, v);
    }
    return v === v ? v : exact(sec);
  };
}

/** "GMT", "GMT+05:30", "GMT-00:44:30" -> seconds east of UTC. */
function parseGmtOffset(s: string): number {
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/.exec(s);
  if (m === null || m[1] === undefined) return 0;
  const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -secs : secs;
}
