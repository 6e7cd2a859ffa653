// Debian's chromium driven by playwright-core, for the console's browser tests: a device is a
// browser of its own (a fresh profile), watched for requests that leave the machine and for page
// errors and missing translations. Without chromium the tests are skipped, loudly; with CI=true
// that is a failing test instead.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { test } from 'vitest';
import { projectRoot } from '../../src/paths.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true';
export const chromiumMissing = !existsSync(CHROMIUM);
export const SHOTS = path.join(projectRoot, 'test-results/screenshots');

/** Warns (or, with CI=true, registers a failing test) when chromium is missing. */
export function requireChromium(): void {
  if (!chromiumMissing) return;
  if (!CI) {
    console.warn([
      '',
      '#'.repeat(78),
      `# SKIPPED: the console's browser tests (edge/test/browser): no chromium at ${CHROMIUM}.`,
      '#   Install it with `apt-get install -y chromium` (or set CHROMIUM_PATH) to run them.',
      '#   With CI=true a missing browser fails the run instead.',
      '#'.repeat(78),
      '',
    ].join('\n'));
    return;
  }
  // A failing test, not a failing hook: a hook's error leaves every test "skipped".
  test('chromium is installed (CI=true)', () => {
    throw new Error(`CI=true and no chromium at ${CHROMIUM}: .ci/run installs it (apt-get install -y chromium)`);
  });
}

export interface Device { context: BrowserContext; page: Page; profile: string }

export async function openDevice(origin: string, viewport: { width: number; height: number }, foreign: string[], problems: string[],
  timezoneId = 'UTC'): Promise<Device> {
  const profile = mkdtempSync(path.join(tmpdir(), 'ls-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport,
    locale: 'en-US',
    timezoneId,
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  context.on('request', (r) => {
    const url = r.url();
    if (!/^(data|blob):/.test(url) && new URL(url).origin !== origin) foreign.push(url);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Missing translation/i.test(m.text())) problems.push(m.text());
  });
  return { context, page, profile };
}

export async function closeDevice(device: Device | undefined): Promise<void> {
  if (!device) return;
  await device.context.close();
  rmSync(device.profile, { recursive: true, force: true });
}
