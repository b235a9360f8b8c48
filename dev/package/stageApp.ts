// The folder azd deploys: what the Functions host runs and nothing else.
// host.json, package.json and its lock file, .funcignore, the compiled functions, shared
// code and console, the console's page and style sheet, and the production
// dependencies copied from the local node_modules (as `npm ls --omit=dev`
// lists them, so packages only devDependencies pull in stay out). Files that
// never run are pruned (source maps, type declarations, markdown, browser and
// react-native builds); verifyPackage.ts proves the result still loads.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Compiled output the host loads: the function entries, what they import, the console's scripts. */
export const SHIPPED_DIST = ['dist/functions', 'dist/shared', 'dist/console'] as const;
/**
 * .funcignore goes along: azd applies the one beside what it zips, and with
 * none it leaves node_modules out
 * (https://learn.microsoft.com/azure/developer/azure-developer-cli/service-packaging-ignore-files).
 */
const SHIPPED_FILES = ['host.json', 'package.json', 'package-lock.json', '.funcignore'] as const;
/** functions/console.ts serves these as written, beside the compiled scripts. */
const CONSOLE_ASSET = /\.(html|css)$/;

/**
 * What is never executed, so the package drops it. Browser and react-native
 * builds are only picked by the `browser` / `react-native` export conditions
 * and fields, which Node never uses
 * (https://nodejs.org/api/packages.html#conditional-exports). TypeScript
 * (declarations and the sources some packages ship) never runs either: Node
 * refuses to strip types under node_modules
 * (https://nodejs.org/api/typescript.html#type-stripping-in-dependencies).
 */
export function neverRuns(pathInPackage: string): boolean {
  const parts = pathInPackage.split(/[\\/]/);
  const name = parts.at(-1) ?? '';
  if (/\.(map|md|markdown)$/i.test(name)) return true;
  if (/\.[cm]?ts$/.test(name)) return true;
  // Only under a build folder (dist/browser, esm/react-native…): a package's own
  // top-level folder of that name may be what its main points at.
  return parts.some(
    (part, index) =>
      index > 0 && (part === 'browser' || part === 'react-native') && isBuildFolder(parts[index - 1]),
  );
}

function isBuildFolder(name: string | undefined): boolean {
  return name === 'dist' || name === 'build' || name === 'lib' || name === 'esm' || name === 'commonjs';
}

/**
 * The production dependency folders, relative to `root` (node_modules/a,
 * node_modules/a/node_modules/b, …). npm resolves the tree from the installed
 * packages and the lock file, offline.
 */
export async function productionPackages(root: string): Promise<string[]> {
  return listedPackages(root, ['--omit=dev']);
}

/** Every installed package folder, dev dependencies included. */
export async function installedPackages(root: string): Promise<string[]> {
  return listedPackages(root, []);
}

async function listedPackages(root: string, flags: string[]): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', ...flags, '--all', '--parseable'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const folders = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => relative(root, line).split(sep).join('/'))
    .filter((folder) => folder.startsWith('node_modules/'));
  return [...new Set(folders)].sort();
}

export interface StagedApp {
  staging: string;
  /** Every production package folder, as npm lists them. */
  production: string[];
  /** The ones copied (declaration-only packages are not). */
  packages: string[];
}

/** Rebuilds `staging` from `root` (which must hold a fresh `npm run build`). */
export async function stageApp(root: string, staging: string): Promise<StagedApp> {
  for (const folder of SHIPPED_DIST) {
    if (!existsSync(join(root, folder))) throw new Error(`${folder} is missing: run npm run build first`);
  }
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of SHIPPED_FILES) cpSync(join(root, file), join(staging, file));
  for (const folder of SHIPPED_DIST) copyPruned(join(root, folder), join(staging, folder));
  mkdirSync(join(staging, 'console'), { recursive: true });
  for (const asset of readdirSync(join(root, 'console')).filter((name) => CONSOLE_ASSET.test(name))) {
    cpSync(join(root, 'console', asset), join(staging, 'console', asset));
  }
  const production = await productionPackages(root);
  const packages = production.filter((folder) => !typesOnly(folder));
  // Each listed folder without its nested node_modules: the nested packages
  // that production needs are listed on their own, the others stay out.
  for (const folder of packages) copyPruned(join(root, folder), join(staging, folder), true);
  return { staging, production, packages };
}

/** DefinitelyTyped packages hold declarations only; some instrumentations list them as dependencies. */
function typesOnly(folder: string): boolean {
  return /(^|\/)node_modules\/@types\/[^/]+$/.test(folder);
}

function copyPruned(from: string, to: string, skipNestedModules = false): void {
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (source) => {
      const inside = relative(from, source);
      if (inside === '') return true;
      const top = inside.split(sep)[0];
      if (skipNestedModules && (top === 'node_modules' || basename(source) === '.bin')) return false;
      return !neverRuns(inside);
    },
  });
}
