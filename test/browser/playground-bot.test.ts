/**
 * The playground in a real browser with the demo bot running (issue 9): the repo's own
 * bot.config.yaml is loaded and run through `runFromConfig` (embedded sandbox with the demo
 * seed, every built-in plugin with its demo options), with only the machine-specific parts
 * overridden: port 0, no world file, a memory store, no health server. Alice uses the page and
 * must see the bot's replies, its triage and its reaction actions appear live, without a reload.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFromConfig } from '../../src/cli/run.js';
import type { RunHandle } from '../../src/cli/run.js';
import { loadConfig } from '../../src/config/index.js';
import type { LoadedConfig } from '../../src/config/index.js';
import type { BrowserSession } from './helpers.js';
import {
  browserSkipReason,
  collectPageErrors,
  DEMO_PEOPLE,
  launchBrowser,
  loginAs,
  messageByNr,
  openConversation,
  saveScreenshot,
  sendText,
  waitForMessage,
} from './helpers.js';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[browser tests skipped] ${skipReason}`);

const REPO_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bot.config.yaml');
/** How long the bot may take to answer on a loaded 2-core machine. */
const BOT_TIMEOUT_MS = 20_000;

/** The repo's demo config with only what would touch the machine (ports, files) replaced. */
async function demoConfig(): Promise<LoadedConfig> {
  const loaded = await loadConfig(REPO_CONFIG, { env: {} });
  const { config } = loaded;
  return {
    ...loaded,
    config: {
      ...config,
      sandbox: { ...config.sandbox, port: 0, dataFile: null, holdMs: 1000 },
      store: { kind: 'memory', onCorrupt: config.store.onCorrupt },
      http: { ...config.http, enabled: false },
      log: { ...config.log, level: 'warn', pretty: false },
    },
  };
}

describe.skipIf(skipReason !== undefined)('playground page with the demo bot (chromium)', () => {
  let run: RunHandle;
  let session: BrowserSession;
  let pageErrors: string[];
  let botLog = '';

  beforeAll(async () => {
    const loaded = await demoConfig();
    // The demo config must really be the one under test: the bot's plugins come from it.
    expect(loaded.config.plugins.map((p) => p.name)).toEqual(expect.arrayContaining(['help', 'reactions', 'tasks', 'pins']));
    expect(loaded.config.sandbox.seed).toBe('demo');
    run = await runFromConfig(loaded, { stdout: { write: (s: string) => void (botLog += s) } });
    session = await launchBrowser({ viewport: { width: 1280, height: 1000 } });
    pageErrors = collectPageErrors(session.page);
  });

  afterAll(async () => {
    await session?.close();
    await run?.stop();
  });

  it('shows the bot’s help, its triage into a task for Bob and its 📌 pin live, without a reload', async () => {
    const { page } = session;
    const botName = DEMO_PEOPLE.bot.name;
    await page.goto(run.sandbox!.url);
    await loginAs(page, 'alice');
    await openConversation(page, 'Team');
    // A marker on the window survives only if the page is never reloaded.
    await page.evaluate('window.__playgroundMarker = 42');

    // !help → the bot lists the commands of the demo plugins.
    await sendText(page, '!help');
    const help = await waitForMessage(page, 'Commands you can use here:', BOT_TIMEOUT_MS);
    expect(await help.getAttribute('data-author')).toBe(botName);
    const helpText = await help.locator('.body').innerText();
    for (const command of ['!help', '!remind', '!standup', '!tasks']) expect(helpText).toContain(command);

    // "TODO: … @bob" → the tasks plugin makes it a task assigned to Bob and reacts 👍.
    const todo = 'TODO: fix the build @bob';
    await sendText(page, todo);
    const mine = await waitForMessage(page, todo);
    expect(await mine.getAttribute('data-author')).toBe('Alice');
    const todoNr = Number(await mine.getAttribute('data-message-nr'));
    const todoItem = messageByNr(page, todoNr);
    const badge = todoItem.getByTestId('task-badge');
    await badge.getByTestId('assignee').filter({ hasText: 'Bob' }).waitFor({ timeout: BOT_TIMEOUT_MS });
    expect(await badge.getAttribute('data-task-state')).toBe('todo');
    expect(await badge.getByTestId('assignee').allInnerTexts()).toEqual(['Bob']);
    await todoItem.locator('[data-testid="reaction"][data-reaction="👍"]', { hasText: '1' }).waitFor({ timeout: BOT_TIMEOUT_MS });
    // Triage is not a text edit, even though the record carries edited_time.
    expect(await todoItem.getByTestId('edited').count()).toBe(0);

    // 📌 from Alice on a plain message → the reactions plugin pins it (actions: { 📌: pin }).
    const decision = 'Release on Thursday after the build is green';
    await sendText(page, decision);
    const decisionNr = Number(await (await waitForMessage(page, decision)).getAttribute('data-message-nr'));
    const decisionItem = messageByNr(page, decisionNr);
    expect(await decisionItem.getByTestId('pin-badge').count()).toBe(0);
    await decisionItem.hover();
    await decisionItem.getByRole('button', { name: 'React with 📌' }).click();
    await decisionItem.locator('[data-testid="reaction"][data-reaction="📌"][aria-pressed="true"]', { hasText: '1' }).waitFor();
    await decisionItem.getByTestId('pin-badge').waitFor({ timeout: BOT_TIMEOUT_MS });

    expect(await page.evaluate('window.__playgroundMarker')).toBe(42);
    await saveScreenshot(page, 'playground-bot.png');
    expect(pageErrors).toEqual([]);
    expect(run.bot.isRunning).toBe(true);
    // Warnings from the bot would mean something went wrong behind the page's back.
    expect(botLog.split('\n').filter((line) => /"level":(40|50|60)\b/.test(line))).toEqual([]);
  });
});
