// The operator's side of call-centre booking through the management API, on
// the local host: turning it on with a group Graph (the simulator) confirms is
// a mail-enabled security group, minting, rotating and revoking the call
// centre's key, and reading the booking log. The key is shown once; neither
// it nor its hash appears in any other answer or in the logs.

import { DEMO_EXCHANGE_INTEGRATION_ID } from '../../dev/localHost/demoExchange';
import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { bookingKeyAccepted, bookingKeyHash } from '../../shared/booking/bookingCredential';
import type { BookingLogEntry } from '../../shared/booking/bookingLogEntry';
import type {
  BookingLogView,
  BookingSettingsView,
  MintedBookingKey,
} from '../../shared/management/bookingSettings';
import { newBookingLogEntryId } from '../../shared/storage/bookingLogEntity';
import { useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

describe('call-centre booking settings (management API)', () => {
  // With the Exchange Server demo integration, which booking refuses.
  const host = useTestHost({ exchangeServerDemo: true });
  const manage = managementClient(host);
  const BOOKING = `manage/integrations/${DEMO_INTEGRATION_ID}/booking`;
  const CREDENTIAL = `${BOOKING}/credential`;
  const FIELD_STAFF = '5e1d5e1d-0000-4000-8000-00000000f1e1';
  const PLAIN_SECURITY = '5e1d5e1d-0000-4000-8000-00000000a1a1';
  const DISTRIBUTION = '5e1d5e1d-0000-4000-8000-00000000d1d1';
  const UNKNOWN = '5e1d5e1d-0000-4000-8000-00000000dead';
  const [alice, bob] = DEMO_USERS;
  /** Every key minted here, and their hashes: none may show up anywhere but the one answer. */
  const secrets: string[] = [];
  const answers: string[] = [];
  const call = async (...args: Parameters<typeof manage>) => {
    const answer = await manage(...args);
    answers.push(answer.text);
    return answer;
  };
  const stored = async () =>
    (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))?.value.booking;

  beforeAll(() => {
    host.simulator.setGroup(DEMO_TENANT.id, {
      id: FIELD_STAFF,
      displayName: 'Field staff',
      memberIds: [alice.id, bob.id],
      securityEnabled: true,
      mailEnabled: true,
      mail: 'field-staff@contoso.example',
    });
    host.simulator.setGroup(DEMO_TENANT.id, { id: PLAIN_SECURITY, memberIds: [alice.id] });
    host.simulator.setGroup(DEMO_TENANT.id, {
      id: DISTRIBUTION,
      memberIds: [alice.id],
      securityEnabled: false,
      mailEnabled: true,
    });
  });

  it('starts off, with no key', async () => {
    const answer = await call('GET', BOOKING);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      integrationId: DEMO_INTEGRATION_ID,
      enabled: false,
      credential: { set: false },
    } satisfies BookingSettingsView);
  });

  it('refuses to turn on without a group, with a malformed one, an unknown one, or one of the wrong kind', async () => {
    const none = await call('PUT', BOOKING, { body: { enabled: true } });
    expect(none.status).toBe(400);
    expect(none.json).toMatchObject({ path: 'groupId' });
    expect((none.json as { error: string }).error).toContain('needs groupId');

    const malformed = await call('PUT', BOOKING, { body: { enabled: true, groupId: 'field staff' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ path: 'groupId' });

    const unknown = await call('PUT', BOOKING, { body: { enabled: true, groupId: UNKNOWN } });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ path: 'groupId' });
    expect((unknown.json as { error: string }).error).toContain(`no group ${UNKNOWN}`);

    for (const [group, kind] of [
      [PLAIN_SECURITY, 'mailEnabled false, securityEnabled true'],
      [DISTRIBUTION, 'mailEnabled true, securityEnabled false'],
    ] as const) {
      const wrong = await call('PUT', BOOKING, { body: { enabled: true, groupId: group } });
      expect(wrong.status).toBe(400);
      expect(wrong.json).toMatchObject({ path: 'groupId' });
      expect((wrong.json as { error: string }).error).toContain('not a mail-enabled security group');
      expect((wrong.json as { error: string }).error).toContain(kind);
    }
    const strayField = await call('PUT', BOOKING, { body: { enabled: true, groupId: FIELD_STAFF, x: 1 } });
    expect(strayField.status).toBe(400);
    expect(await stored()).toBeUndefined();
  });

  it('turns on with a mail-enabled security group, read from Graph once', async () => {
    host.simulator.requests.reset();
    const answer = await call('PUT', BOOKING, {
      body: { enabled: true, groupId: FIELD_STAFF.toUpperCase() },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      integrationId: DEMO_INTEGRATION_ID,
      enabled: true,
      groupId: FIELD_STAFF,
      groupDisplayName: 'Field staff',
      credential: { set: false },
    } satisfies BookingSettingsView);
    expect(host.simulator.requests.count({ method: 'GET', pathIncludes: `/groups/${FIELD_STAFF}` })).toBe(1);
    expect(await stored()).toEqual({ enabled: true, groupId: FIELD_STAFF, groupDisplayName: 'Field staff' });
  });

  it('mints a key shown once; GET names it by its id only', async () => {
    const minted = await manage('POST', CREDENTIAL);
    expect(minted.status).toBe(201);
    expect(minted.headers.get('cache-control')).toBe('no-store');
    const body = minted.json as MintedBookingKey;
    expect(body.key).toMatch(/^ccbk_demo_[\w-]{43}$/);
    expect(body.previousValidUntil).toBeUndefined();
    const hash = bookingKeyHash(body.key);
    secrets.push(body.key, hash);
    expect(minted.text).not.toContain(hash);
    expect(body.credentialId).toBe(hash.slice(0, 12));
    const booking = await stored();
    expect(booking?.credentialHash).toBe(hash);
    expect(bookingKeyAccepted(body.key, booking, new Date())).toBe('current');

    const shown = await call('GET', BOOKING);
    expect(shown.json).toEqual({
      integrationId: DEMO_INTEGRATION_ID,
      enabled: true,
      groupId: FIELD_STAFF,
      groupDisplayName: 'Field staff',
      credential: { set: true, credentialId: body.credentialId, credentialSetAt: body.credentialSetAt },
    } satisfies BookingSettingsView);
  });

  it('rotates with an overlap: the replaced key works for a day, and GET says until when', async () => {
    const [firstKey] = secrets;
    const before = await stored();
    const rotated = await manage('POST', CREDENTIAL, { body: { overlap: true } });
    expect(rotated.status).toBe(201);
    const body = rotated.json as MintedBookingKey;
    secrets.push(body.key, bookingKeyHash(body.key));
    expect(body.key).not.toBe(firstKey);
    const until = Date.parse(body.previousValidUntil ?? '');
    expect(until - Date.parse(body.credentialSetAt)).toBe(24 * 60 * 60 * 1000);
    const booking = await stored();
    expect(bookingKeyAccepted(firstKey ?? '', booking, new Date())).toBe('previous');
    expect(bookingKeyAccepted(body.key, booking, new Date())).toBe('current');

    const shown = (await call('GET', BOOKING)).json as BookingSettingsView;
    expect(shown.credential).toEqual({
      set: true,
      credentialId: body.credentialId,
      credentialSetAt: body.credentialSetAt,
      previousCredentialId: before?.credentialHash?.slice(0, 12),
      previousValidUntil: body.previousValidUntil,
    });

    // Without overlap the replaced key stops at once.
    const again = await manage('POST', CREDENTIAL, { body: {} });
    expect(again.status).toBe(201);
    const third = again.json as MintedBookingKey;
    secrets.push(third.key, bookingKeyHash(third.key));
    expect(third.previousValidUntil).toBeUndefined();
    expect(bookingKeyAccepted(body.key, await stored(), new Date())).toBeUndefined();
    expect(((await call('GET', BOOKING)).json as BookingSettingsView).credential.previousCredentialId).toBe(
      undefined,
    );
  });

  it('turns off keeping group and key, and on again with the saved group', async () => {
    const off = await call('PUT', BOOKING, { body: { enabled: false } });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ enabled: false, groupId: FIELD_STAFF, credential: { set: true } });
    const key = secrets[4] ?? '';
    expect(bookingKeyAccepted(key, await stored(), new Date())).toBe('current');

    host.simulator.requests.reset();
    const on = await call('PUT', BOOKING, { body: { enabled: true } });
    expect(on.status).toBe(200);
    expect(on.json).toMatchObject({ enabled: true, groupId: FIELD_STAFF, credential: { set: true } });
    // The saved group is checked again: it may have changed kind since.
    expect(host.simulator.requests.count({ method: 'GET', pathIncludes: `/groups/${FIELD_STAFF}` })).toBe(1);
  });

  it('revokes every key; revoking again is no error', async () => {
    const revoked = await call('DELETE', CREDENTIAL);
    expect(revoked.status).toBe(204);
    const booking = await stored();
    for (const key of secrets.filter((s) => s.startsWith('ccbk_'))) {
      expect(bookingKeyAccepted(key, booking, new Date())).toBeUndefined();
    }
    expect(booking).toEqual({ enabled: true, groupId: FIELD_STAFF, groupDisplayName: 'Field staff' });
    expect(((await call('GET', BOOKING)).json as BookingSettingsView).credential).toEqual({ set: false });
    expect((await call('DELETE', CREDENTIAL)).status).toBe(204);
  });

  it('is what the booking API goes by: on answers, off refuses with 409, a revoked key is 401', async () => {
    const list = async (key: string) =>
      (
        await fetch(`${host.url}/api/booking/v1/bookings`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).status;
    const minted = await manage('POST', CREDENTIAL);
    const { key } = minted.json as MintedBookingKey;
    secrets.push(key, bookingKeyHash(key));
    expect(await list(key)).toBe(200);
    expect((await call('PUT', BOOKING, { body: { enabled: false } })).status).toBe(200);
    expect(await list(key)).toBe(409);
    expect((await call('PUT', BOOKING, { body: { enabled: true } })).status).toBe(200);
    expect(await list(key)).toBe(200);
    expect((await call('DELETE', CREDENTIAL)).status).toBe(204);
    expect(await list(key)).toBe(401);
    // The operator's function key is no booking key either.
    expect(await list(host.functionKey)).toBe(401);
  });

  it('lists the booking log newest first, as many as asked', async () => {
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const entry = (minutesAgo: number, fields: Partial<BookingLogEntry>): BookingLogEntry => ({
      integrationId: DEMO_INTEGRATION_ID,
      entryId: newBookingLogEntryId(at(minutesAgo)),
      at: at(minutesAgo).toISOString(),
      credentialId: 'a1b2c3d4e5f6',
      credential: 'current',
      action: 'book',
      result: 'done',
      ...fields,
    });
    await host.runtime.repos.bookingLog.record(
      entry(10, { bookingId: 'b-1', userId: alice.id, subject: 'Service visit' }),
    );
    await host.runtime.repos.bookingLog.record(
      entry(2, { action: 'cancel', bookingId: 'b-1', userId: alice.id, result: 'notFound', reason: 'gone' }),
    );

    const all = await call('GET', `${BOOKING}/log`);
    expect(all.status).toBe(200);
    const entries = (all.json as BookingLogView).entries;
    expect(entries.map((e) => [e.action, e.result, e.bookingId])).toEqual([
      ['cancel', 'notFound', 'b-1'],
      ['book', 'done', 'b-1'],
    ]);
    const one = await call('GET', `${BOOKING}/log?limit=1`);
    expect((one.json as BookingLogView).entries.map((e) => e.action)).toEqual(['cancel']);
    for (const bad of ['0', '201', 'ten', '1.5']) {
      const refused = await call('GET', `${BOOKING}/log?limit=${bad}`);
      expect([bad, refused.status]).toEqual([bad, 400]);
      expect(refused.json).toMatchObject({ path: 'limit' });
    }
  });

  it('answers 404 for an unknown integration on every booking route', async () => {
    const base = 'manage/integrations/nobody/booking';
    expect((await call('GET', base)).status).toBe(404);
    expect((await call('PUT', base, { body: { enabled: false } })).status).toBe(404);
    expect((await call('POST', `${base}/credential`)).status).toBe(404);
    expect((await call('DELETE', `${base}/credential`)).status).toBe(404);
    expect((await call('GET', `${base}/log`)).status).toBe(404);
  });

  it('refuses an Exchange Server integration with 409 and the reason, and mints it no key', async () => {
    const base = `manage/integrations/${DEMO_EXCHANGE_INTEGRATION_ID}/booking`;
    const shown = await call('GET', base);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ enabled: false, credential: { set: false } });
    for (const [method, path, body] of [
      ['PUT', base, { enabled: true, groupId: FIELD_STAFF }],
      ['PUT', base, { enabled: false }],
      ['POST', `${base}/credential`, undefined],
      ['DELETE', `${base}/credential`, undefined],
    ] as const) {
      const refused = await call(method, path, body === undefined ? {} : { body });
      expect([method, path, refused.status]).toEqual([method, path, 409]);
      expect((refused.json as { error: string }).error).toContain('Microsoft 365 integrations only');
    }
    const onprem = await host.runtime.repos.integrations.get(DEMO_EXCHANGE_INTEGRATION_ID, { fresh: true });
    expect(onprem?.value.booking).toBeUndefined();
  });

  it('refuses to turn on before the admin has consented', async () => {
    const created = await call('POST', 'manage/integrations', {
      body: { id: 'not-consented', name: 'Not yet', pbxUrl: 'https://pbx.example/hook' },
    });
    expect(created.status).toBe(201);
    const refused = await call('PUT', 'manage/integrations/not-consented/booking', {
      body: { enabled: true, groupId: FIELD_STAFF },
    });
    expect(refused.status).toBe(409);
    expect((refused.json as { error: string }).error).toContain('consent');
  });

  it("answers 409 with the permission to grant when the app may not read the tenant's groups", async () => {
    // A second customer whose admin granted the calendar permission but no group permission.
    const tenantId = '7e7a7e7a-0000-4000-8000-0000000000b2';
    host.simulator.addTenant({
      id: tenantId,
      clientId: DEMO_TENANT.clientId,
      clientSecret: DEMO_TENANT.clientSecret,
    });
    await host.simulator.setApplicationPermissions(tenantId, ['Calendars.Read', 'User.Read.All']);
    host.simulator.setGroup(tenantId, { id: FIELD_STAFF, memberIds: [], mailEnabled: true });
    const created = await call('POST', 'manage/integrations', {
      body: { id: 'no-groups', name: 'No groups', pbxUrl: 'https://pbx.example/hook', tenantId },
    });
    expect(created.status).toBe(201);
    // As the consent callback leaves it (the consent flow itself is tested elsewhere).
    const row = await host.runtime.repos.integrations.get('no-groups');
    if (!row) throw new Error('the integration was not created');
    await host.runtime.repos.integrations.update(
      { ...row.value, consentState: 'granted', consentedAt: new Date().toISOString() },
      row.etag,
    );
    const refused = await call('PUT', 'manage/integrations/no-groups/booking', {
      body: { enabled: true, groupId: FIELD_STAFF },
    });
    expect(refused.status).toBe(409);
    expect((refused.json as { error: string }).error).toContain('GroupMember.Read.All');
    expect((await host.runtime.repos.integrations.get('no-groups', { fresh: true }))?.value.booking).toBe(
      undefined,
    );
  });

  it('never shows a key or its hash outside the one answer, nor writes them to the logs', () => {
    expect(secrets.length).toBe(8);
    const logs = host.logs.join('\n');
    expect(logs).toContain('booking key minted');
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      for (const text of answers) expect(text).not.toContain(secret);
    }
    expect(answers.length).toBeGreaterThan(20);
  });
});
