// The JSON Schemas of docs/schemas, generated from the zod schemas the code
// and the dev PBX sink validate with. test/pbx/jsonSchemas.test.ts fails when
// the committed files differ; regenerate with
// `npm run build && node dist/dev/pbxSchemas.js`.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PBX_EVENT_SCHEMAS } from '../shared/pbx/pbxEventSchema';

export const SCHEMA_FOLDER = join(__dirname, '..', 'docs', 'schemas');
const BASE_ID = 'https://pbx-calendar-sync.example/schemas';

export function pbxJsonSchemas(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(PBX_EVENT_SCHEMAS).map(([type, schema]) => {
      const fileName = `${type}.v1.schema.json`;
      const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
      return [fileName, { ...generated, $id: `${BASE_ID}/${fileName}`, title: `${type} (schema version 1)` }];
    }),
  );
}

if (require.main === module) {
  // Run from dist/dev: the docs folder is two levels above the source tree's copy.
  const folder = process.argv[2] ?? join(process.cwd(), 'docs', 'schemas');
  mkdirSync(folder, { recursive: true });
  for (const [fileName, schema] of Object.entries(pbxJsonSchemas())) {
    writeFileSync(join(folder, fileName), `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${join(folder, fileName)}`);
  }
}
