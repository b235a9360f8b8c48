import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs; playwright-core never downloads a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

export const chromiumInstalled = existsSync(CHROMIUM);

/**
 * Without Chromium the browser tests cannot run: in CI that is a broken
 * setup and must fail; on a developer's machine they are skipped with a note.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (chromiumInstalled || process.env.CI) {
    describe(name, body);
    return;
  }
  console.warn(`${name}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  describe.skip(name, body);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled) {
    throw new Error(`No Chromium at ${CHROMIUM}: .ci/run installs it with "apt-get install -y chromium"`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** The console's browser scripts, compiled as `npm run build` does, so the test never meets stale ones. */
export function buildConsoleScripts(): void {
  const root = path.resolve(__dirname, '../..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.console.json'], {
    cwd: root,
    stdio: 'pipe',
  });
}

export const SCREENSHOTS = path.resolve(__dirname, '../../test-output/console');
