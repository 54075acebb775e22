/**
 * Plugin-scoped key/value views (`ctx.store.plugin`, `.conversation`, `.account`). Inside an
 * event they read and write through the event's unit of work: writes are committed in the
 * event's transaction (a failed handler leaves no half-written state), and only if nothing the
 * handler read changed meanwhile — else the event is handled again on fresh reads, so concurrent
 * updates of shared keys are never lost.
 */
import type { KvWrite, Store } from '../store/store.js';
import type { UnitOfWork } from './unit-of-work.js';

/** Options of {@link KvView.set}. */
export interface KvSetOptions {
  /** Expire the key after this many ms. @default never */
  ttlMs?: number;
}

/**
 * One namespace of plugin state.
 * @example
 * const count = (await ctx.store.conversation.get<number>('count')) ?? 0;
 * await ctx.store.conversation.set('count', count + 1);
 */
export interface KvView {
  /** The store namespace, e.g. `conv:standup:<conversationId>`. */
  readonly namespace: string;
  /** Reads a key: this event's own pending write first, then the store (inside an event, the commit expects it unchanged). */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Writes a key (inside an event: buffered and committed with the event). */
  set(key: string, value: unknown, options?: KvSetOptions): Promise<void>;
  /** Deletes a key (inside an event: buffered). */
  delete(key: string): Promise<void>;
  /**
   * Reads, applies `fn`, writes the result; resolves the new value. Inside an event, an update
   * that raced another event's is re-run on the fresh value, so `fn` must be a pure function of
   * its argument (no side effects).
   */
  update<T>(key: string, fn: (current: T | undefined) => T | undefined, options?: KvSetOptions): Promise<T | undefined>;
}

/** The three scopes a plugin's handler can write to. */
export interface ScopedStore {
  /** Shared by the whole plugin: namespace `plugin:<name>`. */
  readonly plugin: KvView;
  /** Per conversation of the event: `conv:<plugin>:<conversationId>`. */
  readonly conversation: KvView;
  /** Per account that caused the event: `account:<plugin>:<accountId>`. */
  readonly account: KvView;
}

/**
 * A view inside a unit of work: reads are remembered (the commit expects them unchanged) and
 * writes are buffered until the unit commits.
 */
export class BufferedKvView implements KvView {
  constructor(
    readonly namespace: string,
    private readonly work: UnitOfWork,
  ) {}

  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.work.read<T>(this.namespace, key);
  }

  async set(key: string, value: unknown, options?: KvSetOptions): Promise<void> {
    checkKey(key);
    const write: KvWrite = { namespace: this.namespace, key, value };
    if (options?.ttlMs !== undefined) write.ttlMs = checkTtl(options.ttlMs);
    this.work.write(write);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    this.work.write({ namespace: this.namespace, key, value: undefined });
  }

  async update<T>(key: string, fn: (current: T | undefined) => T | undefined, options?: KvSetOptions): Promise<T | undefined> {
    const next = fn(await this.get<T>(key));
    if (next === undefined) await this.delete(key);
    else await this.set(key, next, options);
    return next;
  }
}

/** A view that writes straight to the store (plugin state outside an event, e.g. in onStart). */
export class DirectKvView implements KvView {
  constructor(
    readonly namespace: string,
    private readonly store: Pick<Store, 'get' | 'set' | 'delete'>,
  ) {}

  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.store.get<T>(this.namespace, key);
  }

  async set(key: string, value: unknown, options?: KvSetOptions): Promise<void> {
    checkKey(key);
    const ttl = options?.ttlMs === undefined ? undefined : { ttlMs: checkTtl(options.ttlMs) };
    await this.store.set(this.namespace, key, value, ttl);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.store.delete(this.namespace, key);
  }

  async update<T>(key: string, fn: (current: T | undefined) => T | undefined, options?: KvSetOptions): Promise<T | undefined> {
    const next = fn(await this.get<T>(key));
    if (next === undefined) await this.delete(key);
    else await this.set(key, next, options);
    return next;
  }
}

/** Namespace names of the three scopes. */
export const kvNamespace = {
  plugin: (plugin: string): string => `plugin:${plugin}`,
  conversation: (plugin: string, conversationId: string): string => `conv:${plugin}:${conversationId}`,
  account: (plugin: string, accountId: string): string => `account:${plugin}:${accountId}`,
};

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`Store keys must be non-empty strings, got ${JSON.stringify(key)}`);
  }
}

function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number of ms, got ${ttlMs}`);
  return ttlMs;
}
