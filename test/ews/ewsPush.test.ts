// Push subscriptions through the real ews-javascript-api against the EWS
// simulator, with a listener of the test's own on loopback: what Exchange
// POSTs, when it pings, how it retries and gives up, and resuming from a
// watermark.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EwsSimulator, startEwsSimulator } from '../../dev/ewsSimulator/ewsSimulator';
import { type EwsConnection, EwsFailure } from '../../shared/exchange/ewsCalendarReader';
import {
  type EwsNotification,
  parseSendNotification,
  type SubscriptionStatus,
  sendNotificationResult,
} from '../../shared/exchange/ewsNotification';
import {
  isDelegateSubscriptionRefused,
  isInvalidWatermark,
  subscribeCalendarPush,
} from '../../shared/exchange/ewsPushSubscription';

const ALICE = 'alice@contoso.example';
const BOB = 'bob@contoso.example';
const MINUTE = 60_000;

let simulator: EwsSimulator;
let listener: Server;
let callbackUrl: string;
let received: EwsNotification[];
/** How the listener answers: a SubscriptionStatus, or an HTTP failure. */
let answer: SubscriptionStatus | 503;

beforeEach(async () => {
  simulator = await startEwsSimulator();
  simulator.directory.addMailbox(ALICE);
  simulator.directory.addMailbox(BOB);
  simulator.directory.addAccount({
    userName: 'svc-imp@contoso.example',
    password: 'imp',
    impersonation: true,
  });
  simulator.directory.addAccount({ userName: 'CONTOSO\\svc-rev', password: 'rev', reviewerOn: [BOB] });
  received = [];
  answer = 'OK';
  listener = createServer((request, reply) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const parsed = parseSendNotification(Buffer.concat(chunks).toString('utf8'));
      if (parsed.ok) received.push(parsed.notification);
      if (answer === 503) reply.writeHead(503).end();
      else reply.writeHead(200, { 'content-type': 'text/xml' }).end(sendNotificationResult(answer));
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/api/exchange/notifications/s3cret`;
});

afterEach(async () => {
  await simulator.push.idle();
  await simulator.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

const impersonation = (): EwsConnection => ({
  url: simulator.url,
  userName: 'svc-imp@contoso.example',
  password: 'imp',
  authentication: 'basic',
  accessMode: 'impersonation',
});

const item = (subject: string) => ({
  subject,
  start: '2026-12-03T09:00:00.000Z',
  end: '2026-12-03T10:00:00.000Z',
});

async function failureOf(work: Promise<unknown>): Promise<EwsFailure> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EwsFailure);
  return error as EwsFailure;
}

const types = () => received.flatMap((n) => n.events.map((e) => e.type));

describe('EWS push subscriptions', () => {
  it('subscribes a mailbox by impersonation and POSTs created, modified, moved and deleted events in order', async () => {
    const subscription = await subscribeCalendarPush(impersonation(), {
      mailbox: ALICE,
      callbackUrl,
      statusFrequencyMinutes: 5,
    });
    expect(subscription.subscriptionId).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(subscription.watermark).toMatch(/^[A-Za-z0-9+/=]+$/);
    const subscribe = simulator.requests.find((r) => r.operation === 'Subscribe');
    expect(subscribe).toMatchObject({ impersonated: ALICE, mailbox: ALICE, serverVersion: 'Exchange2016' });

    const first = simulator.calendars.add(ALICE, item('one'));
    await simulator.push.idle();
    simulator.calendars.update(ALICE, first.itemId, { freeBusy: 'OOF' });
    await simulator.push.idle();
    const second = simulator.calendars.add(ALICE, item('two'));
    await simulator.push.idle();
    simulator.calendars.remove(ALICE, first.itemId);
    simulator.calendars.remove(ALICE, second.itemId, 'hardDelete');
    simulator.calendars.add(BOB, item('not hers'));
    await simulator.push.idle();

    expect(types()).toEqual(['CreatedEvent', 'ModifiedEvent', 'CreatedEvent', 'MovedEvent', 'DeletedEvent']);
    expect(received.every((n) => n.subscriptionId === subscription.subscriptionId)).toBe(true);
    // Each notification resumes where the one before ended.
    expect(received[0]?.previousWatermark).toBe(subscription.watermark);
    for (let i = 1; i < received.length; i++) {
      expect(received[i]?.previousWatermark).toBe(received[i - 1]?.events.at(-1)?.watermark);
    }
  });

  it('pings after StatusFrequency minutes of quiet, with the last watermark, and not before', async () => {
    const subscription = await subscribeCalendarPush(impersonation(), {
      mailbox: ALICE,
      callbackUrl,
      statusFrequencyMinutes: 5,
    });
    await simulator.push.advance(4 * MINUTE);
    expect(received).toHaveLength(0);
    await simulator.push.advance(MINUTE);
    expect(received).toEqual([
      {
        subscriptionId: subscription.subscriptionId,
        previousWatermark: subscription.watermark,
        moreEvents: false,
        events: [{ type: 'StatusEvent', watermark: subscription.watermark }],
        responseCode: 'NoError',
      },
    ]);
    // Twenty more quiet minutes: one ping every five.
    await simulator.push.advance(20 * MINUTE);
    expect(received).toHaveLength(5);
  });

  it('ends the subscription when the listener answers Unsubscribe', async () => {
    await subscribeCalendarPush(impersonation(), { mailbox: ALICE, callbackUrl, statusFrequencyMinutes: 1 });
    answer = 'Unsubscribe';
    simulator.calendars.add(ALICE, item('one'));
    await simulator.push.idle();
    expect(simulator.push.subscriptions()[0]?.state).toEqual({ kind: 'unsubscribed' });
    answer = 'OK';
    simulator.calendars.add(ALICE, item('two'));
    await simulator.push.advance(10 * MINUTE);
    expect(received).toHaveLength(1);
  });

  it('retries an unanswered notification after 30 s, 1 min, 2 min… and drops the subscription past StatusFrequency', async () => {
    await subscribeCalendarPush(impersonation(), { mailbox: ALICE, callbackUrl, statusFrequencyMinutes: 2 });
    answer = 503;
    const start = simulator.push.clock.now().getTime();
    simulator.calendars.add(ALICE, item('one'));
    await simulator.push.advance(10 * MINUTE);
    const tries = simulator.push.attempts.map((a) => Math.round((a.at - start) / 1000));
    // 0, 30 s, 60 s and 120 s; the next (240 s) would fall past the two minutes.
    expect(tries).toEqual([0, 30, 60, 120]);
    expect(simulator.push.attempts.every((a) => a.outcome === 'failed')).toBe(true);
    expect(simulator.push.subscriptions()[0]?.state).toEqual({ kind: 'unreachable' });
  });

  it('delivers on a retry what a lost POST did not, and then nothing twice', async () => {
    await subscribeCalendarPush(impersonation(), { mailbox: ALICE, callbackUrl, statusFrequencyMinutes: 10 });
    simulator.push.loseNext(2);
    simulator.calendars.add(ALICE, item('one'));
    await simulator.push.idle();
    expect(received).toHaveLength(0);
    await simulator.push.advance(MINUTE);
    expect(simulator.push.attempts.map((a) => a.outcome)).toEqual(['lost', 'lost', 'ok']);
    expect(types()).toEqual(['CreatedEvent']);
    await simulator.push.advance(MINUTE);
    expect(types()).toEqual(['CreatedEvent']);
  });

  it('replays what came after a watermark to a new subscription once the server forgot the old one', async () => {
    const old = await subscribeCalendarPush(impersonation(), {
      mailbox: ALICE,
      callbackUrl,
      statusFrequencyMinutes: 5,
    });
    simulator.calendars.add(ALICE, item('seen'));
    await simulator.push.idle();
    const stored = received.at(-1)?.events.at(-1)?.watermark as string;
    simulator.push.expire(old.subscriptionId);
    simulator.calendars.add(ALICE, item('missed'));
    const missed = simulator.calendars.add(ALICE, item('missed too'));
    simulator.calendars.update(ALICE, missed.itemId, { subject: 'changed' });
    await simulator.push.advance(30 * MINUTE);
    expect(types()).toEqual(['CreatedEvent']);

    const renewed = await subscribeCalendarPush(impersonation(), {
      mailbox: ALICE,
      callbackUrl,
      statusFrequencyMinutes: 5,
      watermark: stored,
    });
    await simulator.push.idle();
    expect(renewed.subscriptionId).not.toBe(old.subscriptionId);
    expect(renewed.watermark).toBe(stored);
    expect(received.at(-1)).toMatchObject({
      subscriptionId: renewed.subscriptionId,
      previousWatermark: stored,
    });
    expect(types()).toEqual(['CreatedEvent', 'CreatedEvent', 'CreatedEvent', 'ModifiedEvent']);
  });

  it('stops pinging on demand but still sends events', async () => {
    const subscription = await subscribeCalendarPush(impersonation(), {
      mailbox: ALICE,
      callbackUrl,
      statusFrequencyMinutes: 1,
    });
    simulator.push.stopPings(subscription.subscriptionId);
    await simulator.push.advance(10 * MINUTE);
    expect(received).toHaveLength(0);
    simulator.calendars.add(ALICE, item('one'));
    await simulator.push.idle();
    expect(types()).toEqual(['CreatedEvent']);
  });

  it('refuses a watermark of another mailbox with ErrorInvalidWatermark', async () => {
    const bobs = await subscribeCalendarPush(impersonation(), {
      mailbox: BOB,
      callbackUrl,
      statusFrequencyMinutes: 5,
    });
    const failure = await failureOf(
      subscribeCalendarPush(impersonation(), {
        mailbox: ALICE,
        callbackUrl,
        statusFrequencyMinutes: 5,
        watermark: bobs.watermark,
      }),
    );
    expect(isInvalidWatermark(failure)).toBe(true);
  });

  it('refuses to subscribe through a folder permission (delegate access)', async () => {
    const failure = await failureOf(
      subscribeCalendarPush(
        {
          url: simulator.url,
          userName: 'CONTOSO\\svc-rev',
          password: 'rev',
          authentication: 'basic',
          accessMode: 'folderPermission',
        },
        { mailbox: BOB, callbackUrl, statusFrequencyMinutes: 5 },
      ),
    );
    expect(isDelegateSubscriptionRefused(failure)).toBe(true);
    expect(simulator.push.subscriptions()).toHaveLength(0);
  });

  it('refuses a StatusFrequency outside 1–1440 in the schema, as Exchange does', async () => {
    const body =
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ` +
      `xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">` +
      `<soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header><soap:Body><m:Subscribe><m:PushSubscriptionRequest>` +
      `<t:FolderIds><t:DistinguishedFolderId Id="calendar"/></t:FolderIds><t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes>` +
      `<t:StatusFrequency>1441</t:StatusFrequency><t:URL>${callbackUrl}</t:URL></m:PushSubscriptionRequest></m:Subscribe></soap:Body></soap:Envelope>`;
    const response = await fetch(simulator.url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('svc-imp@contoso.example:imp').toString('base64')}`,
        'content-type': 'text/xml',
      },
      body,
    });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('ErrorSchemaValidation');
    await expect(
      subscribeCalendarPush(impersonation(), { mailbox: ALICE, callbackUrl, statusFrequencyMinutes: 0 }),
    ).rejects.toThrow(RangeError);
  });
});
