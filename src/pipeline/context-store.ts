/**
 * `ctx.store` of one plugin within one event: three lazily made views over the event's unit of work.
 */
import { ContextError } from './errors.js';
import { BufferedKvView, kvNamespace, type KvView, type ScopedStore } from './kv-view.js';
import type { UnitOfWork } from './unit-of-work.js';

/** The parts of a context the scoped store reads. */
export interface ContextStoreHost {
  readonly work: UnitOfWork;
  readonly conversationId: string | undefined;
  readonly actorId: string | undefined;
}

/** {@link ScopedStore} over a context's unit of work. */
export class ContextStore implements ScopedStore {
  private pluginView: KvView | undefined;
  private convView: KvView | undefined;
  private accountView: KvView | undefined;

  constructor(
    private readonly pluginName: string,
    private readonly host: ContextStoreHost,
  ) {}

  get plugin(): KvView {
    return (this.pluginView ??= new BufferedKvView(kvNamespace.plugin(this.pluginName), this.host.work));
  }

  get conversation(): KvView {
    const conv = this.host.conversationId;
    if (conv === undefined) {
      throw new ContextError('ctx.store.conversation needs an event in a conversation; use ctx.store.plugin (or ctx.store.account) here.');
    }
    return (this.convView ??= new BufferedKvView(kvNamespace.conversation(this.pluginName, conv), this.host.work));
  }

  get account(): KvView {
    const account = this.host.actorId;
    if (account === undefined) {
      throw new ContextError('ctx.store.account needs an event caused by a person; use ctx.store.plugin (or ctx.store.conversation) here.');
    }
    return (this.accountView ??= new BufferedKvView(kvNamespace.account(this.pluginName, account), this.host.work));
  }
}
