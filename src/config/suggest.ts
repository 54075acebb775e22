/** "Did you mean …?" for typos in keys, plugin names and time zones. */
import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate nearest to `word`, when it is close enough to be a likely typo
 * (case-insensitive; at most 2 edits, or a third of the word's length for long words).
 * @example suggest('prefx', ['prefix', 'timezone']) // 'prefix'
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || word.length === 0) return undefined;
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const lowered = candidates.map((c) => c.toLowerCase());
  const best = closest(lower, lowered);
  const limit = Math.max(2, Math.floor(word.length / 3));
  if (distance(lower, best) > limit) return undefined;
  return candidates[lowered.indexOf(best)];
}
