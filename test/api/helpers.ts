/** Shared fixtures of the API client tests: a clock that announces timers, login replies. */
import nock from 'nock';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { FleepClient } from '../../src/api/client.js';
import type { FleepClientOptions } from '../../src/api/options.js';
import { ManualClock } from '../../src/util/clock.js';
import type { TimerHandle } from '../../src/util/clock.js';

export const BASE = 'http://fleep.test';
export const ACCOUNT = '6f1c9a52-3b0e-4c47-9a51-7a0c2f1d9e10';
export const PASSWORD = 'pw-S3cret-Value-987';
export const TICKET = 'd5a9c3c2fc696c4a4b55';
export const TOKEN = 'dd737a29-7819-41dc-ad93-a38aab2c9409';
export const TICKET2 = 'aaaabbbbccccddddeeee';
export const TOKEN2 = '11111111-2222-4333-8444-555555555555';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const T0 = Date.parse('2026-03-29T12:00:00Z');

/** A ManualClock that records sleep delays and lets a test wait until a timer is armed. */
export class TestClock extends ManualClock {
  readonly delays: number[] = [];
  private waiters: Array<() => void> = [];

  override setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const handle = super.setTimeout(fn, delayMs);
    this.delays.push(delayMs);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    return handle;
  }

  /** Resolves once at least one timer is pending. */
  armed(): Promise<void> {
    if (this.pendingTimers > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Settles `promise`, firing each clock timer as soon as one is armed (no real waiting). */
export async function drive<T>(clock: TestClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const settled = promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  while (!done) {
    await Promise.race([clock.armed(), settled]);
    if (done) break;
    const due = clock.nextDue();
    if (due !== undefined) await clock.advanceTo(due);
  }
  return promise;
}

/** The login reply: body with ticket, `Set-Cookie: token_id`. */
export function replyLogin(scope: nock.Scope, ticket = TICKET, token = TOKEN): nock.Scope {
  return scope.post('/api/account/login').reply(
    200,
    {
      account_id: ACCOUNT,
      display_name: 'Echo Bot',
      ticket,
      profiles: [{ mk_rec_type: 'contact', account_id: ACCOUNT, display_name: 'Echo Bot', fleep_address: 'echo.bot' }],
    },
    { 'Set-Cookie': `token_id=${token}; Path=/; HttpOnly` },
  );
}

/** A pino logger writing every line (trace and up) into `lines`. */
export function captureLogger(lines: string[]): Logger {
  return pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
}

/** A client with a TestClock at {@link T0}, deterministic jitter, logged in with TICKET/TOKEN. */
export async function loggedIn(options: FleepClientOptions = {}): Promise<{ client: FleepClient; clock: TestClock }> {
  const clock = new TestClock(T0);
  const client = new FleepClient({ baseUrl: BASE, clock, random: () => 0.5, ...options });
  const scope = replyLogin(nock(BASE));
  await client.login('bot@example.com', PASSWORD);
  scope.done();
  return { client, clock };
}

/** A sync-shaped reply body. */
export const SYNC = { header: { mk_rec_type: 'conv', conversation_id: 'conv-1' }, stream: [], result_message_nr: 2 };
