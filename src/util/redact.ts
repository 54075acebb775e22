/**
 * Secret redaction for logs: by key (any key that names a credential, at any depth,
 * case-insensitively) and by value (every known secret, wherever it appears in a string).
 * The logger uses it twice: on the structured arguments of each call, and again on each
 * finished output line as a safety net for anything that bypassed the first pass.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Key names (compared lower-cased with `-`, `_` and `.` removed) whose values are always
 * redacted. A key also matches when it ends in one of these (`accessToken`, `x-api-key`).
 */
export const SENSITIVE_KEYS: readonly string[] = [
  'token',
  'tokenid',
  'ticket',
  'password',
  'passwd',
  'passphrase',
  'cookie',
  'setcookie',
  'authorization',
  'proxyauthorization',
  'secret',
  'apikey',
  'privatekey',
  'credentials',
];

const SENSITIVE_SET = new Set(SENSITIVE_KEYS);

/** Query/form parameters that carry credentials in URLs (`?ticket=…`, `&token_id=…`). */
const URL_PARAM_RE = /([?&;](?:ticket|token_id|token|access_token|password|secret|api_key|apikey)=)[^&#\s"'<>]*/gi;

/**
 * True when `key` names a credential: `password`, `Token_ID`, `set-cookie`, `apiKey`,
 * `accessToken`…
 * @example isSensitiveKey('X-Api-Key') // true
 */
export function isSensitiveKey(key: string): boolean {
  const norm = key.toLowerCase().replace(/[-_.\s]/g, '');
  if (SENSITIVE_SET.has(norm)) return true;
  for (const k of SENSITIVE_KEYS) if (norm.endsWith(k)) return true;
  return false;
}

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /**
   * Current secret values, asked for on every use so a fresh ticket is redacted at once.
   * Empty strings are ignored.
   * @default () => []
   */
  secrets?: () => Iterable<string>;
  /**
   * Replace secret values found inside strings. Turning it off (`sensitiveLogs`) keeps key
   * redaction but shows values: for local debugging only.
   * @default true
   */
  redactValues?: boolean;
  /**
   * How deep objects are walked; deeper values become `'[Truncated]'`.
   * @default 8
   */
  maxDepth?: number;
}

/** Redacts strings, values and whole log lines with one snapshot of the secrets. */
export interface Redactor {
  /** Takes a snapshot of the current secrets; use it for everything written by one log call. */
  snapshot(): SecretSet;
}

/** One snapshot of the secrets, longest first so a secret containing another is fully hidden. */
export interface SecretSet {
  /** Replaces secrets (and credential URL parameters) inside a string. */
  string(text: string): string;
  /**
   * Returns a redacted, JSON-friendly copy of any value: sensitive keys censored, secrets in
   * strings replaced, Errors turned into `{ type, message, stack, code?, cause? }` objects,
   * cycles as `'[Circular]'`. Never throws.
   */
  value(value: unknown): unknown;
  /** Redacts an already serialised JSON line (secrets in raw and JSON-escaped form). */
  line(text: string): string;
}

/**
 * Creates a redactor.
 * @example
 * const r = createRedactor({ secrets: () => [session.ticket] });
 * const safe = r.snapshot().value({ url: `https://x/?ticket=${ticket}` });
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const getSecrets = options.secrets ?? ((): Iterable<string> => []);
  const redactValues = options.redactValues ?? true;
  const maxDepth = options.maxDepth ?? 8;
  return {
    snapshot(): SecretSet {
      const needles = redactValues ? collectNeedles(getSecrets()) : [];
      const jsonNeedles = needles.map((s) => JSON.stringify(s).slice(1, -1)).filter((s, i) => s !== needles[i]);
      const str = (text: string): string => {
        let out = text;
        for (const n of needles) if (out.includes(n)) out = out.split(n).join(REDACTED);
        return redactValues ? out.replace(URL_PARAM_RE, `$1${REDACTED}`) : out;
      };
      return {
        string: str,
        value: (value) => walk(value, { str, maxDepth, seen: new WeakSet() }, 0),
        line: (text) => {
          let out = str(text);
          for (const n of jsonNeedles) if (out.includes(n)) out = out.split(n).join(REDACTED);
          return out;
        },
      };
    },
  };
}

function collectNeedles(secrets: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length === 0) continue;
    set.add(s);
    // Secrets also travel percent-encoded inside URLs and form bodies.
    const encoded = safeEncode(s);
    if (encoded && encoded !== s) set.add(encoded);
  }
  return [...set].sort((a, b) => b.length - a.length);
}

function safeEncode(s: string): string | undefined {
  try {
    return encodeURIComponent(s);
  } catch {
    return undefined; // lone surrogates cannot be encoded
  }
}

interface WalkState {
  str: (s: string) => string;
  maxDepth: number;
  seen: WeakSet<object>;
}

function walk(value: unknown, st: WalkState, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return st.str(value);
    case 'number':
    case 'bigint': {
      const text = String(value);
      return st.str(text) === text ? value : REDACTED;
    }
    case 'boolean':
    case 'undefined':
      return value;
    case 'symbol':
      return st.str(value.toString());
    case 'function':
      return `[Function ${st.str(value.name || 'anonymous')}]`;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (st.seen.has(obj)) return '[Circular]';
  if (depth >= st.maxDepth) return '[Truncated]';
  st.seen.add(obj);
  try {
    return walkObject(obj, st, depth);
  } catch {
    return '[Unserializable]';
  } finally {
    // Only ancestors count as cycles; the same object twice side by side is fine.
    st.seen.delete(obj);
  }
}

function walkObject(obj: object, st: WalkState, depth: number): unknown {
  if (obj instanceof Error) return walkError(obj, st, depth);
  if (Array.isArray(obj)) return obj.map((v) => walk(v, st, depth + 1));
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof URL) return st.str(obj.href);
  if (obj instanceof RegExp) return st.str(String(obj));
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[Binary ${obj.byteLength} bytes]`;
  if (obj instanceof Map) {
    return walkEntries([...obj.entries()].map(([k, v]) => [String(k), v]), st, depth);
  }
  if (obj instanceof Set) return [...obj].map((v) => walk(v, st, depth + 1));
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return walk(toJSON.call(obj), st, depth + 1);
  return walkEntries(Object.entries(obj), st, depth);
}

function walkEntries(entries: Array<[string, unknown]>, st: WalkState, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) define(out, safeKey(st.str(key)), isSensitiveKey(key) ? REDACTED : walk(v, st, depth + 1));
  return out;
}

/** A `__proto__` key crashes pino's serializer lookup (and confuses readers); rename it. */
function safeKey(key: string): string {
  return key === '__proto__' ? '[__proto__]' : key;
}

/** Own data property even for a key named `__proto__`, which plain assignment would treat as re-parenting. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function walkError(err: Error, st: WalkState, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.type = err.constructor?.name ?? 'Error';
  out.message = st.str(String(err.message));
  if (typeof err.stack === 'string') out.stack = st.str(err.stack);
  for (const [key, v] of Object.entries(err)) {
    if (key === 'message' || key === 'stack') continue;
    define(out, safeKey(st.str(key)), isSensitiveKey(key) ? REDACTED : walk(v, st, depth + 1));
  }
  // `cause` and AggregateError's `errors` are not enumerable own properties.
  if ('cause' in err && err.cause !== undefined) out.cause = walk(err.cause, st, depth + 1);
  if (err instanceof AggregateError) out.errors = walk(err.errors, st, depth + 1);
  return out;
}
