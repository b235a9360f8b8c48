// Table Storage refuses a string property over 64 KiB (UTF-16, so 32 Ki
// characters) and an entity over 1 MiB. We check before writing so the
// caller gets an error naming the property instead of a bare HTTP 400.

export const STRING_PROPERTY_MAX_CHARS = 32 * 1024;
const ENTITY_MAX_BYTES = 1024 * 1024;

export class PropertyTooLargeError extends Error {
  constructor(what: string, size: string, limit: string) {
    super(`${what} is ${size}; Table Storage allows at most ${limit}`);
    this.name = 'PropertyTooLargeError';
  }
}

export type EntityValue = string | number | boolean;
export type EntityProperties = Record<string, EntityValue>;

/** Drops absent optional fields so they stay absent in the row (never the text "undefined"). */
export function definedProperties(properties: Record<string, EntityValue | undefined>): EntityProperties {
  const result: EntityProperties = {};
  for (const [name, value] of Object.entries(properties)) {
    if (value !== undefined) result[name] = value;
  }
  return result;
}

function valueBytes(value: EntityValue): number {
  if (typeof value === 'string') return value.length * 2 + 4;
  return typeof value === 'boolean' ? 1 : 8;
}

/** Checks every string property and the whole entity, using the service's published size formula. */
export function checkEntitySize(
  what: string,
  entity: { partitionKey: string; rowKey: string } & EntityProperties,
): void {
  let bytes = 4 + entity.partitionKey.length * 2 + entity.rowKey.length * 2;
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'partitionKey' || name === 'rowKey') continue;
    if (typeof value === 'string' && value.length > STRING_PROPERTY_MAX_CHARS) {
      throw new PropertyTooLargeError(
        `${what}.${name}`,
        `${value.length} characters`,
        `${STRING_PROPERTY_MAX_CHARS} per property`,
      );
    }
    bytes += 8 + name.length * 2 + valueBytes(value);
  }
  if (bytes > ENTITY_MAX_BYTES) {
    throw new PropertyTooLargeError(what, `about ${bytes} bytes`, `${ENTITY_MAX_BYTES} bytes per row`);
  }
}

/**
 * A text that may outgrow one property (a large rule set) is spread over
 * `name`, `name2`, `name3`… with `nameParts` saying how many there are.
 */
export function splitLongText(name: string, text: string): EntityProperties {
  const properties: EntityProperties = {};
  let part = 0;
  for (let offset = 0; offset === 0 || offset < text.length; offset += STRING_PROPERTY_MAX_CHARS) {
    part += 1;
    properties[part === 1 ? name : `${name}${part}`] = text.slice(offset, offset + STRING_PROPERTY_MAX_CHARS);
  }
  properties[`${name}Parts`] = part;
  return properties;
}

/** Reassembles a text written by splitLongText; undefined when a part is missing or not text. */
export function joinLongText(name: string, row: Readonly<Record<string, unknown>>): string | undefined {
  const parts = row[`${name}Parts`] ?? 1;
  if (typeof parts !== 'number' || !Number.isInteger(parts) || parts < 1 || parts > 32) return undefined;
  let text = '';
  for (let part = 1; part <= parts; part++) {
    const value = row[part === 1 ? name : `${name}${part}`];
    if (typeof value !== 'string') return undefined;
    text += value;
  }
  return text;
}
