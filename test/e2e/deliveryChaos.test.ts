// Done-when of issue 6: the PBX answers 500 to half the webhooks at random and
// is down entirely for a while, 100 calendar changes across 10 users, and at
// the end the PBX (applying by version) shows exactly the absences the
// calendars say, every webhook having passed the standardwebhooks verifier.
// The retry schedule is compressed (the real one spans a day); the code path
// is the production one: scheduled queue messages carrying the attempt.

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { seededRandom } from '../../dev/seededRandom';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { currentStatus, statusDigest } from '../../shared/status/currentStatus';
import { graphAs, settle, useTestHost } from '../support/localHostHarness';

const HOUR = 3_600_000;
// 30 attempts: at a 50 % failure rate, the odds that one webhook uses them all up are about 1 in 10^9.
const SCHEDULE = ['0', '0.05', '0.1', '0.15', '0.2', ...Array.from({ length: 25 }, () => '0.3')].join(',');

interface ModelEvent {
  email: string;
  showAs: 'busy' | 'oof';
  start: number;
  end: number;
}

describe('PBX delivery under chaos', () => {
  const host = useTestHost({ settings: { PBX_RETRY_SCHEDULE_SECONDS: SCHEDULE } });
  let graph: Awaited<ReturnType<typeof graphAs>>;
  const users: Array<{ id: string; mail: string }> = DEMO_USERS.map((u) => ({ id: u.id, mail: u.mail }));
  const model = new Map<string, ModelEvent>();
  const random = seededRandom(6);
  const baseHour = Math.ceil(Date.now() / HOUR) * HOUR;

  beforeAll(async () => {
    graph = await graphAs(host);
    for (let i = 0; i < 7; i++) {
      const id = `c4a05000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const mail = `chaos${i}@contoso.example`;
      host.simulator.addUser(DEMO_TENANT.id, {
        id,
        userPrincipalName: mail,
        mail,
        displayName: `Chaos ${i}`,
      });
      const added = await addUser(DEMO_INTEGRATION_ID, mail, {
        repos: host.runtime.repos,
        graphFor: host.runtime.graphFor,
        queue: host.runtime.queue,
        now: host.runtime.now,
        urls: host.runtime.urls,
        subscriptionMinutes: host.runtime.config.SUBSCRIPTION_MAX_MINUTES,
        defaultTimeZone: 'Europe/Stockholm',
        log: silentLogger,
      });
      if (added.kind !== 'added') throw new Error(added.reason);
      users.push({ id, mail });
    }
    await settle(host);
  });

  const slot = () => {
    const start = baseHour + Math.floor(random() * 200) * HOUR;
    const end = start + (1 + Math.floor(random() * 3)) * HOUR;
    const shape = (ms: number) => ({
      dateTime: new Date(ms).toISOString().replace('Z', ''),
      timeZone: 'UTC',
    });
    return { start, end, graph: { start: shape(start), end: shape(end) } };
  };

  async function change(): Promise<void> {
    const user = users[Math.floor(random() * users.length)]!;
    const own = [...model].filter(([, event]) => event.email === user.mail);
    const roll = random();
    if (own.length === 0 || roll < 0.5) {
      const time = slot();
      const showAs = random() < 0.7 ? 'busy' : 'oof';
      const created = await graph.call('POST', `/users/${user.id}/events`, {
        subject: 'Chaos',
        showAs,
        ...time.graph,
      });
      model.set(String(created.id), { email: user.mail, showAs, start: time.start, end: time.end });
      return;
    }
    const [eventId, event] = own[Math.floor(random() * own.length)]!;
    if (roll < 0.8) {
      const time = slot();
      await graph.call('PATCH', `/users/${user.id}/events/${eventId}`, time.graph);
      model.set(eventId, { ...event, start: time.start, end: time.end });
    } else {
      await graph.call('DELETE', `/users/${user.id}/events/${eventId}`);
      model.delete(eventId);
    }
  }

  it('ends with exactly the expected absences, every webhook verified', async () => {
    const sink = host.sink!;
    sink.setBehaviour({ failFraction: 0.5, failWith: { status: 500 }, seed: 6 });
    for (let i = 0; i < 40; i++) await change();
    await host.simulator.flushNotifications();

    sink.setBehaviour({ down: true });
    for (let i = 0; i < 30; i++) await change();
    await host.simulator.flushNotifications();
    // Down long enough for syncs to run and their webhooks to meet a dead PBX a few times, but never
    // for the compressed schedule's 8 s: retries that keep the queue busy would otherwise keep the PBX
    // down until they run out (the more so on a loaded machine, or behind the PBX's call slots).
    await Promise.race([
      host.queue.idle({ includeScheduled: false }),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 700));
    sink.setBehaviour({ down: false });

    // Expired delta tokens force fresh rounds, so user.snapshot webhooks join the chaos too.
    host.simulator.faults.expireDeltaTokens();
    for (let i = 0; i < 30; i++) await change();
    await settle(host);

    const expected = [...model.values()]
      .map(
        (e) =>
          `${e.email}|${new Date(e.start).toISOString()}|${new Date(e.end).toISOString()}|${e.showAs === 'busy' ? 'busy' : 'out-of-office'}`,
      )
      .sort();
    const shown = [...sink.state().values()]
      .map((a) => `${a.userEmail}|${a.start}|${a.end}|${a.reason.code}`)
      .sort();
    expect(shown).toEqual(expected);
    expect(expected.length).toBeGreaterThan(20);

    // The PBX's versions are exactly the service's: nothing stale survived anywhere.
    const stored = new Map<string, number>();
    for (const user of users) {
      for (const row of await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, user.id)) {
        if (!row.deleted) stored.set(row.id, row.version);
      }
    }
    expect(new Map([...sink.state()].map(([id, a]) => [id, a.version]))).toEqual(stored);

    // Each user's status at the PBX is the one the stored absences give now (the absences lie hours
    // ahead, so no state ended during the test): the highest version won through the chaos.
    const integration = (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value;
    for (const user of users) {
      const row = (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, user.id))?.value;
      const rows = await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, user.id);
      if (!integration || !row) throw new Error('integration or user missing');
      const expectedStatus = currentStatus(rows, row, integration.ruleSet, Date.now());
      const held = sink.statusOf(user.id);
      expect(held && statusDigest(held)).toBe(statusDigest(expectedStatus));
    }

    // The chaos happened, and the verifier (standardwebhooks, in the sink) accepted every webhook.
    expect(sink.failedOnPurpose).toBeGreaterThan(10);
    expect(sink.dropped).toBeGreaterThan(0);
    expect(sink.rejected).toBe(0);
    expect(sink.malformed).toBe(0);

    // The delivery log agrees with the PBX: everything delivered, nothing pending or failed.
    const log = await host.runtime.repos.deliveries.listForIntegration(DEMO_INTEGRATION_ID);
    expect(log.filter((row) => row.state !== 'delivered')).toEqual([]);
    const delivered = log.map((row) => row.webhookId).sort();
    const applied = [...sink.received, ...sink.snapshots, ...sink.statuses].map((w) => w.webhookId).sort();
    expect(delivered).toEqual(applied);
    expect(log.some((row) => row.attempts > 2)).toBe(true);
    expect(sink.snapshots.length).toBeGreaterThan(users.length);
    expect(host.queue.deadLetters('deliveries')).toEqual([]);
  });
});
