import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { installedPackages, stageApp } from '../../dev/package/stageApp';
import {
  forbiddenContent,
  loadEveryFunction,
  lostEntryPoints,
  missingContent,
} from '../../dev/package/verifyPackage';
import { filesUnder, zipFolder } from '../../dev/package/zipFolder';

// The package step on a small project of its own: real npm lists the
// dependency tree, real node loads the staged entries. alpha (production)
// needs beta and its own nested epsilon; gamma (dev) needs delta; zeta
// (production) wrongly points its main at a browser build.

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

function fakePackage(
  root: string,
  folder: string,
  manifest: { name: string; main?: string; dependencies?: Record<string, string> },
  files: Record<string, string>,
): void {
  write(root, `${folder}/package.json`, JSON.stringify({ version: '1.0.0', ...manifest }));
  for (const [path, content] of Object.entries(files)) write(root, `${folder}/${path}`, content);
}

function fixtureProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'stage-app-'));
  write(
    root,
    'package.json',
    JSON.stringify({
      name: 'fixture',
      version: '1.0.0',
      dependencies: { '@azure/functions': '1.0.0', alpha: '1.0.0', zeta: '1.0.0' },
      devDependencies: { gamma: '1.0.0' },
    }),
  );
  write(root, 'package-lock.json', '{}');
  write(root, 'host.json', '{"version":"2.0"}');
  write(root, '.funcignore', '/dev\n');
  fakePackage(
    root,
    'node_modules/alpha',
    { name: 'alpha', main: 'index.js', dependencies: { beta: '1.0.0', epsilon: '1.0.0' } },
    {
      'index.js': 'module.exports = require("beta") + require("epsilon");',
      'index.js.map': '{}',
      'index.d.ts': 'export {};',
      'src/index.ts': 'export {};',
      'README.md': '# alpha',
      'dist/browser/index.js': 'window.alpha = 1;',
      LICENSE: 'MIT',
    },
  );
  // Shaped like the real one: registers through the worker's @azure/functions-core.
  fakePackage(
    root,
    'node_modules/@azure/functions',
    { name: '@azure/functions', main: 'index.js' },
    {
      'index.js':
        'const core = require("@azure/functions-core");' +
        'exports.app = { http: (name, options) => core.registerFunction({ name }, options.handler) };',
    },
  );
  fakePackage(
    root,
    'node_modules/beta',
    { name: 'beta', main: 'index.js' },
    { 'index.js': 'module.exports = 1;' },
  );
  fakePackage(
    root,
    'node_modules/alpha/node_modules/epsilon',
    { name: 'epsilon', main: 'index.js' },
    { 'index.js': 'module.exports = 2;' },
  );
  fakePackage(
    root,
    'node_modules/gamma',
    { name: 'gamma', main: 'index.js', dependencies: { delta: '1.0.0' } },
    { 'index.js': 'module.exports = require("delta");' },
  );
  fakePackage(
    root,
    'node_modules/delta',
    { name: 'delta', main: 'index.js' },
    { 'index.js': 'module.exports = 3;' },
  );
  fakePackage(
    root,
    'node_modules/zeta',
    { name: 'zeta', main: 'dist/browser/index.js' },
    { 'dist/browser/index.js': 'module.exports = 4;' },
  );
  // The compiled app: a registry shaped like functions/http/functionRegistry.ts, one entry using alpha.
  write(
    root,
    'dist/functions/http/functionRegistry.js',
    'const { app } = require("@azure/functions"); const d = [];' +
      'exports.registerHttp = (name, options) => { d.push({ name }); if (!options.skipHost) app.http(name, options); };' +
      'exports.registeredFunctions = () => d;',
  );
  write(
    root,
    'dist/functions/hello.js',
    'require("alpha"); require("./http/functionRegistry").registerHttp("hello", { handler: () => {} });',
  );
  write(root, 'dist/functions/hello.js.map', '{}');
  write(root, 'dist/shared/util.js', 'exports.x = 1;');
  write(root, 'dist/console/app.js', 'console.log(1);');
  write(root, 'dist/dev/localHost/main.js', 'require("gamma");');
  write(root, 'dist/test/some.test.js', 'test();');
  write(root, 'console/index.html', '<html></html>');
  write(root, 'console/console.css', 'body {}');
  write(root, 'console/app.ts', 'export {};');
  return root;
}

