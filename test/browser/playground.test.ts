/**
 * The playground in a real browser against a real in-process sandbox: Alice uses the page, Bob
 * acts through the API client, and Alice's page must show Bob's reply and the task Bob made
 * of her message live, without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleepClient } from '../../src/api/client.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { BrowserSession } from './helpers.js';
import {
  browserSkipReason,
  collectPageErrors,
  DEMO_PEOPLE,
  launchBrowser,
  loginAs,
  messageItem,
  openConversation,
  saveScreenshot,
  sendText,
  waitForMessage,
} from './helpers.js';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[browser tests skipped] ${skipReason}`);

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/** Finds a conversation by topic in the initial sync of `client`. */
async function conversationId(client: FleepClient, topic: string): Promise<string> {
  const { stream } = await client.poll(0, { wait: false });
  const conv = stream.find((r) => r.mk_rec_type === 'conv' && r.topic === topic);
  if (!conv || typeof conv.conversation_id !== 'string') throw new Error(`No conversation with topic ${topic} in the demo seed`);
  return conv.conversation_id;
}

describe.skipIf(skipReason !== undefined)('playground page (chromium)', () => {
  let sandbox: Sandbox;
  let session: BrowserSession;
  let pageErrors: string[];

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 1000 });
    session = await launchBrowser();
    pageErrors = collectPageErrors(session.page);
  });

  afterAll(async () => {
    await session?.close();
    await sandbox?.close();
  });

  it('shows another member’s reply and a task assigned to Bob live, without a reload', async () => {
    const { page } = session;
    await page.goto(sandbox.url);
    await loginAs(page, 'alice');
    await openConversation(page, 'Team');
    // A marker on the window survives only if the page is never reloaded.
    await page.evaluate('window.__playgroundMarker = 42');

    const text = `Can someone review the release notes? ${Date.now()}`;
    await sendText(page, text);
    const mine = await waitForMessage(page, text);
    const nr = Number(await mine.getAttribute('data-message-nr'));
    expect(nr).toBeGreaterThan(1);
    expect(await mine.getAttribute('data-author')).toBe('Alice');

    const bob = new FleepClient({ baseUrl: sandbox.url });
    try {
      const { accountId: bobId } = await bob.login(DEMO_PEOPLE.bob.email, DEMO_PEOPLE.bob.password);
      const team = await conversationId(bob, 'Team');
      await bob.sendMessage(team, 'On it, I will take the release notes.');
      await bob.storeMessage(team, { messageNr: nr, tags: ['is_todo'], assigneeIds: [bobId] });
    } finally {
      await bob.logout().catch(() => undefined);
    }

    const reply = await waitForMessage(page, 'On it, I will take the release notes.');
    expect(await reply.getAttribute('data-author')).toBe('Bob');

    const task = page.locator(`[data-testid="message"][data-message-nr="${nr}"] [data-testid="task-badge"]`);
    await task.getByTestId('assignee').filter({ hasText: 'Bob' }).waitFor();
    expect(await task.getAttribute('data-task-state')).toBe('todo');
    // Making a task is not a text edit, even though the record carries edited_time.
    expect(await page.locator(`[data-message-nr="${nr}"] [data-testid="edited"]`).count()).toBe(0);
    expect(await messageItem(page, text).count()).toBe(1);
    expect(await page.evaluate('window.__playgroundMarker')).toBe(42);

    await saveScreenshot(page, 'playground.png');
    expect(pageErrors).toEqual([]);
  });
});
