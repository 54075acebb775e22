/**
 * What the recorder writes instead of what it saw: secrets redacted by key (`password`,
 * `ticket`, `token_id`, cookies… — the logger's list) and by value (the password, every ticket
 * and `token_id` the session was given, wherever they turn up); with `anonymise`, message texts,
 * topics, names and e-mail addresses replaced by stable placeholders, so the shapes stay and the
 * people and what they said do not.
 */
import type { HttpExchange } from '../api/options.js';
import { parseTokenCookie } from '../api/session.js';
import { createRedactor, isSensitiveKey, REDACTED, type SecretSet } from '../util/redact.js';
import type { CallPhase, RecordedCall } from './format.js';

const KEPT_HEADERS = ['content-type', 'retry-after', 'set-cookie'];
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** Keys whose string values are people's words or names. */
const TEXT_KEYS = new Set([
  'topic',
  'default_topic',
  'subject',
  'display_name',
  'contact_name',
  'sender_name',
  'status_message',
  'file_name',
  'label',
  'keywords',
  'search_str',
  'hook_name',
  'title',
  'description',
  'fleep_address',
  'phone_nr',
]);

/** Options of {@link ExchangeScrubber}. */
export interface ScrubOptions {
  /** The bot's password: redacted wherever it appears. */
  password: string;
  /** Replace texts and e-mails. @default false */
  anonymise?: boolean;
}

/** Turns raw exchanges into recorded calls; learns each new ticket and token as it passes. */
export class ExchangeScrubber {
  private readonly secrets = new Set<string>();
  private readonly redactor = createRedactor({ secrets: () => this.secrets, maxDepth: 64 });
  private readonly pseudonyms = new Map<string, string>();
  private emails = 0;
  private texts = 0;
  private seq = 0;

  constructor(private readonly options: ScrubOptions) {
    if (options.password) this.secrets.add(options.password);
  }

  /** The recorded form of one exchange. */
  scrub(exchange: HttpExchange, phase: CallPhase): RecordedCall {
    this.learn(exchange);
    const secrets = this.redactor.snapshot();
    const method = exchange.method;
    const request = isPlainObject(exchange.request) ? this.words(redactJson(exchange.request, secrets)) : null;
    let response: unknown = null;
    let responseText: string | undefined;
    try {
      response = exchange.body.trim() === '' ? {} : JSON.parse(exchange.body);
    } catch {
      responseText = secrets.string(exchange.body.slice(0, 2000));
    }
    const headers: Record<string, unknown> = {};
    for (const name of KEPT_HEADERS) {
      const value = headerOf(exchange.headers, name);
      if (value !== undefined) headers[name] = name === 'set-cookie' ? REDACTED : secrets.value(value);
    }
    const call: RecordedCall = {
      kind: 'call',
      seq: ++this.seq,
      phase,
      method,
      path: secrets.string(exchange.url),
      request,
      status: exchange.status,
      headers,
      response: this.words(redactJson(response, secrets)),
    };
    if (responseText !== undefined) call.response_text = this.options.anonymise ? this.line(responseText) : responseText;
    return call;
  }

  /** A last pass over a finished line: no known secret may be in it, raw or JSON-escaped. */
  line(text: string): string {
    return this.redactor.snapshot().line(text);
  }

  private learn(exchange: HttpExchange): void {
    const token = parseTokenCookie(headerOf(exchange.headers, 'set-cookie'));
    if (token) this.secrets.add(token);
    for (const source of [exchange.request, safeJson(exchange.body)]) {
      const ticket = isPlainObject(source) ? source['ticket'] : undefined;
      if (typeof ticket === 'string' && ticket !== '') this.secrets.add(ticket);
    }
  }

  /** With `anonymise`, replaces texts and e-mails; else returns the value as it is. */
  private words(value: unknown, key = ''): unknown {
    if (!this.options.anonymise) return value;
    if (typeof value === 'string') return this.anonymiseString(value, key);
    if (Array.isArray(value)) return value.map((v) => this.words(v, key));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.words(v, k);
      return out;
    }
    return value;
  }

  private anonymiseString(text: string, key: string): string {
    if (text === '' || text === REDACTED) return text;
    if (key === 'message') {
      const body = safeJson(text);
      // System messages carry JSON (member ids, topics): keep the structure, replace the words.
      if (isPlainObject(body)) return JSON.stringify(this.words(body));
      return text.startsWith('<') ? `<msg><p>${this.pseudonym(text, 'text')}</p></msg>` : this.pseudonym(text, 'text');
    }
    if (TEXT_KEYS.has(key)) return this.pseudonym(text, 'text');
    return text.replace(EMAIL, (email) => this.pseudonym(email.toLowerCase(), 'email'));
  }

  private pseudonym(original: string, kind: 'text' | 'email'): string {
    const mapKey = `${kind}\u0000${original}`;
    let alias = this.pseudonyms.get(mapKey);
    if (alias === undefined) {
      alias = kind === 'email' ? `person${++this.emails}@example.invalid` : `text ${++this.texts}`;
      this.pseudonyms.set(mapKey, alias);
    }
    return alias;
  }
}

/**
 * Redacts a JSON value: a string or number under a key naming a credential becomes
 * `[REDACTED]`; booleans and nulls stay (`has_password: true` is a fact, not a secret, and
 * keeping its type keeps the recording's shape true); known secrets are cut out of every string.
 */
function redactJson(value: unknown, secrets: SecretSet, key = ''): unknown {
  if (typeof value === 'string') return key && isSensitiveKey(key) ? REDACTED : secrets.string(value);
  if (typeof value === 'number') return key && isSensitiveKey(key) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, secrets, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[secrets.string(k)] = redactJson(v, secrets, k);
    return out;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headerOf(headers: Record<string, unknown>, name: string): unknown {
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}
