// Rows are untrusted input: another version of the service, an operator with
// Storage Explorer or a bug may have written them. Errors name the row and the
// failing fields, never the stored values (a subject or a secret may be among them).

import type { z } from 'zod';

export class StoredRowError extends Error {
  constructor(what: string, problems: string[]) {
    super(`Stored ${what} is unreadable: ${problems.join('; ')}`);
    this.name = 'StoredRowError';
  }
}

export function parseStoredRow<T extends z.ZodType>(schema: T, row: unknown, what: string): z.output<T> {
  const result = schema.safeParse(row);
  if (result.success) return result.data;
  throw new StoredRowError(
    what,
    result.error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`),
  );
}

/** Parses a property holding JSON, then its schema; `name` prefixes the failing paths. */
export function parseStoredJson<T extends z.ZodType>(
  schema: T,
  text: string | undefined,
  what: string,
  name: string,
): z.output<T> {
  if (text === undefined) throw new StoredRowError(what, [`${name}: missing`]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoredRowError(what, [`${name}: not valid JSON`]);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new StoredRowError(
    what,
    result.error.issues.map((issue) => `${[name, ...issue.path].join('.')}: ${issue.message}`),
  );
}
