/** Finding secret values in a config and masking them for display (`fleepkit check`). */
import { isSensitiveKey } from '../util/redact.js';
import type { FleepkitConfig } from './types.js';

/** What {@link maskSecrets} puts in place of a secret. */
export const MASK = '***';

/**
 * Every string/number value stored under a credential-like key (`password`, `token`, `secret`,
 * `ticket`, `apiKey`, …) anywhere in `value`, e.g. `fleep.password` and plugin API keys.
 */
export function collectSecrets(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown, sensitive: boolean, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === 'string' || typeof v === 'number') {
      if (sensitive && String(v) !== '') found.add(String(v));
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) visit(item, sensitive, depth + 1);
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) visit(child, sensitive || isSensitiveKey(k), depth + 1);
    }
  };
  visit(value, false, 0);
  return [...found];
}

/**
 * A deep copy of `config` with every secret replaced by `'***'`: values under credential-like
 * keys, and any other string that contains a secret value (e.g. a URL built with `${PASSWORD}`).
 * @example console.log(JSON.stringify(maskSecrets(loaded.config), null, 2))
 */
export function maskSecrets(config: FleepkitConfig): FleepkitConfig {
  const secrets = collectSecrets(config).sort((a, b) => b.length - a.length);
  const maskString = (s: string): string => secrets.reduce((acc, secret) => acc.split(secret).join(MASK), s);
  const copy = (v: unknown, sensitive: boolean): unknown => {
    if (sensitive && (typeof v === 'string' || typeof v === 'number')) return MASK;
    if (typeof v === 'string') return maskString(v);
    if (Array.isArray(v)) return v.map((item) => copy(item, sensitive));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) {
        Object.defineProperty(out, k, { value: copy(child, sensitive || isSensitiveKey(k)), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return copy(config, false) as FleepkitConfig;
}
