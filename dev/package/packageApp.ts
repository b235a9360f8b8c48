// `npm run package` (after the clean build): stages the deployable folder,
// proves it loads and holds only what runs, zips it, prints its size and file
// count, and fails above the budget (docs/operations.md, "The package").
// azure.yaml points azd at the staged folder (`dist`), so `azd deploy` ships
// exactly what was checked here.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installedPackages, stageApp } from './stageApp';
import { forbiddenContent, loadEveryFunction, lostEntryPoints, missingContent } from './verifyPackage';
import { zipFolder } from './zipFolder';

const MB = 1024 * 1024;

/**
 * Set from the measurement when the package step was introduced (40.0 MB
 * and 9,438 files unzipped, 12.6 MB zipped; docs/operations.md, "The
 * package") with about a quarter to spare for a dependency or two; a jump
 * past it means something that does not run got in (a dev dependency, source
 * maps, a second copy of a tree). Everything installed weighs about 354 MB.
 */
export const PACKAGE_BUDGET = { unzippedBytes: 60 * MB, zippedBytes: 19 * MB, files: 13_000 } as const;

/** Where the staged folder and the zip go (git-ignored; azure.yaml's `dist` names the folder). */
export const PACKAGE_FOLDER = '.package';

export function overBudget(summary: { unzippedBytes: number; zippedBytes: number; files: number }): string[] {
  const over: string[] = [];
  if (summary.unzippedBytes > PACKAGE_BUDGET.unzippedBytes) over.push('unzipped size');
  if (summary.zippedBytes > PACKAGE_BUDGET.zippedBytes) over.push('zipped size');
  if (summary.files > PACKAGE_BUDGET.files) over.push('file count');
  return over;
}

async function main(): Promise<void> {
  const root = resolve(__dirname, '../../..');
  const staging = join(root, PACKAGE_FOLDER, 'app');
  const zipPath = join(root, PACKAGE_FOLDER, 'app.zip');
  mkdirSync(join(root, PACKAGE_FOLDER), { recursive: true });

  const { packages, production } = await stageApp(root, staging);
  const needed = new Set(production);
  const devOnly = (await installedPackages(root)).filter((folder) => !needed.has(folder));
  const forbidden = forbiddenContent(staging, devOnly);
  if (forbidden.length > 0)
    throw new Error(`the package holds what must not ship:\n  ${forbidden.join('\n  ')}`);
  const missing = missingContent(staging);
  if (missing.length > 0) throw new Error(`the package lacks what the app needs:\n  ${missing.join('\n  ')}`);
  const lost = lostEntryPoints(root, staging, packages);
  if (lost.length > 0) throw new Error(`pruning removed package entry points:\n  ${lost.join('\n  ')}`);
  const loaded = await loadEveryFunction(staging);

  const summary = zipFolder(staging, zipPath);
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
  console.log(
    `package: ${summary.files} files, ${mb(summary.unzippedBytes)} unzipped, ${mb(summary.zippedBytes)} zipped ` +
      `(${packages.length} production packages, ${loaded.reachedHost.length} functions handed to the host from ${loaded.entries.length} entries)`,
  );
  console.log(
    `budget: ${PACKAGE_BUDGET.files} files, ${mb(PACKAGE_BUDGET.unzippedBytes)} unzipped, ${mb(PACKAGE_BUDGET.zippedBytes)} zipped`,
  );
  console.log(`staged: ${staging}\nzip:    ${zipPath}`);
  const over = overBudget(summary);
  if (over.length > 0) throw new Error(`the package is over its budget: ${over.join(', ')}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
