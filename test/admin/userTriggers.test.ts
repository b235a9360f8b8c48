import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

/** A user's own trigger words count on top of the integration's (as Infracom lets users add theirs). */
describe("a user's own trigger words", () => {
  const host = useTestHost();

  beforeAll(() => settle(host));

  const triggersOf = (userId: string) =>
    `manage/integrations/${DEMO_INTEGRATION_ID}/users/${userId}/triggers`;

  it('turns a Free "Padel" booking into a PBX absence for that user only', async () => {
    const graph = await graphAs(host);
    const slot = hourFromNow(4);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Padel with Bob',
      showAs: 'free',
      ...slot,
    });
    await settle(host);
    // Free time means nothing under availability-default.
    expect(host.sink!.received).toHaveLength(0);

    const answer = await managementClient(host)('PUT', triggersOf(ALICE.id), {
      body: { triggers: [{ phrase: 'Padel', reasonCode: 'out-of-office', callHandling: 'diversion' }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ triggers: [{ phrase: 'Padel' }] });
    await settle(host);

    // New triggers make the user's next sync a fresh round: its snapshot carries the absence.
    expect(host.sink!.received).toHaveLength(0);
    const snapshot = host.sink!.snapshots.filter((w) => w.event.data.user.id === ALICE.id).at(-1);
    expect(snapshot?.event.data.absences).toEqual([
      expect.objectContaining({
        start: slot.startIso,
        reason: expect.objectContaining({ code: 'out-of-office' }),
        callHandling: 'diversion',
      }),
    ]);
    expect([...host.sink!.state().values()].map((a) => [a.userEmail, a.start])).toEqual([
      [ALICE.mail, slot.startIso],
    ]);
    const stored = await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id);
    expect(stored?.value.triggers).toEqual([
      { phrase: 'Padel', reasonCode: 'out-of-office', callHandling: 'diversion' },
    ]);
  });

  it('refuses a reason the integration does not have, naming it', async () => {
    const answer = await managementClient(host)('PUT', triggersOf(ALICE.id), {
      body: { triggers: [{ phrase: 'Gym', reasonCode: 'no-such-reason', callHandling: 'diversion' }] },
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json)).toContain('no-such-reason');
  });

  it('answers 404 for an unknown user', async () => {
    const answer = await managementClient(host)('PUT', triggersOf('nobody'), { body: { triggers: [] } });
    expect(answer.status).toBe(404);
  });
});
