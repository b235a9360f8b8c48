// The JSON Schemas PBX developers get (docs/schemas/) are checked by an
// independent JSON Schema validator against every webhook a real run
// produces, not only by the zod schemas they were generated from.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

const schemaFor = (type: string): object =>
  JSON.parse(readFileSync(join(__dirname, '../../docs/schemas', `${type}.v1.schema.json`), 'utf8'));

describe('published webhook JSON Schemas', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validators = Object.fromEntries(
    ['absence.upserted', 'absence.deleted', 'user.snapshot', 'user.status'].map((type) => [
      type,
      ajv.compile(schemaFor(type)),
    ]),
  );

  const host = useTestHost();
  beforeAll(() => settle(host));

  it('accept every payload of a create, update, delete and resync run', async () => {
    const graph = await graphAs(host);
    const first = hourFromNow(3);
    const created = await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Busy',
      showAs: 'busy',
      ...first,
    });
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Away',
      showAs: 'oof',
      ...hourFromNow(6),
    });
    await settle(host);
    await graph.call('PATCH', `/users/${ALICE.mail}/events/${String(created.id)}`, hourFromNow(4));
    await settle(host);
    await graph.call('DELETE', `/users/${ALICE.mail}/events/${String(created.id)}`);
    await settle(host);
    // A fresh round sends one snapshot carrying every absence, the new one included.
    host.simulator.faults.expireDeltaTokens(ALICE.id);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Later',
      showAs: 'busy',
      ...hourFromNow(9),
    });
    await settle(host);

    const payloads = [...host.sink!.received, ...host.sink!.snapshots, ...host.sink!.statuses].map(
      (w) => w.event,
    );
    const types = new Set(payloads.map((p) => p.type));
    expect(types).toEqual(new Set(['absence.upserted', 'absence.deleted', 'user.snapshot', 'user.status']));
    // Snapshots carry the status too, and it is checked with them.
    expect(host.sink!.snapshots.at(-1)?.event.data.status).toBeDefined();
    expect(host.sink!.snapshots.at(-1)?.event.data.absences).toHaveLength(2);
    for (const payload of payloads) {
      const validate = validators[payload.type]!;
      const valid = validate(payload);
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  it('refuse payloads that break the contract', () => {
    const validate = validators['absence.upserted']!;
    const good = {
      type: 'absence.upserted',
      schemaVersion: 1,
      timestamp: '2026-11-25T09:00:00.000Z',
      integrationId: 'demo',
      data: {
        user: { id: 'u1', email: 'alice@contoso.example' },
        absence: {
          id: 'abs_1',
          version: 3,
          start: '2026-11-25T10:00:00.000Z',
          end: '2026-11-25T11:00:00.000Z',
          reason: { code: 'busy', name: 'Busy' },
          callHandling: 'information',
        },
      },
    };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, schemaVersion: 2 })).toBe(false);
    expect(
      validate({ ...good, data: { ...good.data, absence: { ...good.data.absence, callHandling: 'maybe' } } }),
    ).toBe(false);
    expect(
      validate({ ...good, data: { ...good.data, absence: { ...good.data.absence, start: 'tomorrow' } } }),
    ).toBe(false);
  });
});
