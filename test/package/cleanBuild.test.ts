import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// `npm run build` must start from an empty dist/: package.json's `main` glob
// (dist/functions/*.js) loads every compiled file there, so a function renamed
// in the sources would otherwise still be registered from its stale output.
// The project's own build script runs here on a tiny project of one function,
// so the test exercises exactly what `npm run build` does.

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

describe('npm run build', () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'clean-build-'));
    copyFileSync(join(ROOT, 'package.json'), join(project, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
    mkdirSync(join(project, 'functions'));
    writeFileSync(join(project, 'functions', 'renamedLater.ts'), 'export const name = "renamedLater";\n');
    mkdirSync(join(project, 'console'));
    writeFileSync(join(project, 'console', 'page.ts'), 'export const page = 1;\n');
    const options = { strict: true, module: 'node16', moduleResolution: 'node16', types: [] };
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...options, outDir: 'dist', rootDir: '.' },
        include: ['functions/**/*.ts'],
      }),
    );
    writeFileSync(
      join(project, 'tsconfig.console.json'),
      JSON.stringify({
        compilerOptions: { ...options, outDir: 'dist/console', rootDir: 'console' },
        include: ['console/**/*.ts'],
      }),
    );
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('removes a stale compiled function before compiling', async () => {
    mkdirSync(join(project, 'dist', 'functions'), { recursive: true });
    const stale = join(project, 'dist', 'functions', 'oldName.js');
    writeFileSync(stale, 'require("@azure/functions").app.http("oldName", {});\n');

    await run('npm', ['run', 'build'], { cwd: project });

    expect(existsSync(stale)).toBe(false);
    expect(existsSync(join(project, 'dist', 'functions', 'renamedLater.js'))).toBe(true);
    expect(existsSync(join(project, 'dist', 'console', 'page.js'))).toBe(true);
  });
});
