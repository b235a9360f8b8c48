// The Bicep linter's settings CI relies on: the recent-API-versions rule stays
// on at a level dev/bicep/check.sh fails on, and every line that turns a rule
// off for one statement says why right above it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './compiledTemplate';

const infraDir = path.join(repoRoot, 'infra');

/** bicepconfig.json allows // comments; none of its strings contain `//` outside a URL in a comment. */
function bicepConfig(): { analyzers: { core: { rules: Record<string, { level: string }> } } } {
  const text = readFileSync(path.join(infraDir, 'bicepconfig.json'), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
}

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(full);
    return entry.name.endsWith('.bicep') ? [full] : [];
  });
}

describe('Bicep linter configuration (infra/bicepconfig.json)', () => {
  it('keeps use-recent-api-versions on at a failing level', () => {
    const rule = bicepConfig().analyzers.core.rules['use-recent-api-versions'];
    // check.sh fails on any printed diagnostic, so warning would do; error matches the other rules.
    expect(rule?.level).toBe('error');
  });

  it('suppresses a rule only on one statement and with the reason on the line above', () => {
    const files = bicepFiles(infraDir);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        const where = `${path.relative(repoRoot, file)}:${index + 1}`;
        // A file-wide or config-wide switch-off would hide every later finding too.
        expect({ where, wide: /#disable-diagnostics|#disable-file/.test(line) }).toEqual({
          where,
          wide: false,
        });
        if (!line.trim().startsWith('#disable-next-line')) return;
        const above = lines[index - 1]?.trim() ?? '';
        expect({ where, reason: above.startsWith('//') && above.length > 20 }).toEqual({
          where,
          reason: true,
        });
      });
    }
  });
});
