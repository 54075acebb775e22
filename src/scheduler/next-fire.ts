/**
 * Next-fire computation for cron expressions in an IANA time zone, with explicit DST rules.
 *
 * The `cron` package is used as an exact wall-clock matcher only (evaluated in UTC, which has no
 * transitions); mapping wall-clock slots to instants is done here, segment by segment between
 * offset changes, because `cron`'s own zone handling is heuristic (it anchors on the offset of
 * 1 January, so southern-hemisphere zones differ, and it fires interval jobs such as
 * `30 * * * *` at the end of a spring-forward gap). The rules, after Vixie cron:
 *
 * - fixed-time jobs (minute and hour fields both without `*`): a slot inside a spring-forward gap
 *   fires once at the first valid instant after the gap; a repeated wall-clock slot at fall-back
 *   fires once, at its first occurrence;
 * - interval jobs (minute or hour field starting with `*`, e.g. `*\/10 * * * *`, `0 * * * *`):
 *   gap slots do not exist and are skipped; repeated slots fire in both passes, so the job keeps
 *   its rhythm through the repeated hour.
 */
import { CronTime } from 'cron';
import { assertTimeZone, zoneOffsetMs } from '../util/time-zone.js';

/** Thrown for a cron expression that cannot be parsed or never fires. */
export class CronExpressionError extends RangeError {
  readonly code = 'INVALID_CRON_EXPRESSION' as const;
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(
      `Invalid cron expression ${JSON.stringify(expression)}: ${reason}. ` +
        'Use 5 fields "minute hour day-of-month month day-of-week" (optionally a leading seconds field), ' +
        'e.g. "30 9 * * 1-5" for 09:30 on weekdays, or a preset such as "@daily".',
    );
    this.name = 'CronExpressionError';
  }
}

/** A parsed expression: the wall-clock matcher and its DST class. */
export interface CronSpec {
  readonly expression: string;
  /** True for interval jobs (minute or hour field starts with `*`), see the module comment. */
  readonly intervalLike: boolean;
  /** Next matching wall-clock time strictly after `wallMs` (wall clock encoded as UTC ms). */
  nextWallAfter(wallMs: number): number | null;
}

const INTERVAL_PRESETS = new Set(['@hourly', '@minutely', '@secondly']);
const specCache = new Map<string, CronSpec>();
const SPEC_CACHE_MAX = 500;
/** A week: offsets never change twice within one step in any zone fleepkit is meant for. */
const PROBE_STEP_MS = 7 * 24 * 3_600_000;
const MAX_SEGMENTS = 64;

/**
 * Parses and validates a cron expression (5 or 6 fields, or a preset such as `@daily`).
 * @throws CronExpressionError naming the expression and what is wrong with it.
 */
export function parseCron(expression: string): CronSpec {
  const cached = specCache.get(expression);
  if (cached) return cached;
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new CronExpressionError(String(expression), 'it is empty');
  }
  const source = expression.trim();
  let matcher: CronTime;
  try {
    matcher = new CronTime(source, 'UTC');
  } catch (error) {
    throw new CronExpressionError(expression, error instanceof Error ? error.message : String(error));
  }
  const spec: CronSpec = {
    expression: source,
    intervalLike: isIntervalLike(source),
    nextWallAfter(wallMs) {
      try {
        return matcher.getNextDateFrom(new Date(wallMs), 'UTC').toMillis();
      } catch {
        // cron gives up when nothing matches within 8 years (e.g. "0 0 30 2 *").
        return null;
      }
    },
  };
  if (specCache.size >= SPEC_CACHE_MAX) specCache.delete(specCache.keys().next().value as string);
  specCache.set(expression, spec);
  return spec;
}

function isIntervalLike(source: string): boolean {
  if (source.startsWith('@')) return INTERVAL_PRESETS.has(source.toLowerCase());
  const fields = source.split(/\s+/);
  const [minute, hour] = fields.length >= 6 ? [fields[1], fields[2]] : [fields[0], fields[1]];
  return Boolean(minute?.startsWith('*') || hour?.startsWith('*'));
}

