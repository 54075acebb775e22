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
  messageByNr,
  messageItem,
  newPage,
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

    const text = 'Can someone review the release notes?';
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

    const task = messageByNr(page, nr).getByTestId('task-badge');
    await task.getByTestId('assignee').filter({ hasText: 'Bob' }).waitFor();
    expect(await task.getAttribute('data-task-state')).toBe('todo');
    // Making a task is not a text edit, even though the record carries edited_time.
    expect(await messageByNr(page, nr).getByTestId('edited').count()).toBe(0);
    expect(await messageItem(page, text).count()).toBe(1);
    expect(await page.evaluate('window.__playgroundMarker')).toBe(42);

    await saveScreenshot(page, 'playground.png');
    expect(pageErrors).toEqual([]);
  });

  it('edits, pins, tasks, reacts and deletes through the hover actions, and the server agrees', async () => {
    const page = await newPage(session.browser);
    const errors = collectPageErrors(page);
    await page.goto(sandbox.url);
    await loginAs(page, 'carol');
    await openConversation(page, 'Team');
    await sendText(page, 'first draft');
    const nr = Number(await (await waitForMessage(page, 'first draft')).getAttribute('data-message-nr'));
    const item = messageByNr(page, nr);

    await item.hover();
    await item.getByRole('button', { name: 'Edit' }).click();
    const editor = item.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('second draft');
    await editor.press('Enter');
    await item.locator('.body', { hasText: 'second draft' }).waitFor();
    await item.getByTestId('edited').waitFor();

    await item.hover();
    await item.getByRole('button', { name: 'Pin', exact: true }).click();
    await item.getByTestId('pin-badge').waitFor();
    await item.hover();
    await item.getByRole('button', { name: 'Unpin' }).click();
    await item.getByTestId('pin-badge').waitFor({ state: 'detached' });

    await item.hover();
    await item.getByRole('button', { name: 'Make task' }).click();
    await item.locator('[data-testid="task-badge"][data-task-state="todo"]').waitFor();
    await item.getByRole('checkbox', { name: 'Mark task done' }).click();
    await item.locator('[data-testid="task-badge"][data-task-state="done"]').waitFor();

    await item.hover();
    await item.getByRole('button', { name: 'React with 👀' }).click();
    await item.locator('[data-testid="reaction"][data-reaction="👀"][aria-pressed="true"]', { hasText: '1' }).waitFor();

    const bob = new FleepClient({ baseUrl: sandbox.url });
    await bob.login(DEMO_PEOPLE.bob.email, DEMO_PEOPLE.bob.password);
    const team = await conversationId(bob, 'Team');
    const seen = async (): Promise<Record<string, unknown>> => {
      const { stream } = await bob.syncConversation(team, { mode: 'ic_end' });
      const rec = stream.find((r) => r.mk_rec_type === 'message' && r.message_nr === nr);
      if (!rec) throw new Error(`message ${nr} missing from Bob's view`);
      return rec;
    };
    const before = await seen();
    expect(before.message).toContain('second draft');
    expect(before.tags).toContain('is_done');
    expect(before.reactions).toEqual([{ reaction: '👀', account_ids: [sandbox.accounts['carol@example.com']] }]);

    // Bob adds the same reaction: Carol's chip counts 2 live; her click removes only hers.
    await bob.storeMessage(team, { messageNr: nr, addReactions: ['👀'] });
    const chip = item.locator('[data-testid="reaction"][data-reaction="👀"]');
    await chip.filter({ hasText: '2' }).waitFor();
    await chip.click();
    await item.locator('[data-testid="reaction"][data-reaction="👀"][aria-pressed="false"]', { hasText: '1' }).waitFor();
    expect((await seen()).reactions).toEqual([{ reaction: '👀', account_ids: [sandbox.accounts['bob@example.com']] }]);

    await item.hover();
    await item.getByRole('button', { name: 'Delete' }).click();
    await item.getByRole('button', { name: 'Confirm delete' }).click();
    await item.locator('.body', { hasText: 'This message was deleted.' }).waitFor();
    expect((await seen()).mk_message_state).toBe('urn:fleep:message:mk_message_state:deleted');
    await bob.logout();

    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('explains a wrong password and logs out cleanly', async () => {
    const page = await newPage(session.browser);
    await page.goto(sandbox.url);
    await page.getByTestId('login-email').fill('alice@example.com');
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').filter({ hasText: 'password “demo”' }).waitFor();
    await loginAs(page, 'bob');
    await page.getByTestId('logout').click();
    await page.getByTestId('login-alice').waitFor();
    expect(await page.getByTestId('conv-list').locator('button').count()).toBe(0);
    await page.context().close();
  });
});
