// The call-centre system's booking key: its own prefix (never taken for a PBX
// key or the other way round), shown once and kept as a hash, checked against
// the current and the replaced key, rotated with or without an overlap.

import {
  type BookingCredentialState,
  bookingCredentialId,
  bookingKeyAccepted,
  bookingKeyHash,
  integrationOfBookingKey,
  mintBookingKey,
  ROTATION_OVERLAP_MS,
  revokedBookingCredential,
  rotateBookingCredential,
} from '../../shared/booking/bookingCredential';
import { integrationOfPbxApiKey, mintPbxApiKey, pbxApiKeyMatches } from '../../shared/pbx/pbxApiKey';
import type { BookingSettings } from '../../shared/storage/records';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('the booking key', () => {
  it('names its integration behind a prefix of its own, with 256 random bits', () => {
    const key = mintBookingKey('contoso-field');
    expect(key).toMatch(/^ccbk_contoso-field_[A-Za-z0-9_-]{43}$/);
    expect(integrationOfBookingKey(key)).toBe('contoso-field');
    expect(mintBookingKey('contoso-field')).not.toBe(key);
    expect(() => mintBookingKey('Not_An_Id')).toThrow(RangeError);
  });

  it('is never read as a PBX key, nor a PBX key as a booking key', () => {
    const booking = mintBookingKey('contoso');
    const pbx = mintPbxApiKey('contoso');
    expect(integrationOfPbxApiKey(booking)).toBeUndefined();
    expect(integrationOfBookingKey(pbx)).toBeUndefined();
    // Even a PBX row holding the booking key's hash (a mix-up in a tool) would not open the PBX endpoint with it: the shapes differ first.
    expect(pbxApiKeyMatches(pbx, bookingKeyHash(booking))).toBe(false);
    expect(bookingKeyAccepted(pbx, { credentialHash: bookingKeyHash(booking) }, NOW)).toBeUndefined();
    // An operator key (a Functions host key: base64 without our prefix) has no booking shape.
    expect(integrationOfBookingKey('9nL2kQ0aZxw3mYt1b5c7d8e6f4g2h0i9j8k7l6m5n4o3p2q1r0==')).toBeUndefined();
  });

  it('keeps a SHA-256 of the key, and a short id of it that is no key', () => {
    const key = mintBookingKey('contoso');
    const hash = bookingKeyHash(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(key.slice(-43));
    expect(bookingCredentialId(hash)).toBe(hash.slice(0, 12));
  });
});

describe('checking a presented key', () => {
  it('accepts the current key and nothing else', () => {
    const key = mintBookingKey('contoso');
    const state: BookingCredentialState = {
      credentialHash: bookingKeyHash(key),
      credentialSetAt: NOW.toISOString(),
    };
    expect(bookingKeyAccepted(key, state, NOW)).toBe('current');
    expect(bookingKeyAccepted(mintBookingKey('contoso'), state, NOW)).toBeUndefined();
    expect(bookingKeyAccepted(`${key}x`, state, NOW)).toBeUndefined();
  });

  it('accepts nothing without a stored key, or with a stored value that is not a hash', () => {
    const key = mintBookingKey('contoso');
    expect(bookingKeyAccepted(key, undefined, NOW)).toBeUndefined();
    expect(bookingKeyAccepted(key, {}, NOW)).toBeUndefined();
    // The hash of nothing stands in for a missing one; it must not let the empty key in.
    expect(bookingKeyAccepted('', {}, NOW)).toBeUndefined();
    expect(bookingKeyAccepted(key, { credentialHash: 'not-hex' }, NOW)).toBeUndefined();
  });
});

describe('rotating the key', () => {
  const settings = (key: string): BookingSettings => ({
    enabled: true,
    groupId: 'group-field-staff',
    credentialHash: bookingKeyHash(key),
    credentialSetAt: '2026-11-01T00:00:00.000Z',
  });

  it('with an overlap: the new key works at once, the old one for a day more, the other settings stay', () => {
    const old = mintBookingKey('contoso');
    const { key, state } = rotateBookingCredential('contoso', settings(old), NOW, { overlap: true });
    expect(state.enabled).toBe(true);
    expect(state.groupId).toBe('group-field-staff');
    expect(state.credentialSetAt).toBe(NOW.toISOString());
    expect(state.credentialHash).toBe(bookingKeyHash(key));
    expect(JSON.stringify(state)).not.toContain(key);
    expect(bookingKeyAccepted(key, state, NOW)).toBe('current');
    expect(bookingKeyAccepted(old, state, later(ROTATION_OVERLAP_MS - 1))).toBe('previous');
    expect(bookingKeyAccepted(old, state, later(ROTATION_OVERLAP_MS))).toBeUndefined();
    expect(ROTATION_OVERLAP_MS).toBe(24 * 60 * 60 * 1000);
  });

  it('without an overlap (a key that leaked): the old key stops at once', () => {
    const old = mintBookingKey('contoso');
    const { key, state } = rotateBookingCredential('contoso', settings(old), NOW, { overlap: false });
    expect(bookingKeyAccepted(old, state, NOW)).toBeUndefined();
    expect(bookingKeyAccepted(key, state, NOW)).toBe('current');
    expect(state.previousCredentialHash).toBeUndefined();
  });

  it('keeps at most two keys working: a second rotation inside the overlap ends the first key', () => {
    const first = mintBookingKey('contoso');
    const once = rotateBookingCredential('contoso', settings(first), NOW, { overlap: true });
    const twice = rotateBookingCredential('contoso', once.state, later(60_000), { overlap: true });
    expect(bookingKeyAccepted(first, twice.state, later(60_000))).toBeUndefined();
    expect(bookingKeyAccepted(once.key, twice.state, later(60_000))).toBe('previous');
    expect(bookingKeyAccepted(twice.key, twice.state, later(60_000))).toBe('current');
  });

  it('keeps no previous key when there was none before', () => {
    const off: BookingSettings = { enabled: true };
    const { state } = rotateBookingCredential('contoso', off, NOW, { overlap: true });
    expect(state.previousCredentialHash).toBeUndefined();
    expect(state.previousCredentialUntil).toBeUndefined();
  });

  it('revokes every key and keeps the rest of the settings', () => {
    const old = mintBookingKey('contoso');
    const rotated = rotateBookingCredential('contoso', settings(old), NOW, { overlap: true });
    const revoked = revokedBookingCredential(rotated.state);
    expect(revoked).toEqual({ enabled: true, groupId: 'group-field-staff' });
    expect(bookingKeyAccepted(rotated.key, revoked, NOW)).toBeUndefined();
    expect(bookingKeyAccepted(old, revoked, NOW)).toBeUndefined();
  });
});
