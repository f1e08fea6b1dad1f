const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration as milliseconds or a string such as `'500ms'`, `'30s'`, `'30m'`, `'12h'`, `'7d'`. */
export type Duration = number | string;

/** Parses a {@link Duration}; returns `undefined` when it is not a positive, finite duration. */
export function parseDuration(value: Duration): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 ? value : undefined;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]];
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}
