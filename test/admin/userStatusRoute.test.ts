import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { ALICE, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

interface Segment {
  status: 'available' | 'away';
  start: string;
  end: string;
  until: string | null;
  reason?: { code: string };
  absenceIds?: string[];
}
interface Panel {
  user: { id: string; email: string };
  at: string;
  horizon: string;
  status: { current: Segment; next: Segment | null; announcement: { language: string; text: string } };
  timeline: Segment[];
  absences: { id: string; start: string; end: string; reason: { code: string }; callHandling: string }[];
}

/** GET …/users/{userId}/status over HTTP: the status view of stored absences, with the absences themselves. */
describe("a user's status through the management API", () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const statusPath = `manage/integrations/${DEMO_INTEGRATION_ID}/users/${ALICE.id}/status`;
  const day = hourFromNow(3);
  const meeting = hourFromNow(4);

  beforeAll(async () => {
    // Out of office for three hours with a busy hour inside: the later start wins while it lasts.
    host.simulator.createEvent(ALICE.id, {
      subject: 'Away',
      showAs: 'oof',
      start: day.start,
      end: {
        dateTime: new Date(Date.parse(day.startIso) + 3 * 3_600_000).toISOString().replace('Z', ''),
        timeZone: 'UTC',
      },
    });
    host.simulator.createEvent(ALICE.id, { subject: 'Call', showAs: 'busy', ...meeting });
    await settle(host);
  });

  it('answers the status now, a gapless timeline to the horizon and every overlapping absence', async () => {
    const answer = await manage('GET', `${statusPath}?days=2`);
    expect(answer.status).toBe(200);
    const panel = answer.json as Panel;
    expect(panel.user).toMatchObject({ id: ALICE.id, email: ALICE.mail });
    expect(Date.parse(panel.horizon) - Date.parse(panel.at)).toBe(2 * 86_400_000);
    expect(panel.status.current).toMatchObject({ status: 'available', until: day.startIso });
    expect(panel.status.next).toMatchObject({ status: 'away', start: day.startIso });
    expect(panel.status.announcement.text.length).toBeGreaterThan(0);

    expect(panel.timeline.map((s) => [s.status, s.reason?.code ?? null])).toEqual([
      ['available', null],
      ['away', 'out-of-office'],
      ['away', 'busy'],
      ['away', 'out-of-office'],
      ['available', null],
    ]);
    for (const [index, segment] of panel.timeline.entries()) {
      expect(segment.end).toBe(panel.timeline[index + 1]?.start ?? panel.horizon);
    }
    // Both absences, the one that loses while the other lasts included; no subjects.
    expect(panel.absences.map((a) => [a.reason.code, a.start])).toEqual([
      ['out-of-office', day.startIso],
      ['busy', meeting.startIso],
    ]);
    expect(JSON.stringify(panel)).not.toContain('Call');
    const named = new Set(panel.timeline.flatMap((s) => s.absenceIds ?? []));
    expect([...named].sort()).toEqual(panel.absences.map((a) => a.id).sort());
  });

  it("looks as far ahead as the rules' days forward without `days`", async () => {
    const panel = (await manage('GET', statusPath)).json as Panel;
    expect(Date.parse(panel.horizon) - Date.parse(panel.at)).toBe(14 * 86_400_000);
  });

  it.each(['0', '61', '1.5', 'soon'])('refuses days=%s with a reason', async (days) => {
    const answer = await manage('GET', `${statusPath}?days=${days}`);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'days must be a whole number from 1 to 60', path: 'days' });
  });

  it('answers 404 for an unknown user or integration', async () => {
    const user = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/users/nobody/status`);
    expect([user.status, user.json]).toEqual([404, { error: 'no such user' }]);
    const integration = await manage('GET', `manage/integrations/nowhere/users/${ALICE.id}/status`);
    expect([integration.status, integration.json]).toEqual([404, { error: 'no such integration' }]);
  });
});
