/**
 * `classificators` (PROTOCOL.md §10).
 */
import type { ApiRoute } from './context.js';

function classificators(): unknown {
  return {
    mk_account_status: ['new', 'active', 'banned', 'closed'],
    mk_alert_level: ['never', 'default'],
    mk_email_interval: ['default', 'daily', 'never'],
    mk_push_new_message: ['first', 'all'],
    mk_message_type: ['text', 'email', 'create', 'add', 'leave', 'kick', 'topic', 'alerts', 'disclose', 'hook', 'unhook', 'separator', 'replace', 'share', 'unshare', 'autojoin', 'delfile'],
    mk_message_state: ['plain', 'system', 'deleted', 'pinned', 'unpinned', 'todo', 'done'].map((s) => `urn:fleep:message:mk_message_state:${s}`),
  };
}

/** Routes of this file. */
export const miscRoutes: Record<string, ApiRoute> = {
  classificators: { handler: classificators, auth: false },
};
