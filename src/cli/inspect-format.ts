/**
 * The human form of an {@link InspectReport}: short sections with aligned columns. Times are
 * ISO 8601 in UTC (with their `Z`), ages are rounded durations.
 */
import type { InspectReport } from './inspect-report.js';

/** Rows shown per section; the JSON form (`--json`) always has everything. */
const MAX_ROWS = 50;

/** Renders the report as text. */
export function formatReport(r: InspectReport): string {
  const out: string[] = [`fleepkit inspect: ${r.source}, ${iso(r.at)}`, ''];
  const cursor = r.cursor.live === null ? `${r.cursor.stored ?? 'none (never started)'}` : `${r.cursor.live} (stored ${r.cursor.stored ?? 'none'})`;
  out.push(`Cursor        ${cursor}`);
  if (r.poll) {
    const state = !r.poll.running ? 'not running' : r.poll.polling ? 'a poll is held open' : 'no poll in flight';
    const last = r.poll.lastAnswerAt === null ? 'no answer yet' : `last answer ${age(r.at - r.poll.lastAnswerAt)} ago`;
    out.push(`Poll lag      ${age(r.poll.lagMs)} (${state}; ${last})`);
  } else {
    out.push('Poll lag      unknown: read from the store, no running bot answered (its HTTP port gives it)');
  }
  if (r.leases.length === 0) out.push('Poller lease  none held');
  for (const l of r.leases) {
    out.push(`Poller lease  ${l.owner} for account ${l.account}, ${l.live ? `until ${iso(l.expiresAt)}` : `expired ${age(r.at - l.expiresAt)} ago`}`);
  }

  out.push('', `Outbox: ${r.outbox.pending} pending${r.outbox.oldestAgeMs === null ? '' : `, oldest ${age(r.outbox.oldestAgeMs)}`}`);
  if (r.outbox.conversations.length > 0) {
    out.push(
      ...table(
        ['CONVERSATION', 'PENDING', 'OLDEST', 'ATTEMPTS', 'RETRY AT'],
        r.outbox.conversations.map((c) => [c.conversationId, String(c.pending), age(c.oldestAgeMs), String(c.attempts), c.retryAt === null ? '-' : iso(c.retryAt)]),
      ),
    );
  }

  out.push('', `Dead letters: ${r.deadLetters.length}`);
  if (r.deadLetters.length > 0) {
    out.push(...table(['ID', 'KIND', 'AGE', 'WHAT', 'REASON'], r.deadLetters.map((d) => [d.id, d.kind, age(r.at - d.at), d.summary, d.reason])));
    out.push('  --retry ID sends an effect again (same client_req_id) or re-runs a job slot; --drop ID forgets one. Events cannot be retried, only dropped.');
  }

  out.push('', `Jobs and reminders: ${r.jobs.length}`);
  if (r.jobs.length > 0) {
    out.push(
      ...table(
        ['ID', 'KIND', 'NEXT', 'SCHEDULE', 'CONVERSATION'],
        r.jobs.map((j) => [j.id, j.kind, j.nextFireAt === null ? 'finished' : iso(j.nextFireAt), `${j.schedule} (${j.tz})`, j.conversationId ?? '-']),
      ),
    );
    if (r.jobs.some((j) => j.cancellable)) out.push('  --cancel ID cancels a reminder; cron jobs are declared in code and change there.');
  }
  return out.join('\n') + '\n';
}

function table(head: string[], rows: string[][]): string[] {
  const shown = rows.slice(0, MAX_ROWS);
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...shown.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]): string =>
    '  ' +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : fit(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [line(head), ...shown.map(line)];
  if (rows.length > shown.length) lines.push(`  … and ${rows.length - shown.length} more (--json lists all)`);
  return lines;
}

/** A cell padded to `width`, or cut with an ellipsis (`--json` has the whole value). */
function fit(cell: string, width: number): string {
  return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
}

/** An ISO 8601 instant in UTC, to the second. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A duration rounded to its largest unit: `850ms`, `12s`, `4m`, `3h`, `2d`. */
export function age(ms: number): string {
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)}ms`;
  if (v < 60_000) return `${Math.round(v / 1000)}s`;
  if (v < 3_600_000) return `${Math.round(v / 60_000)}m`;
  if (v < 86_400_000) return `${Math.round(v / 3_600_000)}h`;
  return `${Math.round(v / 86_400_000)}d`;
}
