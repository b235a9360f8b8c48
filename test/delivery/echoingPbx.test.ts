// A PBX that answers an error by echoing what it received (some gateways and
// debugging proxies do) must not copy our payload into the delivery log or
// the logs: what is kept is the status, the length, the content type and a
// summary that never repeats a value we sent.

import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import type { Logger } from '../../shared/logger';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';
import { useTestPbx } from '../support/testPbx';
import { capturingQueue, deliveryDeps, integrationFor, requestFor } from './deliveryFixtures';

let repos: Repositories;
beforeAll(async () => {
  repos = await createTestRepositories();
});
const pbx = useTestPbx();

const SUBJECT = 'Dentist with Dr. Ek';

function privateRequest(integrationId: string): DeliveryRequest {
  const base = requestFor(integrationId, 'abs_echo');
  if (base.event.type !== 'absence.upserted') throw new Error('fixture changed');
  const { absence } = base.event.data;
  return {
    ...base,
    event: { ...base.event, data: { ...base.event.data, absence: { ...absence, subject: SUBJECT } } },
  };
}

function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, properties?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(properties ?? {})}`);
  };
  return { log: { info: keep('info'), warn: keep('warn'), error: keep('error') }, lines };
}

/** What our payload would leave behind if echoed: the e-mail address, the subject, the start time, the whole body. */
function payloadValues(request: DeliveryRequest): string[] {
  if (request.event.type !== 'absence.upserted') throw new Error('fixture changed');
  return [
    request.event.data.user.email,
    SUBJECT,
    request.event.data.absence.start,
    JSON.stringify(request.event),
  ];
}

describe('a PBX that echoes the request', () => {
  it.each([
    ['as JSON', 400, 'application/json', (body: string) => body],
    ['as plain text', 422, 'text/plain; charset=utf-8', (body: string) => `bad request: ${body}`],
    [
      'inside a JSON error message',
      400,
      'application/json',
      (body: string) => JSON.stringify({ error: `cannot use ${body}` }),
    ],
    ['without a content type, on a retried 500', 500, undefined, (body: string) => body],
  ])(
    '%s: nothing of the payload reaches the delivery log or the logs',
    async (_how, status, contentType, echo) => {
      const { record, secrets } = await integrationFor(repos, pbx.url);
      const request = privateRequest(record.id);
      const echoed = echo(JSON.stringify(request.event));
      pbx.answer(status, { headers: contentType ? { 'content-type': contentType } : {}, body: echoed });
      const { log, lines } = recordingLogger();

      const result = await handleDelivery(request, deliveryDeps(repos, secrets, capturingQueue(), { log }));

      expect(pbx.requests).toHaveLength(1);
      expect(result).toMatchObject({ status });
      const logged = await repos.deliveries.get(record.id, request.webhookId);
      expect(logged).toMatchObject({
        lastStatus: status,
        errorClass: 'http',
        reply: { length: Buffer.byteLength(echoed) },
      });
      // The row without the request it keeps for replay, which is ours and meant to be there.
      const { request: _kept, ...row } = logged ?? {};
      const seen = [JSON.stringify(row), JSON.stringify(result), ...lines].join('\n');
      for (const value of payloadValues(request)) expect(seen).not.toContain(value);
    },
  );

  it('still shows a PBX explanation that repeats nothing of ours, and the keys of a JSON answer', async () => {
    const { record, secrets } = await integrationFor(repos, pbx.url);
    pbx.answer(400, {
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({ title: 'Unknown reason code', status: 400 }),
    });
    const request = privateRequest(record.id);
    await handleDelivery(request, deliveryDeps(repos, secrets, capturingQueue()));
    expect(await repos.deliveries.get(record.id, request.webhookId)).toMatchObject({
      lastError: 'HTTP 400: title: Unknown reason code',
      reply: { contentType: 'application/problem+json', summary: 'title: Unknown reason code' },
    });

    pbx.answer(409, {
      headers: { 'content-type': 'application/json' },
      body: '{"accepted":false,"queue":3}',
    });
    const second = { ...request, webhookId: 'msg_keys' };
    await handleDelivery(second, deliveryDeps(repos, secrets, capturingQueue()));
    expect(await repos.deliveries.get(record.id, second.webhookId)).toMatchObject({
      reply: { summary: 'keys: accepted, queue' },
    });

    // A content type is the PBX's to fill with anything; only a well-formed media type is kept.
    pbx.answer(400, { headers: { 'content-type': `text/${'x'.repeat(4000)} ${SUBJECT}` }, body: 'no' });
    const third = { ...request, webhookId: 'msg_type' };
    await handleDelivery(third, deliveryDeps(repos, secrets, capturingQueue()));
    expect((await repos.deliveries.get(record.id, third.webhookId))?.reply).toEqual({
      length: 2,
      summary: 'no',
    });
  });
});
