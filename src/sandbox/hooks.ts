/**
 * Incoming webhooks of a conversation (PROTOCOL.md §6.5, §7.14, §8.1): creating and dropping
 * one posts a `hook`/`unhook` system message and sends members a `hook` record.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { HookRecord } from '../api/records.js';
import { postSystem } from './flow.js';
import type { StoredConversation, StoredHook } from './model.js';
import type { SandboxState } from './state.js';

/** Hook types Fleep knows (§6.5); the sandbox posts through all of them the same way, `import` keeps times. */
export const HOOK_TYPES = ['plain', 'import', 'slack', 'github', 'gitlab', 'bitbucket', 'jira', 'confluence', 'ifttt', 'newrelic', 'pivotaltracker', 'sameroom', 'trello', 'zapier'];

/** The URL path of a hook: `POST <sandbox>/hook/<key>`. */
export function hookPath(h: StoredHook): string {
  return `/hook/${h.hook_key}`;
}

/**
 * HookInfo with exactly §6.5's keys. `hook_url` and `outgoing_url` are the owner's to see;
 * other members get them empty. `base` is the sandbox URL the hook is reached at.
 */
export function hookRecord(conv: StoredConversation, h: StoredHook, viewer: string, base: string): HookRecord {
  const owner = viewer === h.account_id;
  return {
    mk_rec_type: 'hook',
    conversation_id: conv.conversation_id,
    account_id: h.account_id,
    hook_id: h.hook_id,
    hook_key: h.hook_key,
    hook_name: h.hook_name,
    hook_url: owner ? base + hookPath(h) : '',
    is_active: h.is_active,
    mk_hook_type: h.mk_hook_type,
    avatar_urls: JSON.stringify({ size_50: `/avatar/hook/${h.hook_key}/thumb50.png` }),
    outgoing_url: owner ? h.outgoing_url : '',
    outgoing_disabled: h.outgoing_disabled,
    outgoing_disable_reason: null,
  };
}

/** Sends every member the hook's record. */
function announce(state: SandboxState, conv: StoredConversation, h: StoredHook, base: string): void {
  for (const id of conv.members) state.streams.push(id, Object.assign(hookRecord(conv, h, id, base), { profile_id: id }));
}

/** Creates a hook owned by `owner`: a `hook` system message, then the hook record to members. */
export function createHook(state: SandboxState, conv: StoredConversation, owner: string, input: { name: string; type: string; outgoingUrl: string; outgoingDisabled: boolean }, base: string): StoredHook {
  const hook: StoredHook = {
    hook_id: randomUUID(),
    hook_key: randomBytes(16).toString('base64url'),
    hook_name: input.name,
    mk_hook_type: input.type,
    account_id: owner,
    outgoing_url: input.outgoingUrl,
    outgoing_disabled: input.outgoingDisabled,
    is_active: true,
  };
  (conv.hooks ??= []).push(hook);
  postSystem(state, conv, owner, 'hook', { hook_name: hook.hook_name, hook_key: hook.hook_key }, conv.members);
  announce(state, conv, hook, base);
  return hook;
}

/** Drops a hook: an `unhook` system message and the record with `is_active: false`. */
export function dropHook(state: SandboxState, conv: StoredConversation, actor: string, hook: StoredHook, base: string): void {
  hook.is_active = false;
  conv.hooks = (conv.hooks ?? []).filter((h) => h !== hook);
  postSystem(state, conv, actor, 'unhook', { hook_name: hook.hook_name, hook_key: hook.hook_key }, conv.members);
  announce(state, conv, hook, base);
}

/** The active hook with this key, and its conversation. */
export function findHook(state: SandboxState, key: string): { conv: StoredConversation; hook: StoredHook } | undefined {
  for (const conv of state.conversations.values()) {
    const hook = conv.hooks?.find((h) => h.hook_key === key);
    if (hook) return { conv, hook };
  }
  return undefined;
}
