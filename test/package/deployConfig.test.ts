import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { overBudget, PACKAGE_BUDGET, PACKAGE_FOLDER } from '../../dev/package/packageApp';

// azd must ship the folder `npm run package` checked, as it is: azure.yaml
// names it, builds it before packaging and asks for no remote build, and
// .funcignore (which azd applies to what it zips) keeps everything in it.

const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('what azd deploys', () => {
  const azureYaml = read('azure.yaml');

  it('is the staged folder, built by npm run package, without a remote build', () => {
    expect(azureYaml).toMatch(new RegExp(`^\\s+dist: ${PACKAGE_FOLDER.replace('.', '\\.')}/app$`, 'm'));
    expect(azureYaml).toMatch(/^\s+remoteBuild: false$/m);
    const hook = /^ {6}prepackage:\n((?: {8}.*\n)+)/m.exec(azureYaml)?.[1] ?? '';
    expect(hook).toMatch(/^ {8}posix:\n {10}shell: sh\n {10}run: npm run package$/m);
    expect(hook).toMatch(/^ {8}windows:\n {10}shell: pwsh\n {10}run: npm run package$/m);
    expect(JSON.parse(read('package.json')).scripts.package).toMatch(/^npm run build && /);
  });

  it('keeps node_modules and the shipped folders: every .funcignore pattern is anchored at the root', () => {
    const patterns = read('.funcignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(patterns.filter((pattern) => !pattern.startsWith('/'))).toEqual([]);
    const shipped =
      /^\/(node_modules|host\.json|package(-lock)?\.json|dist|dist\/(functions|shared|console)|console)\/?$/;
    expect(patterns.filter((pattern) => shipped.test(pattern))).toEqual([]);
  });

  it('is over budget when any one of size, zipped size or file count is', () => {
    const within = { unzippedBytes: PACKAGE_BUDGET.unzippedBytes, zippedBytes: 1, files: 1 };
    expect(overBudget(within)).toEqual([]);
    expect(overBudget({ ...within, unzippedBytes: within.unzippedBytes + 1 })).toEqual(['unzipped size']);
    expect(overBudget({ ...within, zippedBytes: PACKAGE_BUDGET.zippedBytes + 1 })).toEqual(['zipped size']);
    expect(overBudget({ ...within, files: PACKAGE_BUDGET.files + 1 })).toEqual(['file count']);
  });
});
