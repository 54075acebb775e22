/**
 * Text for people: names, ages and task lists. Everything here is plain text; the reply API
 * escapes it, so task text typed by users shows literally.
 */
import ms from 'ms';
import type { People } from './rules.js';
import type { TrackedTask } from './tracker.js';

/** A person's display name (falls back to their address, then the id). */
export function nameOf(people: People, accountId: string): string {
  const c = people.get(accountId);
  return c?.displayName || c?.fleepAddress || accountId;
}

/** `Bob, Carol` or `nobody`. */
export function namesOf(people: People, ids: readonly string[]): string {
  return ids.length === 0 ? 'nobody' : ids.map((id) => nameOf(people, id)).join(', ');
}

/** A short age such as `5m`, `3h`, `2d`. */
export function age(now: number, since: number): string {
  const d = Math.max(0, now - since);
  return d < 60_000 ? 'just now' : ms(d);
}

/** `5m ago`, or `just now`. */
export function ago(now: number, since: number): string {
  const a = age(now, since);
  return a === 'just now' ? a : `${a} ago`;
}

/** One line per open task: `#12 fix the build — Bob · 3h`. */
export function taskLines(tasks: readonly TrackedTask[], people: People, now: number): string[] {
  return tasks.map((t) => `#${t.nr} ${t.text} — ${namesOf(people, t.assigneeIds)} · ${age(now, t.createdAt)}`);
}

/** The `!tasks` and digest text for one conversation. */
export function taskList(title: string, tasks: readonly TrackedTask[], people: People, now: number): string {
  if (tasks.length === 0) return `${title}: none. 🎉`;
  return [`${title} (${tasks.length}):`, ...taskLines(tasks, people, now)].join('\n');
}
