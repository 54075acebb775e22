/**
 * The playground in chromium against a real sandbox: starting conversations and direct chats
 * with anyone, any reaction, visible message numbers, "(edited)" after a reload, and
 * reconnecting after the sandbox restarts. The other side acts through the API client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
  newPage,
  openConversation,
  saveScreenshot,
  sendText,
  waitForMessage,
} from './helpers.js';

const skipReason = browserSkipReason();
type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

async function login(url: string, who: keyof typeof DEMO_PEOPLE): Promise<FleepClient> {
  const client = new FleepClient({ baseUrl: url });
  await client.login(DEMO_PEOPLE[who].email, DEMO_PEOPLE[who].password);
  return client;
}

/** The conversations `client` is a member of, by id, from its initial sync. */
async function conversations(client: FleepClient): Promise<Array<{ conversation_id: string; topic?: string; members?: string[] }>> {
  const { stream } = await client.poll(0, { wait: false });
  return stream.filter((r) => r.mk_rec_type === 'conv') as unknown as Array<{ conversation_id: string; topic?: string; members?: string[] }>;
}

describe.skipIf(skipReason !== undefined)('playground: people, reactions, numbers, edits, reconnect (chromium)', () => {
  let sandbox: Sandbox;
  let session: BrowserSession;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, seed: 'demo', holdMs: 1000 });
    session = await launchBrowser();
  });

  afterAll(async () => {
    await session?.close();
    await sandbox?.close();
  });

  it('starts a conversation with a topic, and a direct chat with anyone (opening the existing one the second time)', async () => {
    const page = await newPage(session.browser);
    const errors = collectPageErrors(page);
    await page.goto(sandbox.url);
    await loginAs(page, 'bob');

    await page.getByTestId('new-conv').click();
    await page.getByTestId('new-conv-topic').fill('Lunch');
    await page.getByTestId('new-conv-person-Carol').check();
    await page.getByTestId('new-conv-person-fleepkit bot').check();
    await page.getByTestId('new-conv-submit').click();
    await page.getByTestId('conv-title').filter({ hasText: 'Lunch' }).waitFor();
    await page.locator('[data-testid="composer"]:enabled').waitFor();
    await sendText(page, 'Pizza at noon?');
    await waitForMessage(page, 'Pizza at noon?');

    // Bob had no direct chat with Carol: one is created, and titled with her name.
    await page.getByTestId('new-conv').click();
    await page.getByTestId('new-conv-person-Carol').check();
    await page.getByTestId('new-conv-submit').click();
    await openConversation(page, 'Carol');
    await sendText(page, 'just between us');
    await waitForMessage(page, 'just between us');
    await page.getByTestId('new-conv').click();
    await page.getByTestId('new-conv-person-Carol').check();
    await page.getByTestId('new-conv-submit').click();
    await page.getByTestId('conv-title').filter({ hasText: 'Carol' }).waitFor();
    expect(await page.getByTestId('conv-Carol').count()).toBe(1);

    const carol = await login(sandbox.url, 'carol');
    const convs = await conversations(carol);
    const lunch = convs.find((c) => c.topic === 'Lunch');
    expect(lunch?.members?.sort()).toEqual(
      [sandbox.accounts['bob@example.com'], sandbox.accounts['carol@example.com'], sandbox.accounts['bot@example.com']].sort(),
    );
    const direct = convs.filter((c) => !c.topic && c.members?.length === 2 && c.members.includes(sandbox.accounts['bob@example.com']!));
    expect(direct).toHaveLength(1);
    await carol.logout();

    // Nobody picked: the form says so instead of creating an empty conversation.
    await page.getByTestId('new-conv').click();
    await page.getByTestId('new-conv-submit').click();
    await page.getByTestId('new-conv-error').filter({ hasText: 'Pick at least one person.' }).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reacts with any emoji, and shows message numbers on every message, also grouped ones', async () => {
    const page = await newPage(session.browser);
    const errors = collectPageErrors(page);
    await page.goto(sandbox.url);
    await loginAs(page, 'alice');
    await openConversation(page, 'Team');
    await sendText(page, 'numbers please');
    await sendText(page, 'and another one');
    const first = await waitForMessage(page, 'numbers please');
    const second = await waitForMessage(page, 'and another one');
    for (const item of [first, second]) {
      const nr = await item.getAttribute('data-message-nr');
      await expect(item.getByTestId('message-nr').textContent()).resolves.toBe(`#${nr}`);
      expect(await item.getByTestId('message-nr').isVisible()).toBe(true);
    }
    expect(await second.getAttribute('class')).toContain('grouped');

    const nr = Number(await first.getAttribute('data-message-nr'));
    const item = messageByNr(page, nr);
    await item.hover();
    await item.getByTestId('react-other').click();
    const input = item.getByTestId('reaction-input');
    await input.fill('🎉');
    await input.press('Enter');
    await item.locator('[data-testid="reaction"][data-reaction="🎉"][aria-pressed="true"]', { hasText: '1' }).waitFor();
    await page.getByTestId('new-conv').click();
    await page.getByTestId('new-conv-person-Bob').waitFor();
    await saveScreenshot(page, 'playground-people.png');
    await page.getByTestId('new-conv').click();

    const bob = await login(sandbox.url, 'bob');
    const team = (await conversations(bob)).find((c) => c.topic === 'Team')!.conversation_id;
    const { stream } = await bob.syncConversation(team, { mode: 'ic_end' });
    const rec = stream.find((r) => r.mk_rec_type === 'message' && r.message_nr === nr);
    expect(rec?.reactions).toEqual([{ reaction: '🎉', account_ids: [sandbox.accounts['alice@example.com']] }]);
    await bob.logout();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('keeps "(edited)" after a reload, also once others reacted to the message', async () => {
    const page = await newPage(session.browser);
    const errors = collectPageErrors(page);
    await page.goto(sandbox.url);
    await loginAs(page, 'carol');
    await openConversation(page, 'Team');
    await sendText(page, 'rough draft');
    const nr = Number(await (await waitForMessage(page, 'rough draft')).getAttribute('data-message-nr'));
    const item = messageByNr(page, nr);
    await item.hover();
    await item.getByRole('button', { name: 'Edit' }).click();
    const editor = item.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('polished text');
    await editor.press('Enter');
    await item.getByTestId('edited').waitFor();

    // A reaction changes edited_time too, so the record alone no longer tells a text edit.
    const bob = await login(sandbox.url, 'bob');
    const team = (await conversations(bob)).find((c) => c.topic === 'Team')!.conversation_id;
    await bob.storeMessage(team, { messageNr: nr, addReactions: ['👍'] });
    await bob.logout();
    await item.locator('[data-testid="reaction"][data-reaction="👍"]').waitFor();

    await page.reload();
    await page.getByTestId('me-name').filter({ hasText: 'Carol' }).waitFor();
    await openConversation(page, 'Team');
    const again = messageByNr(page, nr);
    await again.locator('.body', { hasText: 'polished text' }).waitFor();
    await again.getByTestId('edited').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reconnects after the sandbox restarts and shows what arrives next, live', async () => {
    const dataFile = path.join(mkdtempSync(path.join(tmpdir(), 'fleepkit-playground-')), 'world.json');
    let own = await startSandbox({ port: 0, seed: 'demo', holdMs: 1000, dataFile });
    const port = new URL(own.url).port;
    const page = await newPage(session.browser);
    try {
      await page.goto(own.url);
      await loginAs(page, 'alice');
      await openConversation(page, 'Team');
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
      // The page's own event (no DOM types here, hence a string): resolves with its reconnect count.
      const reconnected = page.evaluate<number>("new Promise((resolve) => window.addEventListener('playground:reconnected', (e) => resolve(e.detail.reconnects), { once: true }))");

      await own.close();
      await page.locator('[data-testid="connection"][data-state="down"]').waitFor();
      own = await startSandbox({ port: Number(port), seed: 'demo', holdMs: 1000, dataFile });
      expect(await reconnected).toBe(1);
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor();

      const bob = await login(own.url, 'bob');
      const team = (await conversations(bob)).find((c) => c.topic === 'Team')!.conversation_id;
      await bob.sendMessage(team, 'back after the restart');
      await waitForMessage(page, 'back after the restart');
      await bob.logout();
    } finally {
      await page.context().close();
      await own.close();
    }
  });
});
