// Proof that the staged folder runs on its own and holds nothing else: every
// function entry loads from it with plain node (no sources, no dev packages,
// nothing from the build machine's node_modules) and registers with
// @azure/functions; every package entry point the full install resolves is
// still there after pruning; and no dev dependency, test or dev/ file got in.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { SHIPPED_DIST } from './stageApp';
import { filesUnder } from './zipFolder';

const run = promisify(execFile);

export interface LoadReport {
  entries: string[];
  /** Functions registered once every entry was loaded. */
  registered: string[];
  /** Functions that reached the host's registration API (the stand-in for the worker's @azure/functions-core). */
  reachedHost: string[];
}

// What the Node.js worker hands @azure/functions as '@azure/functions-core';
// without it the package switches to test mode and skips every registration.
// This one records the names, so each registration runs its full path.
const FUNCTIONS_CORE_STAND_IN = `
const registered = [];
module.exports = {
  version: '3.10.1',
  registered,
  setProgrammingModel() {},
  registerHook() { return { dispose() {} }; },
  registerFunction(metadata) {
    registered.push(metadata.name);
    return { dispose() {} };
  },
  log() {},
};
`;

// Runs inside the staged folder. Node looks for packages in every parent
// folder's node_modules, and the staged folder sits inside the project, so a
// resolve hook refuses any file outside it: what loads here loads in Azure.
// LOCAL_HOST is unset, so registerHttp and the others call @azure/functions'
// app.* exactly as in Azure, and app.* hands each function to the stand-in.
const LOAD_SCRIPT = `
const { readdirSync, realpathSync } = require('node:fs');
const { registerHooks } = require('node:module');
const { join, sep } = require('node:path');
const { fileURLToPath } = require('node:url');
const root = realpathSync(process.cwd()) + sep;
const standIn = realpathSync(process.env.FUNCTIONS_CORE);
if (typeof registerHooks !== 'function') throw new Error('the load check needs Node 22.15 or later (module.registerHooks)');
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === '@azure/functions-core') {
      return { url: require('node:url').pathToFileURL(standIn).href, shortCircuit: true };
    }
    const resolved = nextResolve(specifier, context);
    const file = resolved.url.startsWith('file:') ? fileURLToPath(resolved.url) : undefined;
    if (file !== undefined && file !== standIn && !file.startsWith(root)) {
      throw new Error('outside the package: ' + specifier + ' -> ' + file);
    }
    return resolved;
  },
});
const folder = join(root, 'dist', 'functions');
const entries = readdirSync(folder).filter((name) => name.endsWith('.js')).sort();
for (const entry of entries) require(join(folder, entry));
const { registeredFunctions } = require(join(folder, 'http', 'functionRegistry.js'));
const reachedHost = require(standIn).registered;
process.stdout.write(JSON.stringify({ entries, registered: registeredFunctions().map((f) => f.name), reachedHost }));
`;

/** Loads every dist/functions/*.js from `staging` in a fresh node; throws with node's error when one fails. */
export async function loadEveryFunction(staging: string): Promise<LoadReport> {
  const core = mkdtempSync(join(tmpdir(), 'functions-core-'));
  const coreFile = join(core, 'index.js');
  writeFileSync(coreFile, FUNCTIONS_CORE_STAND_IN);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_ENV: 'production', FUNCTIONS_CORE: coreFile };
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, ['-e', LOAD_SCRIPT], { cwd: staging, env }));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`the package does not load:\n${stderr}`);
  } finally {
    rmSync(core, { recursive: true, force: true });
  }
  const report = JSON.parse(stdout) as LoadReport;
  if (report.entries.length === 0) throw new Error('the package has no function entry in dist/functions');
  if (report.registered.length < report.entries.length) {
    throw new Error(
      `only ${report.registered.length} functions registered from ${report.entries.length} entries`,
    );
  }
  const notReached = report.registered.filter((name) => !report.reachedHost.includes(name));
  if (notReached.length > 0) {
    throw new Error(`registered but never handed to the Functions host: ${notReached.join(', ')}`);
  }
  return report;
}

/**
 * Package entry points that the full install resolves (for require) but the
 * pruned copy lost. Empty when pruning removed nothing that a require reaches.
 */
export function lostEntryPoints(root: string, staging: string, packages: readonly string[]): string[] {
  const lost: string[] = [];
  for (const folder of packages) {
    const { name, parent } = packageAt(folder);
    // Resolved from the folder holding the node_modules it sits in, as its dependents see it.
    const from = createRequire(join(root, parent, 'noop.js'));
    let resolved: string;
    try {
      resolved = from.resolve(name);
    } catch {
      continue; // no entry for require (types only, or ESM only): nothing to compare
    }
    const inside = relative(realpathSync(join(root, folder)), resolved);
    if (inside.startsWith('..')) continue; // a built-in or another folder's copy
    if (!existsSync(join(staging, folder, inside))) lost.push(`${folder}/${inside.split(sep).join('/')}`);
  }
  return lost;
}

function packageAt(folder: string): { name: string; parent: string } {
  const parts = folder.split('/');
  const at = parts.lastIndexOf('node_modules');
  return { name: parts.slice(at + 1).join('/'), parent: parts.slice(0, at).join('/') };
}

/**
 * What must never be in the package: packages only dev dependencies need
 * (installed but not in the production tree: a devDependency that production
 * also needs, such as @opentelemetry/sdk-metrics under
 * @azure/monitor-opentelemetry, is a production package), tests, dev/
 * tooling, sources.
 */
export function forbiddenContent(staging: string, devOnlyPackages: readonly string[]): string[] {
  const found: string[] = [];
  for (const folder of devOnlyPackages) if (existsSync(join(staging, folder))) found.push(folder);
  for (const folder of ['dist/dev', 'dist/test', 'test', 'dev', 'functions', 'shared']) {
    if (existsSync(join(staging, folder))) found.push(folder);
  }
  const shipped = SHIPPED_DIST.flatMap((folder) =>
    existsSync(join(staging, folder)) ? filesUnder(join(staging, folder)).map((f) => `${folder}/${f}`) : [],
  );
  for (const file of shipped) {
    if (/\.(test|spec|check)\.js$/.test(file) || file.endsWith('.ts')) found.push(file);
  }
  if (existsSync(join(staging, 'console'))) {
    for (const file of readdirSync(join(staging, 'console'))) {
      if (file.endsWith('.ts')) found.push(`console/${file}`);
    }
  }
  return found;
}

/** What the host and the console need at the app root; missing ones are named. */
export function missingContent(staging: string): string[] {
  const needed = [
    'host.json',
    'package.json',
    '.funcignore',
    'dist/functions/http/functionRegistry.js',
    'dist/console/app.js',
    'console/index.html',
    'node_modules/@azure/functions/package.json',
  ];
  return needed.filter((file) => !existsSync(join(staging, file)));
}
