// Table Storage's limits, checked before every write so the caller gets an
// error naming the property instead of a bare HTTP 400 from the service:
// a string property holds at most 64 KiB of UTF-16 (32 Ki characters), an
// entity at most 1 MiB in all and at most 255 properties, 3 of them the
// system's (PartitionKey, RowKey, Timestamp). Sizes use the service's own
// formula. See "Understanding the Table service data model",
// https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
// (keys: shared/storage/tableKeys.ts).

export const STRING_PROPERTY_MAX_CHARS = 32 * 1024;
export const ENTITY_MAX_BYTES = 1024 * 1024;
const CUSTOM_PROPERTIES_MAX = 255 - 3;

/**
 * A row that Table Storage would refuse. `property` is the property at fault
 * (for a row too large as a whole, its largest property, a split text counted
 * as one), so a service can say which of the caller's fields it came from.
 */
export class PropertyTooLargeError extends Error {
  readonly property: string;
  constructor(what: string, property: string, size: string, limit: string) {
    super(`${property ? `${what}.${property}` : what} is ${size}; Table Storage allows at most ${limit}`);
    this.name = 'PropertyTooLargeError';
    this.property = property;
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

/** `ruleSet3` and `ruleSetParts` are parts of `ruleSet` (see splitLongText). */
const groupOf = (name: string) => name.replace(/(?:\d+|Parts)$/, '');

/** Checks every string property, the property count and the whole entity, using the service's published size formula. */
export function checkEntitySize(
  what: string,
  entity: { partitionKey: string; rowKey: string } & EntityProperties,
): void {
  let bytes = 4 + entity.partitionKey.length * 2 + entity.rowKey.length * 2;
  let count = 0;
  const groups = new Map<string, number>();
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'partitionKey' || name === 'rowKey') continue;
    if (typeof value === 'string' && value.length > STRING_PROPERTY_MAX_CHARS) {
      throw new PropertyTooLargeError(
        what,
        name,
        `${value.length} characters`,
        `${STRING_PROPERTY_MAX_CHARS} per property`,
      );
    }
    const size = 8 + name.length * 2 + valueBytes(value);
    bytes += size;
    count += 1;
    groups.set(groupOf(name), (groups.get(groupOf(name)) ?? 0) + size);
  }
  const largest = [...groups].reduce<[string, number]>((a, b) => (b[1] > a[1] ? b : a), ['', 0])[0];
  if (count > CUSTOM_PROPERTIES_MAX) {
    throw new PropertyTooLargeError(what, largest, `${count} properties`, `${CUSTOM_PROPERTIES_MAX} per row`);
  }
  if (bytes > ENTITY_MAX_BYTES) {
    throw new PropertyTooLargeError(
      what,
      largest,
      `part of a row of about ${bytes} bytes`,
      `${ENTITY_MAX_BYTES} bytes per row`,
    );
  }
}

/**
 * A text that may outgrow one property (a large rule set) is spread over
 * `name`, `name2`, `name3`… with `nameParts` saying how many there are.
 */
export function splitLongText(name: string, text: string): EntityProperties {
  const properties: EntityProperties = {};
  let part = 0;
  for (let offset = 0; offset === 0 || offset < text.length; ) {
    let end = Math.min(offset + STRING_PROPERTY_MAX_CHARS, text.length);
    // Never between the two halves of a surrogate pair: each half alone is not text the service keeps.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    part += 1;
    properties[part === 1 ? name : `${name}${part}`] = text.slice(offset, end);
    if (end === offset) break;
    offset = end;
  }
  properties[`${name}Parts`] = part;
  return properties;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

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
