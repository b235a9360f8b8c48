import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

/** The delivery routes of the management API over HTTP, through the local host and its function key. */
describe('delivery management routes', () => {
  const host = useTestHost();
  const base = () => `${host.url}/api/manage/integrations`;
  const call = (method: string, path: string, body?: string, key: string | undefined = host.functionKey) =>
    fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(key ? { 'x-functions-key': key } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });

  beforeAll(() => settle(host));

  it('shows the delivery log of an integration', async () => {
    const response = await call('GET', '/demo/deliveries?errors=5');
    expect(response.status).toBe(200);
    const summary = (await response.json()) as Record<string, unknown>;
    // The first sync of each demo user sent its (empty) snapshot.
    expect(summary).toMatchObject({
      integrationId: 'demo',
      endpoint: { state: 'active' },
      counts: { delivered: 3, pending: 0, failed: 0 },
      lastErrors: [],
    });
  });

  it('refuses without the function key, and answers 4xx with a reason to bad input', async () => {
    expect((await call('GET', '/demo/deliveries', undefined, 'wrong')).status).toBe(401);
    const badLimit = await call('GET', '/demo/deliveries?errors=lots');
    expect(badLimit.status).toBe(400);
    expect(await badLimit.json()).toEqual({ error: 'errors must be a whole number from 1 to 100' });
    expect((await call('GET', '/nope/deliveries')).status).toBe(404);
    expect((await call('GET', `/${'x'.repeat(300)}/deliveries`)).status).toBe(400);
    expect((await call('POST', '/demo/deliveries/replay', 'not json')).status).toBe(400);
    const empty = await call('POST', '/demo/deliveries/replay', '{"webhookIds":[]}');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toMatch(/webhookIds/);
    expect((await call('POST', '/demo/deliveries/replay', '{"other":1}')).status).toBe(400);
    expect((await call('POST', '/demo/users/nobody/snapshot')).status).toBe(404);
    expect((await call('POST', '/nope/pbx/secret/rotate')).status).toBe(404);
  });

  it('replays nothing when nothing failed, and enabling an active endpoint changes nothing', async () => {
    const replay = await call('POST', '/demo/deliveries/replay');
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ replayed: [], notFailed: [] });
    const enable = await call('POST', '/demo/pbx/enable');
    expect(await enable.json()).toEqual({ endpoint: { state: 'active' }, wasDisabled: false });
  });

  it("resends a user's snapshot on demand", async () => {
    const graph = await graphAs(host);
    const slot = hourFromNow(3);
    await graph.call('POST', `/users/${ALICE.mail}/events`, { subject: 'x', showAs: 'busy', ...slot });
    await settle(host);
    const before = host.sink!.snapshots.length;
    const response = await call('POST', `/demo/users/${ALICE.id}/snapshot`);
    expect(response.status).toBe(202);
    const queued = (await response.json()) as { webhookId: string; absences: number; version: number };
    expect(queued.absences).toBe(1);
    await settle(host);
    // The operator's snapshot, then the one of the fresh read it asks for, above it.
    const [snapshot, reread] = host.sink!.snapshots.slice(before);
    expect(host.sink!.snapshots).toHaveLength(before + 2);
    expect(snapshot?.webhookId).toBe(queued.webhookId);
    expect(snapshot?.event.data.absences.map((a) => a.start)).toEqual([slot.startIso]);
    expect(snapshot?.event.data.version).toBe(queued.version);
    expect(reread?.event.data.version).toBeGreaterThan(queued.version);
    expect(reread?.event.data.absences.map((a) => a.start)).toEqual([slot.startIso]);
    expect(host.sink!.state().size).toBe(1);
  });

  it('rotates the signing secret: the new one is shown once, and the old-secret PBX still verifies', async () => {
    const response = await call('POST', '/demo/pbx/secret/rotate');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { secret, previousValidUntil } = (await response.json()) as {
      secret: string;
      previousValidUntil: string;
    };
    expect(secret).toMatch(/^whsec_/);
    expect(Date.parse(previousValidUntil)).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    // The sink still holds only the old secret; the webhook carries both signatures.
    const graph = await graphAs(host);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'y',
      showAs: 'oof',
      ...hourFromNow(6),
    });
    await settle(host);
    expect(host.sink!.rejected).toBe(0);
    expect(host.sink!.state().size).toBe(2);
    expect(host.logs.join('\n')).not.toContain(secret.slice(6));
  });
});
