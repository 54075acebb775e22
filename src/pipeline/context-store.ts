/**
 * `ctx.store` of one plugin within one event: three lazily made, buffered views.
 */
import type { KvWrite, Store } from '../store/store.js';
import { ContextError } from './errors.js';
import { BufferedKvView, kvNamespace, type KvBuffer, type KvView, type ScopedStore } from './kv-view.js';

/** The parts of a context the scoped store reads. */
export interface ContextStoreHost {
  readonly deps: { readonly store: Store };
  readonly pendingWrites: KvWrite[];
  readonly conversationId: string | undefined;
  readonly actorId: string | undefined;
}

/** {@link ScopedStore} over a context's pending writes. */
export class ContextStore implements ScopedStore, KvBuffer {
  private pluginView: KvView | undefined;
  private convView: KvView | undefined;
  private accountView: KvView | undefined;

  constructor(
    private readonly pluginName: string,
    private readonly host: ContextStoreHost,
  ) {}

  get store(): Store {
    return this.host.deps.store;
  }

  get pendingWrites(): KvWrite[] {
    return this.host.pendingWrites;
  }

  get plugin(): KvView {
    return (this.pluginView ??= new BufferedKvView(kvNamespace.plugin(this.pluginName), this));
  }

  get conversation(): KvView {
    const conv = this.host.conversationId;
    if (conv === undefined) {
      throw new ContextError('ctx.store.conversation needs an event in a conversation; use ctx.store.plugin (or ctx.store.account) here.');
    }
    return (this.convView ??= new BufferedKvView(kvNamespace.conversation(this.pluginName, conv), this));
  }

  get account(): KvView {
    const account = this.host.actorId;
    if (account === undefined) {
      throw new ContextError('ctx.store.account needs an event caused by a person; use ctx.store.plugin (or ctx.store.conversation) here.');
    }
    return (this.accountView ??= new BufferedKvView(kvNamespace.account(this.pluginName, account), this));
  }
}
