// Finds (and if needed compiles) infra/main.bicep into ARM JSON with the
// Bicep CLI that dev/install-bicep.sh restores, and flattens the nested
// module deployments so tests can look resources up by type.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export type Json = Record<string, unknown>;

export const repoRoot = path.resolve(__dirname, '../..');
const infraDir = path.join(repoRoot, 'infra');
const builtTemplate = path.join(repoRoot, 'test-output', 'bicep', 'main.json');

export type TemplateSource = { kind: 'compiled'; template: Json } | { kind: 'unavailable'; reason: string };

function bicepSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return bicepSources(full);
    return /\.(bicep|bicepparam)$|^bicepconfig\.json$/.test(entry.name) ? [full] : [];
  });
}

function installedBicep(): string | undefined {
  if (process.env.BICEP_BIN && existsSync(process.env.BICEP_BIN)) return process.env.BICEP_BIN;
  const toolDir = path.join(repoRoot, '.tools', 'bicep');
  if (existsSync(toolDir)) {
    for (const version of readdirSync(toolDir).sort().reverse()) {
      const candidate = path.join(toolDir, version, 'bicep');
      if (existsSync(candidate)) return candidate;
    }
  }
  if (process.env.CI) {
    // CI must check the real thing: restore the CLI rather than skip.
    return execFileSync('bash', [path.join(repoRoot, 'dev', 'install-bicep.sh')], {
      encoding: 'utf8',
    }).trim();
  }
  return undefined;
}

function isStale(): boolean {
  if (!existsSync(builtTemplate)) return true;
  const builtAt = statSync(builtTemplate).mtimeMs;
  return bicepSources(infraDir).some((file) => statSync(file).mtimeMs > builtAt);
}

export function loadCompiledTemplate(): TemplateSource {
  if (isStale()) {
    const bicep = installedBicep();
    if (!bicep) {
      return {
        kind: 'unavailable',
        reason:
          'Bicep CLI not installed (run `bash dev/install-bicep.sh`); ARM template checks skipped outside CI',
      };
    }
    mkdirSync(path.dirname(builtTemplate), { recursive: true });
    execFileSync(bicep, ['build', path.join(infraDir, 'main.bicep'), '--outfile', builtTemplate], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  return { kind: 'compiled', template: JSON.parse(readFileSync(builtTemplate, 'utf8')) as Json };
}

export function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what} is not an object`);
  }
  return value as Json;
}

/** A resource and the module deployment (if any) whose template declares it. */
export interface PlacedResource {
  symbol: string;
  type: string;
  resource: Json;
  /** The Microsoft.Resources/deployments resource of the module; undefined at the top level. */
  module: Json | undefined;
  /** The template that declares the resource. */
  template: Json;
}

export function flattenResources(template: Json, module?: Json): PlacedResource[] {
  const resources = template.resources;
  const entries: [string, unknown][] = Array.isArray(resources)
    ? resources.map((resource, index) => [String(index), resource])
    : Object.entries(asObject(resources, 'resources'));
  return entries.flatMap(([symbol, value]) => {
    const resource = asObject(value, `resource ${symbol}`);
    const placed: PlacedResource = { symbol, type: String(resource.type), resource, module, template };
    if (resource.type !== 'Microsoft.Resources/deployments') return [placed];
    const nested = asObject(
      asObject(resource.properties, 'deployment properties').template,
      'module template',
    );
    return [placed, ...flattenResources(nested, resource)];
  });
}

/**
 * Resolves `[parameters('x')]` inside a module to the value its parent passes,
 * or to the parameter's default when the parent passes none.
 */
export function resolveParameter(placed: PlacedResource, expression: unknown): unknown {
  if (typeof expression !== 'string') return expression;
  const match = /^\[parameters\('([^']+)'\)\]$/.exec(expression);
  if (!match) return expression;
  const name = match[1]!;
  if (placed.module) {
    const passed = asObject(
      asObject(placed.module.properties, 'module properties').parameters ?? {},
      'parameters',
    );
    const entry = passed[name];
    if (entry !== undefined && typeof entry === 'object' && entry !== null && 'value' in entry) {
      return (entry as Json).value;
    }
    if (entry !== undefined) return entry;
  }
  const declared = asObject(asObject(placed.template.parameters ?? {}, 'parameters')[name] ?? {}, name);
  return declared.defaultValue;
}
