/**
 * The dispatch workload: N text messages over C conversations from 3 people — 50 % commands
 * spread over `cmd0`…`cmd19`, 20 % matching one of the two regex listeners, 30 % matching
 * nothing. Deterministic (seeded) so every framework gets the same sequence.
 */
import { seededRandom } from '../../src/util/backoff.js';

/** What a message should trigger. */
export type MessageKind = 'command' | 'thanks' | 'todo' | 'other';

/** One generated message, framework-neutral: each adapter renders `text` with its own prefix. */
export interface WorkMessage {
  kind: MessageKind;
  /** 0…19 for commands. */
  command: number;
  /** Text after the command word for commands; the whole text otherwise. */
  text: string;
  conversation: number;
  person: number;
}

/** Number of commands of the bench bot. */
export const COMMANDS = 20;
/** The bench bot's people. */
export const PEOPLE = 3;

const OTHER = ['hello there', 'see you tomorrow', 'the build is green again', 'lunch at noon?', 'ok'];
const THANKS = ['thanks for the review', 'many thanks, works now', 'ok thanks'];
const TODO = ['TODO: update the docs', 'note TODO: rotate the keys', 'TODO: ship it'];

/** Generates `n` messages over `conversations` conversations. */
export function makeWorkload(n: number, conversations: number, seed = 42): WorkMessage[] {
  const random = seededRandom(seed);
  const out: WorkMessage[] = new Array<WorkMessage>(n);
  for (let i = 0; i < n; i++) {
    const r = random();
    const conversation = Math.floor(random() * conversations);
    const person = i % PEOPLE;
    if (r < 0.5) out[i] = { kind: 'command', command: i % COMMANDS, text: '', conversation, person };
    else if (r < 0.6) out[i] = { kind: 'thanks', command: -1, text: THANKS[i % THANKS.length]!, conversation, person };
    else if (r < 0.7) out[i] = { kind: 'todo', command: -1, text: TODO[i % TODO.length]!, conversation, person };
    else out[i] = { kind: 'other', command: -1, text: OTHER[i % OTHER.length]!, conversation, person };
  }
  return out;
}

/** The text as typed, with the command prefix of the framework (`!` Fleep, `/` Telegram). */
export function textOf(m: WorkMessage, prefix: string): string {
  return m.kind === 'command' ? `${prefix}cmd${m.command}` : m.text;
}

/** Result of one dispatch measurement. */
export interface DispatchResult {
  msgsPerS: number;
  /** Bytes allocated on the JS heap per message. */
  bytesPerMsg: number;
  replies: number;
  /** Heap growth over the run (after a full GC before and after; exact only under `--expose-gc`): what the bot retains. */
  heapAfterBytes: number;
}

/** How updates are handed over: one at a time, or up to `inFlight` concurrently. */
export interface DispatchMode {
  inFlight: number;
}