describe('the package step', () => {
  let root: string;
  let staging: string;
  let staged: Awaited<ReturnType<typeof stageApp>>;

  beforeAll(async () => {
    root = fixtureProject();
    staging = join(root, '.package', 'app');
    staged = await stageApp(root, staging);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stages production packages with their nested ones, and none that only dev dependencies need', () => {
    expect(staged.packages).toEqual([
      'node_modules/@azure/functions',
      'node_modules/alpha',
      'node_modules/alpha/node_modules/epsilon',
      'node_modules/beta',
      'node_modules/zeta',
    ]);
    const files = filesUnder(staging);
    expect(files).toContain('node_modules/alpha/node_modules/epsilon/index.js');
    expect(files.filter((file) => /gamma|delta/.test(file))).toEqual([]);
  });

  it('ships the compiled functions, shared code and console, the console page, and nothing of dev/ or test/', () => {
    const files = filesUnder(staging);
    expect(files).toEqual(
      expect.arrayContaining([
        'host.json',
        '.funcignore',
        'package.json',
        'package-lock.json',
        'dist/functions/hello.js',
        'dist/shared/util.js',
        'dist/console/app.js',
        'console/index.html',
        'console/console.css',
      ]),
    );
    expect(files.filter((file) => /^dist\/(dev|test)\/|^console\/.*\.ts$/.test(file))).toEqual([]);
  });

  it('prunes source maps, TypeScript, markdown and browser builds, keeping what runs and the licence', () => {
    const alpha = filesUnder(join(staging, 'node_modules/alpha')).filter(
      (f) => !f.startsWith('node_modules/'),
    );
    expect(alpha.sort()).toEqual(['LICENSE', 'index.js', 'package.json']);
    expect(existsSync(join(staging, 'dist/functions/hello.js.map'))).toBe(false);
  });

  it('names what the host and the console need but the staged folder lacks', () => {
    expect(missingContent(staging)).toEqual([]);
    const page = readFileSync(join(staging, 'console/index.html'));
    rmSync(join(staging, 'console/index.html'));
    try {
      expect(missingContent(staging)).toEqual(['console/index.html']);
    } finally {
      writeFileSync(join(staging, 'console/index.html'), page);
    }
  });

  it('loads every function entry from the staged folder alone', async () => {
    const report = await loadEveryFunction(staging);
    expect(report).toEqual({ entries: ['hello.js'], registered: ['hello'], reachedHost: ['hello'] });
  });

  it('fails the load when a registered function never reaches the Functions host', async () => {
    write(
      staging,
      'dist/functions/localOnly.js',
      'require("./http/functionRegistry").registerHttp("localOnly", { handler: () => {}, skipHost: true });',
    );
    try {
      await expect(loadEveryFunction(staging)).rejects.toThrow(
        /never handed to the Functions host: localOnly/,
      );
    } finally {
      rmSync(join(staging, 'dist/functions/localOnly.js'));
    }
  });

  it('fails the load when an entry needs a package that only development has', async () => {
    write(staging, 'dist/functions/usesDevTool.js', 'require("gamma");');
    try {
      await expect(loadEveryFunction(staging)).rejects.toThrow(/does not load[\s\S]*gamma/);
    } finally {
      rmSync(join(staging, 'dist/functions/usesDevTool.js'));
    }
  });

  it('finds a package entry point that pruning removed', () => {
    expect(lostEntryPoints(root, staging, staged.packages)).toEqual([
      'node_modules/zeta/dist/browser/index.js',
    ]);
  });

  it('names dev-only packages, dev/ and test output found in the staged folder', async () => {
    const production = new Set(staged.production);
    const devOnly = (await installedPackages(root)).filter((folder) => !production.has(folder));
    expect(devOnly).toEqual(['node_modules/delta', 'node_modules/gamma']);
    expect(forbiddenContent(staging, devOnly)).toEqual([]);
    write(staging, 'node_modules/delta/index.js', '');
    write(staging, 'dist/dev/x.js', '');
    write(staging, 'dist/shared/x.test.js', '');
    try {
      expect(forbiddenContent(staging, devOnly)).toEqual([
        'node_modules/delta',
        'dist/dev',
        'dist/shared/x.test.js',
      ]);
    } finally {
      for (const path of ['node_modules/delta', 'dist/dev', 'dist/shared/x.test.js']) {
        rmSync(join(staging, path), { recursive: true });
      }
    }
  });

  it('zips the staged folder so that every file comes back byte for byte', () => {
    const zipPath = join(root, '.package', 'app.zip');
    const summary = zipFolder(staging, zipPath);
    const entries = readZip(readFileSync(zipPath));
    const files = filesUnder(staging);
    expect(summary.files).toBe(files.length);
    expect([...entries.keys()]).toEqual(files);
    for (const file of files) expect(entries.get(file)?.equals(readFileSync(join(staging, file)))).toBe(true);
    expect(summary.unzippedBytes).toBe(
      files.reduce((sum, f) => sum + readFileSync(join(staging, f)).length, 0),
    );
  });
});

/** Reads a zip through its central directory, as unzip and the Functions host do. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(dataStart, dataStart + compressed);
    files.set(name, method === 8 ? inflateRawSync(body) : Buffer.from(body));
    at += 46 + nameLength + extra + comment;
  }
  return files;
}