/**
 * The first slot of `expression` in `timeZone` strictly after `afterEpochMs`, as epoch ms UTC,
 * or `null` when the expression has no slot in the next 8 years (e.g. `0 0 30 2 *`).
 * Pure and bounded: it never loops (at most {@link MAX_SEGMENTS} offset segments are walked).
 * @throws CronExpressionError / TimeZoneError for bad input.
 * @example
 * nextFire('30 3 * * *', 'Europe/Tallinn', Date.parse('2026-03-28T12:00:00Z'));
 * // → Date.parse('2026-03-29T01:00:00Z'): 03:30 falls in the gap, so 04:00 EEST
 */
export function nextFire(expression: string, timeZone: string, afterEpochMs: number): number | null {
  const spec = parseCron(expression);
  const zone = assertTimeZone(timeZone);
  if (!Number.isFinite(afterEpochMs)) throw new RangeError(`nextFire: afterEpochMs must be a finite epoch ms, got ${afterEpochMs}`);
  return nextFireOf(spec, zone, afterEpochMs);
}

/** {@link nextFire} for an already parsed expression and validated zone. */
export function nextFireOf(spec: CronSpec, zone: string, afterEpochMs: number): number | null {
  let segmentStart = afterEpochMs;
  let offset = zoneOffsetMs(zone, afterEpochMs);
  // Search walls strictly after this one; after a transition the bound becomes inclusive.
  let wallFloor = afterEpochMs + offset;
  let inclusive = false;
  for (let segment = 0; segment < MAX_SEGMENTS; segment++) {
    const wall = spec.nextWallAfter(inclusive ? wallFloor - 1 : wallFloor);
    if (wall === null) return null;
    const candidate = wall - offset;
    const transition = firstTransition(zone, segmentStart, offset, candidate);
    if (transition === undefined) return candidate;
    const after = zoneOffsetMs(zone, transition);
    if (after > offset) {
      // Spring forward: walls [transition+offset, transition+after) do not exist.
      const gapWall = spec.nextWallAfter(transition + offset - 1);
      if (!spec.intervalLike && gapWall !== null && gapWall < transition + after) return transition;
      wallFloor = transition + after;
    } else {
      // Fall back: walls [transition+after, transition+offset) happen a second time.
      wallFloor = spec.intervalLike ? transition + after : transition + offset;
    }
    inclusive = true;
    segmentStart = transition;
    offset = after;
  }
  throw new Error(`nextFire: no slot found for "${spec.expression}" in ${zone} within ${MAX_SEGMENTS} offset changes`);
}

/** First instant in (from, until] whose offset differs from `offset`, or undefined. */
function firstTransition(zone: string, from: number, offset: number, until: number): number | undefined {
  if (until <= from) return undefined;
  let low = from;
  let high: number | undefined;
  for (let probe = Math.min(from + PROBE_STEP_MS, until); ; probe = Math.min(probe + PROBE_STEP_MS, until)) {
    if (zoneOffsetMs(zone, probe) !== offset) {
      high = probe;
      break;
    }
    if (probe >= until) return undefined;
    low = probe;
  }
  // Invariant: offset(lo s) === offset, offset(hi s) !== offset; transitions fall on whole seconds.
  let lo = Math.floor(low / 1000);
  let hi = Math.floor((high ?? until) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetMs(zone, mid * 1000) === offset) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

/**
 * What is wrong with a cron expression, or undefined when it parses: for config schemas that
 * should refuse a bad schedule with the config's file and line rather than at start.
 * @example z.string().refine((v) => !cronProblem(v), { error: (iss) => cronProblem(String(iss.input)) })
 */
export function cronProblem(expression: string): string | undefined {
  try {
    parseCron(expression);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
