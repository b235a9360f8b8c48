import {
  checkEntitySize,
  joinLongText,
  PropertyTooLargeError,
  STRING_PROPERTY_MAX_CHARS,
  splitLongText,
} from '../../shared/storage/propertyLimits';

const key = { partitionKey: 'p', rowKey: 'r' };

describe('Table Storage limits, checked before a write', () => {
  it('splits a long text only between whole characters, and joins it back unchanged', () => {
    // An emoji is two UTF-16 units; one ends exactly on the first part's last unit.
    const text = `${'x'.repeat(STRING_PROPERTY_MAX_CHARS - 1)}\u{1F600}${'y'.repeat(10)}`;
    const parts = splitLongText('t', text);
    const first = parts.t as string;
    expect(first.length).toBe(STRING_PROPERTY_MAX_CHARS - 1);
    expect(/\p{Cs}/u.test(first) || /\p{Cs}/u.test(parts.t2 as string)).toBe(false);
    expect(joinLongText('t', parts)).toBe(text);
  });

  it('names the property at fault: one over 32 Ki characters, or the largest of a row over 1 MiB', () => {
    expect(() =>
      checkEntitySize('row', { ...key, small: 'a', big: 'b'.repeat(STRING_PROPERTY_MAX_CHARS + 1) }),
    ).toThrow(expect.objectContaining({ property: 'big' }));
    const parts = splitLongText('rules', 'r'.repeat(480_000));
    const error = (() => {
      try {
        checkEntitySize('row', { ...key, ...parts, other: 'o'.repeat(30_000), more: 'm'.repeat(30_000) });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PropertyTooLargeError);
    expect(error).toMatchObject({ property: 'rules' });
    expect((error as Error).message).toMatch(
      /row\.rules is part of a row of about \d+ bytes; Table Storage allows at most 1048576 bytes per row/,
    );
  });

  it('refuses more than the 252 properties a row may have besides the system ones', () => {
    const many = Object.fromEntries(Array.from({ length: 253 }, (_, i) => [`p${i}`, i]));
    expect(() => checkEntitySize('row', { ...key, ...many })).toThrow(
      /253 properties; Table Storage allows at most 252 per row/,
    );
    const enough = Object.fromEntries(Array.from({ length: 252 }, (_, i) => [`p${i}`, i]));
    expect(() => checkEntitySize('row', { ...key, ...enough })).not.toThrow();
  });
});
