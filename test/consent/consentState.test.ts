import { randomBytes } from 'node:crypto';
import { consentPage, pageLanguage } from '../../functions/http/consentPages';
import { signConsentState, verifyConsentState } from '../../shared/onboarding/consentState';

describe('consent state', () => {
  const key = randomBytes(32);
  const now = new Date('2026-11-25T10:00:00Z');
  const inAnHour = new Date(now.getTime() + 3_600_000);

  it('round-trips the integration id until it expires', () => {
    const state = signConsentState('acme', inAnHour, key);
    expect(verifyConsentState(state, key, now)).toEqual({ kind: 'valid', integrationId: 'acme' });
    expect(verifyConsentState(state, key, new Date(inAnHour.getTime() + 1000))).toEqual({
      kind: 'expired',
      integrationId: 'acme',
    });
  });

  it('two links for one integration differ (nonce)', () => {
    expect(signConsentState('acme', inAnHour, key)).not.toBe(signConsentState('acme', inAnHour, key));
  });

  it('refuses another key, a changed payload, and junk', () => {
    const state = signConsentState('acme', inAnHour, key);
    const [payload, mac] = state.split('.') as [string, string];
    const changed = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('acme', 'evil'),
    ).toString('base64url');
    for (const bad of [`${changed}.${mac}`, `${payload}.`, `${payload}.${mac}.x`, '', '..', 'a.b']) {
      expect(verifyConsentState(bad, key, now)).toEqual({ kind: 'invalid' });
    }
    expect(verifyConsentState(state, randomBytes(32), now)).toEqual({ kind: 'invalid' });
  });
});

describe('consent pages', () => {
  it('picks the language by Accept-Language quality, English otherwise', () => {
    expect(pageLanguage('sv-SE,sv;q=0.9,en;q=0.8')).toBe('sv');
    expect(pageLanguage('en;q=0.5, sv;q=0.9')).toBe('sv');
    expect(pageLanguage('de-DE, sv;q=0.3')).toBe('sv');
    expect(pageLanguage('fr')).toBe('en');
    expect(pageLanguage('sv;q=0, en')).toBe('en');
    expect(pageLanguage(undefined)).toBe('en');
  });

  it('escapes what it shows', () => {
    const { status, html } = consentPage(
      { kind: 'granted', integrationName: '<script>alert(1)</script>', users: 2 },
      'en',
    );
    expect(status).toBe(200);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });
});
