import { type PbxSink, startPbxSink } from '../../dev/pbxSink';
import { generateSigningSecret, signWebhook } from '../../shared/pbx/signing';
import { type DeliveryOptions, deliverWebhook } from '../../shared/pbx/webhookPost';
import { deleted, deliveryOf, upserted } from './sampleEvents';

const secret = generateSigningSecret();
const options: DeliveryOptions = { timeoutMs: 2000, allowInsecureLoopback: true };

describe('PBX sink', () => {
  let sink: PbxSink;
  let lines: string[];
  beforeEach(async () => {
    lines = [];
    sink = await startPbxSink({ secret, log: (line) => lines.push(line) });
  });
  afterEach(() => sink.stop());

  const deliver = (request: ReturnType<typeof deliveryOf>, secrets = [secret]) =>
    deliverWebhook(request, { url: sink.url, secrets }, options);

  it('accepts a correctly signed webhook, applies it and logs one readable line without the secret', async () => {
    const event = upserted('abs-1', 2, { subject: 'Team lunch' });
    expect(await deliver(deliveryOf(event, 'wh-1'))).toEqual({ kind: 'delivered', status: 204 });

    expect(sink.received).toMatchObject([{ webhookId: 'wh-1', event }]);
    expect(sink.state().get('abs-1')).toEqual({ ...event.data.absence, userEmail: 'alice@contoso.example' });
    expect(lines).toEqual([
      '✔ absence.upserted alice@contoso.example Lunch “Team lunch” 2026-11-25 12:00–13:00 UTC (information) v2',
    ]);
    expect(lines.join('\n')).not.toContain(secret.slice(6));
  });

  it('answers 401 to forged or unsigned webhooks and applies nothing', async () => {
    const forged = await deliver(deliveryOf(upserted('abs-1', 1)), [generateSigningSecret()]);
    expect(forged).toMatchObject({ kind: 'rejected', status: 401 });

    const body = JSON.stringify(upserted('abs-1', 1));
    const headers = signWebhook({ id: 'wh-x', timestamp: new Date(), body, secrets: [secret] });
    const tampered = await fetch(sink.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: body.replace('Lunch', 'Holiday'),
    });
    const unsigned = await fetch(sink.url, { method: 'POST', body });

    expect([tampered.status, unsigned.status]).toEqual([401, 401]);
    expect(sink.rejected).toBe(3);
    expect(sink.received).toEqual([]);
    expect(sink.state().size).toBe(0);
  });

  it('applies by version: a late older upsert neither overwrites nor resurrects', async () => {
    await deliver(deliveryOf(upserted('abs-1', 3, { reason: { code: 'MOT', name: 'Meeting' } })));
    await deliver(deliveryOf(upserted('abs-1', 2)));
    expect(sink.state().get('abs-1')).toMatchObject({ version: 3, reason: { name: 'Meeting' } });

    await deliver(deliveryOf(deleted('abs-1', 4)));
    await deliver(deliveryOf(upserted('abs-1', 3), 'wh-late-v3'));
    expect(sink.state().has('abs-1')).toBe(false);

    await deliver(deliveryOf(upserted('abs-1', 5)));
    expect(sink.state().get('abs-1')?.version).toBe(5);
    expect(sink.received).toHaveLength(5);
  });

  it('acknowledges a redelivered webhook id without applying it twice', async () => {
    const request = deliveryOf(upserted('abs-1', 1), 'wh-same');
    expect(await deliver(request)).toEqual({ kind: 'delivered', status: 204 });
    expect(await deliver(request)).toEqual({ kind: 'delivered', status: 204 });
    expect(sink.received).toHaveLength(1);
    expect(sink.duplicates).toBe(1);
  });

  it('answers 400 to a verified body that is not an absence event', async () => {
    const body = JSON.stringify({ type: 'absence.upserted', schemaVersion: 1 });
    const headers = signWebhook({ id: 'wh-bad', timestamp: new Date(), body, secrets: [secret] });
    const response = await fetch(sink.url, { method: 'POST', headers, body });
    expect(response.status).toBe(400);
    expect(sink.malformed).toBe(1);
  });

  it('fails on request and recovers, so retries can be exercised', async () => {
    sink.setBehaviour({ failFraction: 1, failWith: { status: 503, retryAfterSeconds: 7 } });
    const request = deliveryOf(upserted('abs-1', 1));
    expect(await deliver(request)).toMatchObject({ kind: 'retry', status: 503, retryAfterSeconds: 7 });

    sink.setBehaviour({ down: true });
    expect(await deliver(request)).toMatchObject({
      kind: 'retry',
      errorClass: 'reset',
    });

    sink.setBehaviour({ down: false, failFraction: 0 });
    expect(await deliver(request)).toEqual({ kind: 'delivered', status: 204 });
    expect(sink.received).toHaveLength(1);
  });

  it('fails a seeded, reproducible share of webhooks', async () => {
    const outcomes = async (round: number) => {
      sink.setBehaviour({ failFraction: 0.5, seed: 42 });
      const kinds: string[] = [];
      for (let n = 1; n <= 12; n++) {
        kinds.push((await deliver(deliveryOf(upserted(`abs-${n}`, round), `wh-${round}-${n}`))).kind);
      }
      return kinds;
    };
    const first = await outcomes(1);
    const second = await outcomes(2);
    expect(first).toEqual(second);
    expect(first).toContain('retry');
    expect(first).toContain('delivered');
  });

  it('waitFor resolves when the condition holds after a webhook and rejects on timeout', async () => {
    const waiting = sink.waitFor((s) => s.state().has('abs-9'), 5000);
    await deliver(deliveryOf(upserted('abs-9', 1)));
    await expect(waiting).resolves.toBeUndefined();
    await expect(sink.waitFor((s) => s.state().has('never'), 20)).rejects.toThrow(/not met within 20 ms/);
  });

  it('refuses to start with a malformed secret, without echoing it', async () => {
    await expect(startPbxSink({ secret: 'hunter2' })).rejects.toThrow(/not a valid whsec_ secret/);
    await expect(startPbxSink({ secret: 'hunter2' })).rejects.not.toThrow(/hunter2/);
  });
});
