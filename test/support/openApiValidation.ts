// Checks an OpenAPI document with an independent validator,
// @seriousme/openapi-schema-validator (the OpenAPI Initiative's JSON Schemas
// for 3.0, 3.1 and 3.2, through ajv). The package is ESM only and Jest's
// CommonJS runtime cannot import it, so it runs in a child Node process that
// reads the document on stdin and prints the verdict.
import { execFile } from 'node:child_process';

export interface OpenApiVerdict {
  valid: boolean;
  version?: string;
  errors?: unknown;
}

const SCRIPT = `
import { Validator } from '@seriousme/openapi-schema-validator';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const validator = new Validator();
const result = await validator.validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));
`;

export function validateOpenApi(document: unknown): Promise<OpenApiVerdict> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT],
      { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(JSON.parse(stdout) as OpenApiVerdict);
      },
    );
    child.stdin?.end(JSON.stringify(document));
  });
}
