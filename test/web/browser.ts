/// <reference lib="dom" />
/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core, which
 * never downloads a browser. A missing Chromium fails the test with a clear message (never skips).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Where Debian installs Chromium; WALLETD_TEST_CHROMIUM overrides it. */
export const CHROMIUM = process.env.WALLETD_TEST_CHROMIUM || '/usr/bin/chromium';

/** The built UI as `npm run build` leaves it, which `walletctl ui` serves. */
export const UI_DIST = fileURLToPath(new URL('../../clients/web/dist', import.meta.url));

/**
 * Flags for a closed network: without the background-networking ones Chromium stalls on
 * updates and sync it cannot reach. playwright-core adds headless and a fresh user-data-dir.
 */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Chromium, or throws saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium, as .ci/run does) or set WALLETD_TEST_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/**
 * Builds the UI from the current sources into `outDir` (a few seconds), so no test reads a
 * stale bundle, and parallel test files never rewrite a folder another one serves.
 */
export function buildUi(outDir: string): void {
  const script = fileURLToPath(new URL('../../clients/web/build.mjs', import.meta.url));
  execFileSync(process.execPath, [script, outDir], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, WALLETD_QUIET_BUILD: '1' } });
}

/** Makes sure clients/web/dist exists (as `npm ci` leaves it), for tests of `walletctl ui`. */
export function ensureUiDist(): void {
  if (!existsSync(join(UI_DIST, 'index.html'))) buildUi(UI_DIST);
}

/** The token must never leave page memory: not storage, not a cookie, not the URL. */
export async function expectTokenNowhere(page: Page, token: string): Promise<void> {
  const places = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
    href: location.href,
  }));
  for (const [where, value] of Object.entries(places)) expect(value.includes(token), `token found in ${where}`).toBe(false);
  expect(places.local).toBe('{}');
}

/** Event seqs as the UI's live log shows them, in order. */
export function uiSeqs(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=events] li[data-seq]', (lis) => lis.map((li) => Number(li.getAttribute('data-seq'))));
}
