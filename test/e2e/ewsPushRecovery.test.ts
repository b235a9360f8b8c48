// Exchange Server push notifications are hints too: when they are lost until
// Exchange gives up, when Exchange forgets the subscription, or when its
// status pings stop, the maintenance run notices the silence (twice
// StatusFrequency), makes the subscription again from the stored watermark
// (Exchange replays what came after it) and catches the user up, and the PBX
// ends with exactly what the calendar says. The local host with the demo
// Exchange Server integration, the EWS simulator POSTing to our endpoint over
// loopback, and the PBX sink verifying every webhook.
import { DEMO_EXCHANGE, DEMO_EXCHANGE_INTEGRATION_ID } from '../../dev/localHost/demoExchange';
import { EWS_STATUS_FREQUENCY_MINUTES } from '../../shared/subscriptions/ewsSubscriptionUpkeep';
import { settle, useTestHost } from '../support/localHostHarness';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const ERIK = DEMO_EXCHANGE.mailboxes[0]!.address;
const ERIK_ID = ERIK.toLowerCase();

describe('EWS push: recovery by the maintenance run', () => {
  const host = useTestHost({ exchangeServerDemo: true });
  /** Erik's Busy items as the calendar holds them: itemId → start|end. */
  const calendar = new Map<string, string>();
  let hour = 2;

  const slot = () => {
    const base = Math.ceil(host.runtime.now().getTime() / HOUR) * HOUR;
    const start = new Date(base + hour++ * HOUR).toISOString();
    return { start, end: new Date(Date.parse(start) + HOUR).toISOString() };
  };
  const addBusy = () => {
    const time = slot();
    const item = host.ews.calendars.add(ERIK, { subject: 'Site visit', freeBusy: 'Busy', ...time });
    calendar.set(item.itemId, `${time.start}|${time.end}`);
    return item.itemId;
  };
  const moveBusy = (itemId: string) => {
    const time = slot();
    host.ews.calendars.update(ERIK, itemId, time);
    calendar.set(itemId, `${time.start}|${time.end}`);
  };
  const removeBusy = (itemId: string) => {
    host.ews.calendars.remove(ERIK, itemId);
    calendar.delete(itemId);
  };
  const expected = () => [...calendar.values()].sort();
  const pbx = () =>
    [...host.sink!.state().values()]
      .filter((absence) => absence.userEmail.toLowerCase() === ERIK_ID)
      .map((absence) => `${absence.start}|${absence.end}`)
      .sort();
  const erik = async () => (await host.runtime.repos.users.get(DEMO_EXCHANGE_INTEGRATION_ID, ERIK_ID))!.value;
  const pushOf = (subscriptionId: string | undefined) =>
    host.ews.push.subscriptions().find((s) => s.subscriptionId === subscriptionId);
  const storedSubscription = async (subscriptionId: string | undefined) =>
    (await host.runtime.repos.subscriptions.listByIntegration(DEMO_EXCHANGE_INTEGRATION_ID)).find(
      (s) => s.subscriptionId === subscriptionId,
    );

  /** Time passes (pings, retries and Exchange giving up happen on the way), then the timer runs. */
  async function silenceThenMaintenance(minutes: number) {
    await host.ews.push.advance(minutes * MINUTE);
    await settle(host);
    const replayedBefore = host.ews.push.attempts.length;
    await host.runTimer('maintenance');
    await settle(host);
    return { attemptsAfterMaintenance: host.ews.push.attempts.slice(replayedBefore) };
  }
  /** Past twice StatusFrequency since the last ping, the silence Microsoft says a client should act on. */
  const SILENCE_MINUTES = 2 * EWS_STATUS_FREQUENCY_MINUTES + 2;

  beforeAll(async () => {
    await settle(host);
  });

  it('subscribes every mailbox as it is added, and a notification alone keeps the PBX exact', async () => {
    const users = await host.runtime.repos.users.listByIntegration(DEMO_EXCHANGE_INTEGRATION_ID);
    expect(users).toHaveLength(DEMO_EXCHANGE.mailboxes.length);
    for (const user of users) {
      expect(pushOf(user.subscriptionId)?.state).toEqual({ kind: 'active' });
      expect((await storedSubscription(user.subscriptionId))?.ews?.statusFrequencyMinutes).toBe(
        EWS_STATUS_FREQUENCY_MINUTES,
      );
    }
    addBusy();
    await settle(host);
    expect(pbx()).toEqual(expected());
    expect(pbx()).toHaveLength(1);
  });

  it('recovers notifications lost until Exchange dropped the subscription, from the watermark', async () => {
    const before = await erik();
    const watermark = (await storedSubscription(before.subscriptionId))?.ews?.watermark;
    // Every try of the next notification is lost: 0 s, 30 s, 1, 2, 4 and 8 min, then Exchange gives up.
    host.ews.push.loseNext(6);
    const first = addBusy();
    addBusy();
    moveBusy(first);
    await settle(host);
    expect(pbx()).not.toEqual(expected());

    const { attemptsAfterMaintenance } = await silenceThenMaintenance(SILENCE_MINUTES);
    expect(pushOf(before.subscriptionId)?.state).toEqual({ kind: 'unreachable' });
    const after = await erik();
    expect(after.subscriptionId).not.toBe(before.subscriptionId);
    const renewed = pushOf(after.subscriptionId)!;
    expect(renewed.state).toEqual({ kind: 'active' });
    // Resumed where our stored watermark was: Exchange replayed the three changes to the new subscription.
    expect(watermark).toBeDefined();
    expect(
      attemptsAfterMaintenance.filter((a) => a.subscriptionId === renewed.subscriptionId && a.events > 0),
    ).toEqual([expect.objectContaining({ events: 3, outcome: 'ok' })]);
    expect(await storedSubscription(before.subscriptionId)).toBeUndefined();
    expect(pbx()).toEqual(expected());
    expect(host.sink!.rejected).toBe(0);
  });

  it('recovers a subscription Exchange forgot without a word', async () => {
    const before = await erik();
    host.ews.push.expire(before.subscriptionId!);
    removeBusy([...calendar.keys()][0]!);
    addBusy();
    await settle(host);
    expect(pbx()).not.toEqual(expected());

    await silenceThenMaintenance(SILENCE_MINUTES);
    const after = await erik();
    expect(after.subscriptionId).not.toBe(before.subscriptionId);
    expect(pushOf(after.subscriptionId)?.state).toEqual({ kind: 'active' });
    expect(pbx()).toEqual(expected());
  });

  it('makes a subscription whose pings stopped again, and the old one is told Unsubscribe', async () => {
    const before = await erik();
    host.ews.push.stopPings(before.subscriptionId!);
    const quiet = host.ews.push.attempts.length;
    await silenceThenMaintenance(SILENCE_MINUTES);
    expect(host.ews.push.attempts.slice(quiet).some((a) => a.subscriptionId === before.subscriptionId)).toBe(
      false,
    );
    const after = await erik();
    expect(after.subscriptionId).not.toBe(before.subscriptionId);

    // The old subscription still lives at Exchange: its next notification gets Unsubscribe, the new one's OK.
    addBusy();
    await settle(host);
    expect(pushOf(before.subscriptionId)?.state).toEqual({ kind: 'unsubscribed' });
    expect(pushOf(after.subscriptionId)?.state).toEqual({ kind: 'active' });
    expect(pbx()).toEqual(expected());
  });

  it('leaves a subscription that keeps pinging alone', async () => {
    const before = await erik();
    await silenceThenMaintenance(SILENCE_MINUTES);
    expect((await erik()).subscriptionId).toBe(before.subscriptionId);
    const stored = await storedSubscription(before.subscriptionId);
    // The pings moved lastHeardAt with the clock.
    expect(host.runtime.now().getTime() - Date.parse(stored!.ews!.lastHeardAt)).toBeLessThanOrEqual(
      EWS_STATUS_FREQUENCY_MINUTES * MINUTE,
    );
    expect(pbx()).toEqual(expected());
  });
});
