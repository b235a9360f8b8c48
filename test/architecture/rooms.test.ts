import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

// The rules of the house (docs/architecture.md), checked on the source tree so
// they stay true: who may import whom, one name per file, no HTTP in services.
const ROOT = resolve(__dirname, '../..');
const SOURCE_FOLDERS = ['functions', 'shared', 'dev', 'console', 'test'];

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Repository-relative paths of the files a file imports (relative imports only). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] ?? '');
  return specifiers.map((specifier) =>
    relative(ROOT, resolve(dirname(join(ROOT, file)), specifier)).replace(/\.js$/, ''),
  );
}

const all = SOURCE_FOLDERS.flatMap(sourceFiles);
const under = (prefix: string) => all.filter((file) => file.startsWith(prefix));
const SERVICE_ROOMS = ['sync', 'status', 'delivery', 'subscriptions', 'onboarding', 'management'].map(
  (room) => `shared/${room}/`,
);

describe('the rooms of the house', () => {
  it('gives every source file a base name nothing else shares', () => {
    const byName = new Map<string, string[]>();
    for (const file of all) byName.set(basename(file), [...(byName.get(basename(file)) ?? []), file]);
    const shared = [...byName.values()].filter((files) => files.length > 1);
    expect(shared).toEqual([]);
  });

  it('keeps the domain pure: it imports nothing outside shared/domain', () => {
    const leaks = under('shared/domain/').flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith('shared/domain/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(leaks).toEqual([]);
  });

  it('ships nothing that only the local host uses: functions/ and shared/ never import dev/ or test/', () => {
    const leaks = [...under('functions/'), ...under('shared/')].flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('dev/') || target.startsWith('test/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(leaks).toEqual([]);
  });

  it('lets function files reach adapters only through the composition root', () => {
    // A function file parses its trigger and calls one service; it may read the
    // schema of its own trigger's message, never a repository or a client.
    const triggerParsing = ['shared/pbx/pbxEventSchema', 'shared/queue/serviceBusTriggerMetadata'];
    const adapters = ['shared/storage/', 'shared/graph/', 'shared/queue/', 'shared/secrets/', 'shared/pbx/'];
    const leaks = under('functions/').flatMap((file) =>
      importsOf(file)
        .filter((target) => adapters.some((room) => target.startsWith(room)))
        .filter((target) => !triggerParsing.includes(target))
        .map((target) => `${file} -> ${target}`),
    );
    expect(leaks).toEqual([]);
  });

  it('keeps HTTP out of the services: no status code they could answer with', () => {
    const code = (file: string) =>
      readFileSync(join(ROOT, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
    const offenders = SERVICE_ROOMS.flatMap(under).filter((file) => /\b(400|404|409)\b/.test(code(file)));
    expect(offenders).toEqual([]);
  });

  it('names in docs/architecture.md only folders and files that exist', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const roots = 'functions|shared|dev|console|test|docs|infra';
    const pathPattern = new RegExp(`(?<![\\w/.])(?:${roots})\\/[A-Za-z0-9_.*/-]*[A-Za-z0-9_*/]`, 'g');
    const named = [...new Set([...doc.matchAll(pathPattern)].map((m) => m[0]))];
    expect(named.length).toBeGreaterThan(30);
    const missing = named.filter((path) => {
      if (!path.includes('*')) return !existsSync(join(ROOT, path));
      const pattern = new RegExp(`^${path.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
      return !all.some((file) => pattern.test(file));
    });
    expect(missing).toEqual([]);
  });
});
