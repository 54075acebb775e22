/**
 * Where the bytes go: runs the fleepkit dispatch bench under V8's sampling heap profiler,
 * counting objects that were collected too (so it shows allocation, not retention), and prints
 * the top allocating functions. `node --import tsx bench/lib/alloc-profile.ts [n] [inFlight]`.
 */
import { Session } from 'node:inspector/promises';
import { fleepkitBench } from '../dispatch/fleepkit.js';
import { makeWorkload } from './workload.js';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const n = Number(process.argv[2] ?? 20_000);
const inFlight = Number(process.argv[3] ?? 1);
const bench = fleepkitBench(makeWorkload(n, 100));
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const result = await bench.run(inFlight);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
const self = new Map<string, number>();
let total = 0;
const walk = (node: SamplingNode): void => {
  const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(`file://${process.cwd()}/`, '')}:${node.callFrame.lineNumber + 1}`;
  self.set(where, (self.get(where) ?? 0) + node.selfSize);
  total += node.selfSize;
  node.children.forEach(walk);
};
walk(profile.head);
console.log(`${Math.round(result.bytesPerMsg)} B/msg measured; sampled ${Math.round(total / n)} B/msg`);
for (const [where, bytes] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${String(Math.round(bytes / n)).padStart(7)} B/msg  ${where}`);
process.exit(0);
