/**
 * Reusable helpers for browser tests of the playground: launch Debian's chromium through
 * playwright-core, log in as a demo person, open a conversation, send, and wait for messages.
 * Every wait is a playwright auto-waiting locator, never a fixed sleep.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/** Where the browser binary is expected (Debian's `chromium` package). Override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The demo people of the seeded sandbox, by the name tests use. */
export const DEMO_PEOPLE = {
  alice: { email: 'alice@example.com', password: 'demo', name: 'Alice' },
  bob: { email: 'bob@example.com', password: 'demo', name: 'Bob' },
  carol: { email: 'carol@example.com', password: 'demo', name: 'Carol' },
  bot: { email: 'bot@example.com', password: 'demo', name: 'fleepkit bot' },
} as const;

/** A demo person's key in {@link DEMO_PEOPLE}. */
export type DemoPerson = keyof typeof DEMO_PEOPLE;

/**
 * Why browser tests must be skipped, or undefined when they can run. They are skipped only
 * when chromium is absent and `CI` is not set: in CI a missing browser is a failure.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return undefined;
  return `chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`;
}

/** A launched browser with one fresh context and page; `close()` tears all of it down. */
export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Closes the page, the context and the browser. */
  close(): Promise<void>;
}

/**
 * Launches headless chromium with a fresh profile and opens one page.
 * @param options.viewport page size @default { width: 1280, height: 800 }
 */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Opens a page in a fresh context (own cookies and storage) of an already launched browser. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
  return context.newPage();
}

/** The locator of the message item with this `message_nr` (stable across edits and deletes). */
export function messageByNr(page: Page, nr: number): Locator {
  return page.locator(`[data-testid="message"][data-message-nr="${nr}"]`);
}

/**
 * Collects the page's console errors and uncaught exceptions, so a test can assert that the
 * page ran cleanly. Returns the live list.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

/** Logs in with a demo person's button and waits until the conversation list is shown. */
export async function loginAs(page: Page, person: DemoPerson): Promise<void> {
  await page.getByTestId(`login-${person}`).click();
  await page.getByTestId('me-name').filter({ hasText: DEMO_PEOPLE[person].name }).waitFor();
  await page.getByTestId('conv-list').locator('button.conv').first().waitFor();
}

/** Opens a conversation by its list name (topic, or the other person's name) and waits for it. */
export async function openConversation(page: Page, name: string): Promise<void> {
  await page.getByTestId(`conv-${name}`).click();
  await page.getByTestId('conv-title').filter({ hasText: name }).waitFor();
  await page.locator('[data-testid="composer"]:enabled').waitFor();
}

/** Types `text` into the composer and presses Enter; waits until the composer is cleared. */
export async function sendText(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
  await waitForComposerEmpty(page);
}

async function waitForComposerEmpty(page: Page): Promise<void> {
  // The page clears the composer only after the server accepted the send.
  await page.waitForFunction(() => {
    const el = (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector('[data-testid="composer"]');
    return el !== null && el.value === '';
  });
}

/** The locator of message items whose body matches `text` (a substring or a RegExp). */
export function messageItem(page: Page, text: string | RegExp): Locator {
  return page.getByTestId('message').filter({ has: page.locator('.body', { hasText: text }) });
}

/** Waits until a message matching `text` is shown and returns its locator. */
export async function waitForMessage(page: Page, text: string | RegExp, timeoutMs = 15_000): Promise<Locator> {
  const item = messageItem(page, text).last();
  await item.waitFor({ timeout: timeoutMs });
  return item;
}

/** Saves a full-page screenshot under test-artifacts/ and returns its path. */
export async function saveScreenshot(page: Page, file: string): Promise<string> {
  const path = resolve(process.cwd(), 'test-artifacts', file);
  mkdirSync(dirname(path), { recursive: true });
  // Park the pointer so no hover state leaks into the picture.
  await page.mouse.move(0, 0);
  await page.screenshot({ path, fullPage: false });
  return path;
}
