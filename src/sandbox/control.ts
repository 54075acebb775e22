/**
 * The control API under `/sandbox/` (not Fleep): accounts, world inspection, the request
 * ledger, fault schedules and reset. Faults never apply here.
 */
import { badRequest, SandboxHttpError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { parseFaultConfig } from './faults.js';
import { visibleMessages } from './flow.js';
import type { RequestLedger } from './ledger.js';
import type { SandboxState } from './state.js';
import { stateAndTags, unixSeconds } from './views.js';

/** What the control API works on. */
export interface ControlTarget {
  state: SandboxState;
  ledger: RequestLedger;
  faults: FaultInjector;
  /** Resets the world to the seed. */
  reset(): void;
}

/** A control call: method, path segments after `/sandbox/`, query and parsed JSON body. */
export interface ControlRequest {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: unknown;
}

function notFoundRoute(req: ControlRequest): SandboxHttpError {
  return new SandboxHttpError(404, 'unknown_method', `No control route ${req.method} /sandbox/${req.segments.join('/')}; see GET /sandbox/accounts, /sandbox/conversations, /sandbox/requests, /sandbox/faults`);
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Body must be a JSON object');
  return body as Record<string, unknown>;
}

function messages(t: ControlTarget, convId: string): unknown {
  const conv = t.state.conversations.get(convId);
  if (!conv) throw new SandboxHttpError(404, 'not_found', `Conversation not found: ${convId}`);
  return {
    messages: visibleMessages(conv).map((m) => {
      const { state, tags } = stateAndTags(m);
      return {
        message_nr: m.message_nr,
        account_id: m.account_id,
        email: t.state.accounts.get(m.account_id)?.email ?? null,
        mk_message_type: m.mk_message_type,
        text: m.deleted ? '' : m.text,
        xml: m.deleted ? '' : m.xml,
        tags,
        state,
        reactions: m.reactions,
        assignee_ids: m.assignee_ids,
        mention_ids: m.mention_ids,
        pin_weight: m.pin_weight ?? null,
        revision: m.revision_message_nr ?? null,
        posted: unixSeconds(m.posted_time),
        edited: m.text_edited_time === undefined ? null : unixSeconds(m.text_edited_time),
        edit_account_id: m.edit_account_id ?? null,
      };
    }),
  };
}

/** Runs one control call and returns the JSON body (throws SandboxHttpError on refusals). */
export function handleControl(t: ControlTarget, req: ControlRequest): unknown {
  const [head, id, tail] = req.segments;
  const route = `${req.method} ${head ?? ''}`;
  switch (route) {
    case 'POST accounts': {
      const b = asObject(req.body);
      const a = t.state.createAccount({
        email: b.email as string,
        password: b.password as string,
        ...(typeof b.display_name === 'string' ? { display_name: b.display_name } : {}),
        ...(typeof b.fleep_address === 'string' ? { fleep_address: b.fleep_address } : {}),
      });
      return { account_id: a.account_id };
    }
    case 'GET accounts':
      return {
        accounts: [...t.state.accounts.values()].map((a) => ({ account_id: a.account_id, email: a.email, display_name: a.display_name, fleep_address: a.fleep_address })),
      };
    case 'GET conversations':
      if (id !== undefined) {
        if (tail === 'messages') return messages(t, id);
        throw notFoundRoute(req);
      }
      return {
        conversations: [...t.state.conversations.values()].map((c) => ({
          conversation_id: c.conversation_id,
          topic: c.topic,
          creator_id: c.creator_id,
          members: c.members,
          leavers: c.leavers,
          last_message_nr: c.last_message_nr,
        })),
      };
    case 'GET requests':
      return { requests: t.ledger.list(req.query.get('method') ?? undefined) };
    case 'POST faults': {
      const cfg = parseFaultConfig(req.body);
      t.faults.set(cfg);
      return { faults: cfg };
    }
    case 'GET faults':
      return { faults: t.faults.active ?? null, stats: t.faults.stats };
    case 'DELETE faults':
      t.faults.clear();
      return { faults: null };
    case 'POST reset':
      t.reset();
      return { ok: true };
    default:
      throw notFoundRoute(req);
  }
}
