import { parsePbxEvent } from '../../shared/pbx/pbxEventSchema';
import { checkPbxTarget, isLoopbackHost } from '../../shared/pbx/pbxTarget';
import { parseRetryAfter } from '../../shared/retryAfter';
import { deleted, upserted } from './sampleEvents';

describe('PBX target check', () => {
  it.each([
    ['http://127.0.0.1:8080/x', true],
    ['http://127.1/x', true],
    ['http://0x7f.0.0.1/x', true],
    ['http://localhost:3000/x', true],
    ['http://[::1]:3000/x', true],
    ['http://128.0.0.1/x', false],
    ['http://127.0.0.1.example.com/x', false],
    ['http://10.0.0.5/x', false],
  ])('%s is loopback: %p', (url, loopback) => {
    expect(isLoopbackHost(new URL(url).hostname)).toBe(loopback);
    expect(checkPbxTarget(url, true).kind).toBe(loopback ? 'allowed' : 'refused');
    expect(checkPbxTarget(url, false).kind).toBe('refused');
  });

  it('allows https anywhere and refuses junk with a reason', () => {
    expect(checkPbxTarget('https://pbx.example.com/hooks', false)).toMatchObject({ kind: 'allowed' });
    expect(checkPbxTarget('not a url', true)).toEqual({
      kind: 'refused',
      errorClass: 'invalidUrl',
      reason: 'the PBX URL is not a valid absolute URL',
    });
  });
});

describe('Retry-After', () => {
  const now = new Date('2026-11-25T08:00:00Z');
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 25 Nov 2026 08:00:10 GMT', now)).toBe(10);
    expect(parseRetryAfter('Wed, 25 Nov 2026 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('later', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('PBX event schema', () => {
  it('accepts both event types and refuses a wrong schema version or call handling', () => {
    expect(parsePbxEvent(upserted('a', 1))).toEqual(upserted('a', 1));
    expect(parsePbxEvent(deleted('a', 2))).toEqual(deleted('a', 2));
    expect(() => parsePbxEvent({ ...upserted('a', 1), schemaVersion: 2 })).toThrow();
    expect(() => parsePbxEvent(upserted('a', 1, { callHandling: 'voicemail' as 'diversion' }))).toThrow();
  });
});
