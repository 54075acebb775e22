/**
 * Prints the top self-time functions of a `.cpuprofile` (from `node --cpu-prof`), so a profile
 * can be read without DevTools: `npx tsx bench/lib/profile-top.ts <file> [n] [filter]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self time per function (ms), highest first; `filter` keeps only URLs containing it. */
export function topSelfTime(file: string, n = 25, filter = ''): Array<{ fn: string; where: string; ms: number; pct: number }> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    if (!node) return;
    const where = `${node.callFrame.url.replace(/^file:\/\/\/work\/main\//, '')}:${node.callFrame.lineNumber + 1}`;
    const key = `${node.callFrame.functionName || '(anonymous)'}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .filter(([key]) => key.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, ms]) => {
      const [fn, where] = key.split('\t') as [string, string];
      return { fn, where, ms: Math.round(ms), pct: Math.round((ms / total) * 1000) / 10 };
    });
}

if (process.argv[1]?.endsWith('profile-top.ts')) {
  const [file, n, filter] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/lib/profile-top.ts <file.cpuprofile> [n] [filter]');
  for (const row of topSelfTime(file, Number(n ?? 25), filter ?? '')) console.log(`${String(row.pct).padStart(5)}%  ${String(row.ms).padStart(6)} ms  ${row.fn}  ${row.where}`);
}
