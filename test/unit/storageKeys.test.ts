import fc from 'fast-check';
import {
  compositeKey,
  decodeKeyPart,
  encodeKeyPart,
  InvalidKeyError,
  KEY_SEPARATOR,
  splitCompositeKey,
} from '../../shared/storage/tableKeys';

// Characters Table Storage forbids in PartitionKey/RowKey.
const FORBIDDEN = /[/\\#?\p{Cc}]/u;

describe('table keys', () => {
  it('escapes any id reversibly into a key without forbidden characters or the separator', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100, unit: 'binary' }), (id) => {
        const key = encodeKeyPart(id, 'id');
        expect(FORBIDDEN.test(key)).toBe(false);
        expect(key).not.toContain(KEY_SEPARATOR);
        expect(decodeKeyPart(key)).toBe(id);
      }),
    );
  });

  it('leaves ordinary Graph ids as they are', () => {
    expect(encodeKeyPart('1f2e3d4c-0000-4000-8000-00000000abcd', 'user id')).toBe(
      '1f2e3d4c-0000-4000-8000-00000000abcd',
    );
    expect(encodeKeyPart('AAMkAGI2TAAA=', 'event id')).toBe('AAMkAGI2TAAA=');
  });

  it('splits a composite key back into exactly the ids it joined', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 50 }),
        fc.string({ minLength: 1, maxLength: 50 }),
        (a, b) => {
          const key = compositeKey([
            [a, 'integration id'],
            [b, 'user id'],
          ]);
          expect(splitCompositeKey(key, 2)).toStrictEqual([a, b]);
        },
      ),
    );
  });

  it('refuses empty and overlong ids, naming the id but not its value', () => {
    expect(() => encodeKeyPart('', 'user id')).toThrow(new InvalidKeyError('user id', 'it is empty'));
    expect(() => encodeKeyPart('#'.repeat(200), 'absence id')).toThrow(
      /absence id cannot be stored: it is longer/,
    );
  });
});
