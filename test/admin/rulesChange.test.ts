import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

/** New rules resync every user, and the PBX hears exactly what the new rules change. */
describe("changing an integration's rules", () => {
  const host = useTestHost();

  beforeAll(() => settle(host));

  it('switching availability-default → prefixes-sv adds only the lunch', async () => {
    const graph = await graphAs(host);
    const aliceShows = () => [...host.sink!.state().values()].filter((a) => a.userEmail === ALICE.mail);
    const lunch = hourFromNow(3);
    const meeting = hourFromNow(5);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'LUN: pizza',
      showAs: 'free',
      start: lunch.start,
      end: lunch.end,
    });
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Planning',
      showAs: 'busy',
      start: meeting.start,
      end: meeting.end,
    });
    await settle(host);
    // Free time is not synced by availability-default; the Busy meeting is.
    expect(host.sink!.received.map((w) => w.event.type)).toEqual(['absence.upserted']);
    const before = host.sink!.received.length;
    const meetingShown = aliceShows();
    expect(meetingShown).toMatchObject([{ start: meeting.startIso }]);
    const versionBefore = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))!.value
      .rulesVersion;

    const answer = await managementClient(host)('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, {
      body: { preset: 'prefixes-sv' },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      rulesVersion: versionBefore + 1,
      ruleSet: { preset: 'prefixes-sv' },
    });
    await settle(host);

    // Each user's fresh round is one snapshot, no upsert beside it: the PBX now shows the lunch
    // too, and the meeting as it was.
    expect(host.sink!.received).toHaveLength(before);
    const shown = aliceShows().sort((a, b) => a.start.localeCompare(b.start));
    expect(shown).toEqual([
      expect.objectContaining({
        start: lunch.startIso,
        end: lunch.endIso,
        reason: { code: 'lunch', name: 'Lunch' },
        callHandling: 'diversion',
      }),
      meetingShown[0],
    ]);
    // Every user was synced under the new rules.
    for (const user of await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID)) {
      expect(user.rulesVersion).toBe(versionBefore + 1);
    }
  });

  it('a full rule set is accepted, an inconsistent one refused with the path', async () => {
    const manage = managementClient(host);
    const current = (await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}`)).json as {
      ruleSet: Record<string, unknown>;
    };
    const ok = await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, {
      body: current.ruleSet,
    });
    expect(ok.status).toBe(200);
    const bad = await manage('PUT', `manage/integrations/${DEMO_INTEGRATION_ID}/rules`, {
      body: {
        ...current.ruleSet,
        prefixes: [{ prefix: 'X:', reasonCode: 'no-such-reason', callHandling: 'information' }],
      },
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toContain('prefixes.0.reasonCode');
    await settle(host);
  });
});
