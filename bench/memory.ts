/**
 * Memory over time: 1,000,000 messages over 10,000 conversations through the fleepkit bench
 * bot (MemoryStore, fake client), reading the heap after a full GC every `step` messages and
 * the sizes of every Map/Set/array held by the bot's parts, so growth can be pinned on a
 * structure. Needs `--expose-gc` for exact heap readings.
 */
import { heapAfterGc } from './lib/stats.js';
import { makeWorkload } from './lib/workload.js';
import { recordsFor, startBenchBot } from './dispatch/fleepkit.js';

/** One point of the memory curve. */
export interface MemoryPoint {
  messages: number;
  heapMb: number;
}

/** Memory-over-time results. */
export interface MemoryReport {
  messages: number;
  conversations: number;
  curve: MemoryPoint[];
  /** Heap growth per message between the first and the last point (bytes). */
  growthBytesPerMsg: number;
  /** Collections that grew between the first and last point: `path: from → to` entries. */
  growing: Array<{ path: string; from: number; to: number }>;
}

type Sizes = Map<string, number>;

/** Sizes of the Maps, Sets and arrays reachable from `root` within `depth` property hops. */
export function collectionSizes(root: unknown, name: string, depth = 3, out: Sizes = new Map(), seen = new Set<unknown>()): Sizes {
  if (root === null || typeof root !== 'object' || seen.has(root)) return out;
  seen.add(root);
  if (root instanceof Map || root instanceof Set) out.set(name, root.size);
  else if (Array.isArray(root)) out.set(name, root.length);
  // Small maps are usually namespaces of other maps (the store's kv): look inside those.
  if (root instanceof Map && root.size <= 50 && depth > 0) for (const [key, value] of root) collectionSizes(value, `${name}[${String(key)}]`, depth - 1, out, seen);
  if (depth === 0 || root instanceof Map || root instanceof Set || Array.isArray(root)) return out;
  for (const [key, value] of Object.entries(root)) collectionSizes(value, `${name}.${key}`, depth - 1, out, seen);
  return out;
}

/** Runs the memory benchmark. */
export async function runMemory(options: { messages?: number; conversations?: number; step?: number; inFlight?: number; log?: (line: string) => void } = {}): Promise<MemoryReport> {
  const total = options.messages ?? 1_000_000;
  const conversations = options.conversations ?? 10_000;
  const step = options.step ?? 100_000;
  const b = await startBenchBot('memory', options.inFlight ?? 100);
  const roots = { bot: b.bot as unknown };
  const curve: MemoryPoint[] = [{ messages: 0, heapMb: heapAfterGc() / 2 ** 20 }];
  const startNr = new Map<number, number>();
  let first: Sizes | undefined;
  let last: Sizes = new Map();
  try {
    for (let done = 0; done < total; ) {
      const n = Math.min(step, total - done);
      let records = recordsFor(makeWorkload(n, conversations, 1000 + done), startNr);
      await b.process({ length: records.length, at: (i) => records[i]! }, options.inFlight ?? 100);
      records = [];
      done += n;
      curve.push({ messages: done, heapMb: heapAfterGc() / 2 ** 20 });
      last = collectionSizes(roots.bot, 'bot');
      first ??= last;
      options.log?.(`memory ${done} messages: heap ${curve.at(-1)!.heapMb.toFixed(1)} MB`);
    }
  } finally {
    await b.close();
  }
  const growing = [...last.entries()]
    .map(([path, to]) => ({ path, from: first?.get(path) ?? 0, to }))
    .filter((g) => g.to > g.from && g.to >= 1000)
    .sort((x, y) => y.to - y.from - (x.to - x.from))
    .slice(0, 10);
  const a = curve[1] ?? curve[0]!;
  const z = curve.at(-1)!;
  return {
    messages: total,
    conversations,
    curve,
    growthBytesPerMsg: z.messages > a.messages ? ((z.heapMb - a.heapMb) * 2 ** 20) / (z.messages - a.messages) : 0,
    growing,
  };
}
