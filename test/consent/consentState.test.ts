import { consentPage, pageLanguage } from '../../functions/http/consentPages';
import {
  consentStateOf,
  linkIdOf,
  newSecret,
  parseConsentState,
  sameNonce,
} from '../../shared/onboarding/consentState';

describe('consent link tokens and states', () => {
  it('a token is 256 random bits; its stored id is a hash that does not reveal it', () => {
    const token = newSecret();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(newSecret()).not.toBe(token);
    const id = linkIdOf(token);
    expect(id).toMatch(/^[\w-]{43}$/);
    expect(id).not.toBe(token);
    expect(linkIdOf(token)).toBe(id);
  });

  it('anything not shaped like a token names no link (integration ids included)', () => {
    for (const bad of ['acme', 'demo', '', `${newSecret()}x`, `${newSecret().slice(1)}/`, '../callback']) {
      expect(linkIdOf(bad)).toBeUndefined();
    }
  });

  it('a state names its link and nonce, and nothing else parses', () => {
    const linkId = linkIdOf(newSecret()) ?? '';
    const nonce = newSecret();
    expect(parseConsentState(consentStateOf(linkId, nonce))).toEqual({ linkId, nonce });
    for (const bad of [`${linkId}.`, `${linkId}.${nonce}.x`, '', '..', 'a.b', `${linkId}.${nonce}!`]) {
      expect(parseConsentState(bad)).toBeUndefined();
    }
  });

  it('nonces compare exactly', () => {
    const nonce = newSecret();
    expect(sameNonce(nonce, nonce)).toBe(true);
    expect(sameNonce(nonce, newSecret())).toBe(false);
    expect(sameNonce(nonce, nonce.slice(1))).toBe(false);
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
