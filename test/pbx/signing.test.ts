import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, isSigningSecret, signWebhook } from '../../shared/pbx/signing';

describe('Standard Webhooks signing', () => {
  const body = JSON.stringify({ type: 'absence.upserted', data: { note: 'åäö ✔' } });

  it('produces headers the standardwebhooks verifier accepts', () => {
    const secret = generateSigningSecret();
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [secret] });

    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs the exact body, id and timestamp', () => {
    const secret = generateSigningSecret();
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [secret] });
    const verifier = new Webhook(secret);
    expect(() => verifier.verify(`${body} `, { ...headers })).toThrow('No matching signature found');
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow(
      'No matching signature found',
    );
    expect(() =>
      verifier.verify(body, {
        ...headers,
        'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1),
      }),
    ).toThrow('No matching signature found');
    expect(() => new Webhook(generateSigningSecret()).verify(body, { ...headers })).toThrow();
  });

  it('matches the library signature bit for bit, timestamp truncated to seconds', () => {
    const secret = generateSigningSecret();
    const timestamp = new Date('2026-11-25T08:00:00.987Z');
    const headers = signWebhook({ id: 'msg_x', timestamp, body, secrets: [secret] });
    expect(headers['webhook-timestamp']).toBe(String(Date.parse('2026-11-25T08:00:00Z') / 1000));
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('msg_x', timestamp, body));
  });

  it('signs with every secret during a rotation, so a verifier with either one accepts', () => {
    const oldSecret = generateSigningSecret();
    const newSecret = generateSigningSecret();
    const headers = signWebhook({
      id: 'msg_2',
      timestamp: new Date(),
      body,
      secrets: [oldSecret, newSecret],
    });

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('generates distinct, well-formed secrets', () => {
    const first = generateSigningSecret();
    const second = generateSigningSecret();
    expect(first).not.toBe(second);
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(isSigningSecret(first)).toBe(true);
  });

  it('rejects malformed secrets with a message that does not echo them', () => {
    const tooShort = `whsec_${Buffer.from('short-secret-value').toString('base64')}`;
    for (const [secret, expected] of [
      ['plain-text-secret', /#1 is invalid: expected "whsec_"/],
      ['whsec_not*base64!', /#1 is invalid: .*not valid base64/],
      [tooShort, /#1 is invalid: .*24-64 bytes/],
    ] as const) {
      expect(isSigningSecret(secret)).toBe(false);
      let message = '';
      try {
        signWebhook({ id: 'm', timestamp: new Date(), body, secrets: [secret] });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(expected);
      expect(message).not.toContain(secret);
      expect(message).not.toContain(secret.slice(6));
    }
    expect(() => signWebhook({ id: 'm', timestamp: new Date(), body, secrets: [] })).toThrow(/At least one/);
    expect(() =>
      signWebhook({ id: 'm', timestamp: new Date(), body, secrets: [generateSigningSecret(), 'oops'] }),
    ).toThrow(/#2 is invalid/);
  });
});
