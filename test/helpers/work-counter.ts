/**
 * A time-free measure of work for linearity checks: counts calls to the string and regex
 * primitives a scanner uses while `fn` runs, then restores them. Comparing the count for an input
 * with the count for the same input repeated k times tells linear (≈ k×) from quadratic (≈ k²×)
 * without a clock. It does not see a bare loop that calls none of these primitives; wall-clock
 * figures for long inputs are in bench/micro.ts.
 */
const PRIMITIVES: ReadonlyArray<[object, string]> = [
  [String.prototype, 'includes'],
  [String.prototype, 'indexOf'],
  [String.prototype, 'slice'],
  [String.prototype, 'charAt'],
  [String.prototype, 'charCodeAt'],
  [RegExp.prototype, 'test'],
  [RegExp.prototype, 'exec'],
];

/** Runs `fn` synchronously and returns how many primitive calls it made. */
export function workOf(fn: () => void): number {
  let calls = 0;
  const saved: Array<[object, string, PropertyDescriptor]> = [];
  try {
    for (const [proto, name] of PRIMITIVES) {
      const desc = Object.getOwnPropertyDescriptor(proto, name) as PropertyDescriptor;
      const original = desc.value as (...args: unknown[]) => unknown;
      saved.push([proto, name, desc]);
      Object.defineProperty(proto, name, {
        ...desc,
        value: function counted(this: unknown, ...args: unknown[]): unknown {
          calls++;
          return original.apply(this, args);
        },
      });
    }
    fn();
  } finally {
    for (const [proto, name, desc] of saved) Object.defineProperty(proto, name, desc);
  }
  return calls;
}
