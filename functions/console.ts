// The operator console: one HTML page and its script and style sheet. The
// page holds no data; everything it shows comes from the management API,
// called by the page's script with the same function key.
//
// The page needs the key (or, with App Service Authentication, the session).
// The assets are anonymous: a browser loads scripts, module imports and style
// sheets without custom headers, and they are the same code for everyone.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { registerHttp } from './http/functionRegistry';
import { problem } from './http/requestBody';

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  // The key arrives in the address (?code=); never hand it to another site.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/** Flat names only: no path can climb out of the asset folders. */
const ASSET_NAME = /^([a-zA-Z][a-zA-Z0-9]{0,63})\.(js|css)$/;

const CONTENT_TYPE = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

/** The folder with host.json: the app root both from `functions/` (tests, local host) and `dist/functions/`. */
function appRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'host.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '..');
    dir = parent;
  }
  return dir;
}

const ROOT = appRoot();
/** HTML and CSS are served as written; the scripts are compiled by `tsc -p tsconfig.console.json`. */
const SOURCE_DIR = path.join(ROOT, 'console');
const SCRIPT_DIR = path.join(ROOT, 'dist', 'console');

async function readOrUndefined(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch {
    return undefined;
  }
}

export async function getConsolePage(): Promise<HttpResponseInit> {
  const html = await readOrUndefined(path.join(SOURCE_DIR, 'index.html'));
  if (!html) return problem(404, 'the console page is not deployed');
  return {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: new Uint8Array(html),
  };
}

export async function getConsoleAsset(request: HttpRequest): Promise<HttpResponseInit> {
  const match = ASSET_NAME.exec(request.params.name ?? '');
  if (!match) return problem(404, 'no such asset');
  const [, base, extension] = match as unknown as [string, string, 'js' | 'css'];
  const file =
    extension === 'js' ? path.join(SCRIPT_DIR, `${base}.js`) : path.join(SOURCE_DIR, `${base}.css`);
  const content = await readOrUndefined(file);
  if (!content) {
    return problem(404, extension === 'js' ? `no script ${base}.js (run npm run build)` : 'no such asset');
  }
  return {
    status: 200,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPE[extension],
      // Always revalidated: a new deployment must not meet an old script.
      'cache-control': 'no-cache',
    },
    body: new Uint8Array(content),
  };
}

registerHttp('console', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'console',
  handler: getConsolePage,
});

registerHttp('consoleAssets', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'console/assets/{name}',
  handler: getConsoleAsset,
});
