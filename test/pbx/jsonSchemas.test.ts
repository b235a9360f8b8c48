import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pbxJsonSchemas } from '../../dev/pbxSchemas';
import { pbxEventSchema } from '../../shared/pbx/pbxEventSchema';

const folder = join(__dirname, '..', '..', 'docs', 'schemas');
const docs = join(__dirname, '..', '..', 'docs', 'pbx-webhooks.md');

describe('the JSON Schemas in docs/schemas', () => {
  const generated = pbxJsonSchemas();

  if (process.env.UPDATE_PBX_SCHEMAS === '1') {
    for (const [name, schema] of Object.entries(generated)) {
      writeFileSync(join(folder, name), `${JSON.stringify(schema, null, 2)}\n`);
    }
  }

  it('are exactly what the zod schemas the code validates with generate', () => {
    const committed = readdirSync(folder).filter((name) => name.endsWith('.schema.json'));
    expect(committed.sort()).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) {
      // Compared as data, so formatting the files (biome) does not matter.
      expect(JSON.parse(readFileSync(join(folder, name), 'utf8'))).toEqual(schema);
    }
  });

  it('cover every event type, each with its type fixed', () => {
    for (const [name, schema] of Object.entries(generated)) {
      const type = name.replace('.v1.schema.json', '');
      expect(schema).toMatchObject({
        type: 'object',
        properties: { type: { const: type }, schemaVersion: { const: 1 } },
      });
    }
  });

  it('accept every example in docs/pbx-webhooks.md', () => {
    expect(existsSync(docs)).toBe(true);
    const text = readFileSync(docs, 'utf8');
    const examples = [...text.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((match) => JSON.parse(match[1] ?? '') as unknown)
      .filter(
        (value): value is { type: string } => typeof value === 'object' && value !== null && 'type' in value,
      );
    expect(examples.map((example) => example.type).sort()).toEqual([
      'absence.deleted',
      'absence.upserted',
      'user.snapshot',
      'user.status',
    ]);
    for (const example of examples) expect(pbxEventSchema.safeParse(example).error).toBeUndefined();
  });
});
