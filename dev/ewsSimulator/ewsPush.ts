// Push subscriptions of the simulated Exchange: each change to a subscribed
// Calendar is POSTed as SendNotification to the subscription's URL over real
// HTTP, a StatusEvent ping goes out when nothing was sent for StatusFrequency
// minutes, and the answer decides what happens next
// (MicrosoftDocs/office-developer-exchange-docs):
// - SubscriptionStatus OK: go on; Unsubscribe: the subscription ends
//   (docs/web-service-reference/subscriptionstatus.md);
// - no answer, or anything but a SendNotificationResult: the same
//   notification is sent again 30 s after the first try, then at 1, 2, 4, 8…
//   minutes (each wait doubles), and when the next try would fall past
//   StatusFrequency minutes the server stops and the subscription is gone
//   (docs/web-service-reference/statusfrequency.md, the retry table);
// - a StatusEvent carries the last watermark delivered, as PreviousWatermark
//   and as its own (docs/web-service-reference/statusevent.md);
// - events after a subscription's watermark are what it delivers, so
//   subscribing again with a watermark replays what came after it
//   (docs/web-service-reference/subscribe-operation.md).
//
// Time is the simulator clock's, never a wall-clock timer: pings and retries
// happen when a test calls `tick()` or `advance(ms)`, at the times they were
// due, so tests are deterministic. Events are sent as they happen; `idle()`
// waits for the POSTs under way.
import { randomBytes } from 'node:crypto';
import { createSimulatorClock, type SimulatorClock } from '../graphSimulator/clock';
import type { EwsCalendarStore } from './ewsCalendarStore';
import { type MailboxEvent, MailboxEvents, type PushEventType } from './ewsPushEvents';
import type { PushSubscribeRequest } from './ewsPushSubscribe';
import { subscribeAnswer } from './ewsPushSubscribe';
import { errorResponse, type SoapAnswer } from './soapFaults';
import { escapeXml, firstChild, MESSAGES_NS, parseSoapRequest, SOAP_NS, TYPES_NS, textOf } from './soapXml';

/** Exchange does not document its batch size; small enough that MoreEvents is exercised. */
const EVENTS_PER_NOTIFICATION = 20;
const FIRST_RETRY_MS = 30_000;
/** How long one POST may take before it counts as unanswered. */
const ANSWER_TIMEOUT_MS = 10_000;

export type PushSubscriptionState =
  | { kind: 'active' }
  /** The client answered Unsubscribe. */
  | { kind: 'unsubscribed' }
  /** Retries ran past StatusFrequency. */
  | { kind: 'unreachable' }
  /** `expire()`: the server forgot it (a restart, a mailbox move). */
  | { kind: 'forgotten' };

export interface SimulatedPushSubscription {
  subscriptionId: string;
  mailbox: string;
  /** The service account that created it. */
  owner: string;
  url: string;
  statusFrequencyMinutes: number;
  eventTypes: ReadonlySet<PushEventType>;
  state: PushSubscriptionState;
  /** Sends StatusEvent pings; `stopPings()` turns that off. */
  pings: boolean;
  /** The last event the client acknowledged. */
  deliveredSeq: number;
  /** Clock ms of the last notification the client answered (or of the subscription's start). */
  lastAnsweredAt: number;
  failing: { firstTriedAt: number; tries: number; nextAt: number } | undefined;
}

export interface PushAttempt {
  subscriptionId: string;
  kind: 'events' | 'status';
  events: number;
  at: number;
  outcome: 'ok' | 'unsubscribe' | 'failed' | 'lost';
}

export interface EwsPush {
  /** Called by the simulator once the caller may act on `mailbox`. */
  subscribe(owner: string, mailbox: string, request: PushSubscribeRequest): SoapAnswer;
  subscriptions(): readonly SimulatedPushSubscription[];
  /** Every POST tried, in order. */
  attempts: PushAttempt[];
  clock: SimulatorClock;
  /** Runs the pings and retries due up to the clock's now, each at its own time. */
  tick(): Promise<void>;
  /** Moves the clock and runs what fell due on the way. */
  advance(ms: number): Promise<void>;
  /** Resolves when no POST is under way. */
  idle(): Promise<void>;
  /** The next `count` POSTs never reach the client (no answer comes back). */
  loseNext(count: number): void;
  /** The server forgets the subscription without telling anyone. */
  expire(subscriptionId: string): void;
  /** No more StatusEvent pings for this subscription; events still go out. */
  stopPings(subscriptionId: string): void;
}

interface Batch {
  kind: 'events' | 'status';
  previousWatermark: string;
  events: MailboxEvent[];
  more: boolean;
}

function notificationXml(
  subscription: SimulatedPushSubscription,
  batch: Batch,
  statusWatermark: string,
): string {
  const folderId = escapeXml(Buffer.from(`calendar:${subscription.mailbox}`).toString('base64'));
  const events =
    batch.kind === 'status'
      ? `<t:StatusEvent><t:Watermark>${escapeXml(statusWatermark)}</t:Watermark></t:StatusEvent>`
      : batch.events
          .map((event) => {
            const stamp = new Date(event.at).toISOString().replace(/\.\d{3}Z$/, 'Z');
            const old =
              event.oldItemId === undefined
                ? ''
                : `<t:OldItemId Id="${escapeXml(event.oldItemId)}" ChangeKey="AQAAAA=="/>` +
                  `<t:OldParentFolderId Id="${folderId}" ChangeKey="AQAAAA=="/>`;
            const parent = event.oldItemId === undefined ? folderId : 'ZGVsZXRlZGl0ZW1z';
            return (
              `<t:${event.type}><t:Watermark>${escapeXml(event.watermark)}</t:Watermark><t:TimeStamp>${stamp}</t:TimeStamp>` +
              `<t:ItemId Id="${escapeXml(event.itemId)}" ChangeKey="AQAAAA=="/>` +
              `<t:ParentFolderId Id="${parent}" ChangeKey="AQAAAA=="/>${old}</t:${event.type}>`
            );
          })
          .join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${SOAP_NS}" xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}">` +
    `<soap:Header><t:RequestServerVersion Version="Exchange2010_SP1"/></soap:Header><soap:Body>` +
    `<m:SendNotification><m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success">` +
    `<m:ResponseCode>NoError</m:ResponseCode><m:Notification>` +
    `<t:SubscriptionId>${escapeXml(subscription.subscriptionId)}</t:SubscriptionId>` +
    `<t:PreviousWatermark>${escapeXml(batch.previousWatermark)}</t:PreviousWatermark>` +
    `<t:MoreEvents>${batch.more}</t:MoreEvents>${events}` +
    `</m:Notification></m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification>` +
    `</soap:Body></soap:Envelope>`
  );
}

/** OK or Unsubscribe from a SendNotificationResult; undefined for any other answer. */
function subscriptionStatusOf(status: number, body: string): 'OK' | 'Unsubscribe' | undefined {
  if (status !== 200) return undefined;
  const answer = parseSoapRequest(body);
  if (answer?.operation.name !== 'SendNotificationResult') return undefined;
  const value = textOf(firstChild(answer.operation, 'SubscriptionStatus'));
  return value === 'OK' || value === 'Unsubscribe' ? value : undefined;
}

async function post(url: string, body: string): Promise<'OK' | 'Unsubscribe' | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    return subscriptionStatusOf(response.status, await response.text());
  } catch {
    return undefined;
  }
}

export function createEwsPush(
  calendars: EwsCalendarStore,
  clock: SimulatorClock = createSimulatorClock(),
): EwsPush {
  const events = new MailboxEvents();
  const all = new Map<string, SimulatedPushSubscription>();
  const attempts: PushAttempt[] = [];
  const underWay = new Set<Promise<void>>();
  const busy = new Set<string>();
  let toLose = 0;
  const now = () => clock.now().getTime();
  const frequencyMs = (s: SimulatedPushSubscription) => s.statusFrequencyMinutes * 60_000;
  const active = (s: SimulatedPushSubscription) => s.state.kind === 'active';

  const pending = (s: SimulatedPushSubscription) =>
    events.after(s.mailbox, s.deliveredSeq).filter((event) => s.eventTypes.has(event.type));

  function batchOf(s: SimulatedPushSubscription): Batch {
    const previousWatermark = events.watermarkAt(s.mailbox, s.deliveredSeq);
    const waiting = pending(s);
    if (waiting.length === 0) return { kind: 'status', previousWatermark, events: [], more: false };
    const sent = waiting.slice(0, EVENTS_PER_NOTIFICATION);
    return { kind: 'events', previousWatermark, events: sent, more: waiting.length > sent.length };
  }

  /** One POST and what its answer does; events that arrive meanwhile go in the next one. */
  async function attempt(s: SimulatedPushSubscription, at: number): Promise<void> {
    const batch = batchOf(s);
    const record: PushAttempt = {
      subscriptionId: s.subscriptionId,
      kind: batch.kind,
      events: batch.events.length,
      at,
      outcome: 'failed',
    };
    attempts.push(record);
    let answer: 'OK' | 'Unsubscribe' | undefined;
    if (toLose > 0) {
      toLose--;
      record.outcome = 'lost';
    } else {
      answer = await post(s.url, notificationXml(s, batch, batch.previousWatermark));
      record.outcome = answer === 'OK' ? 'ok' : answer === 'Unsubscribe' ? 'unsubscribe' : 'failed';
    }
    // The server forgot it while the POST was out: the answer changes nothing.
    if (!active(s)) return;
    if (answer === 'Unsubscribe') {
      s.state = { kind: 'unsubscribed' };
      return;
    }
    if (answer === 'OK') {
      s.deliveredSeq = batch.events.at(-1)?.seq ?? s.deliveredSeq;
      s.lastAnsweredAt = at;
      s.failing = undefined;
      return;
    }
    const first = s.failing?.firstTriedAt ?? at;
    const tries = (s.failing?.tries ?? 0) + 1;
    const nextAt = first + FIRST_RETRY_MS * 2 ** (tries - 1);
    if (nextAt - first > frequencyMs(s)) {
      s.state = { kind: 'unreachable' };
      s.failing = undefined;
      return;
    }
    s.failing = { firstTriedAt: first, tries, nextAt };
  }

  /** Sends what is waiting, one POST at a time per subscription, until nothing is or a POST fails. */
  function send(s: SimulatedPushSubscription, at: number, due = false): Promise<void> {
    if (busy.has(s.subscriptionId)) return Promise.resolve();
    busy.add(s.subscriptionId);
    const run = (async () => {
      // A ping or a retry that fell due goes out whatever is waiting; after it, only events do.
      let force = due;
      while (active(s) && (force || (s.failing === undefined && pending(s).length > 0))) {
        force = false;
        await attempt(s, at);
        if (s.failing !== undefined) break;
        at = Math.max(at, now());
      }
    })().finally(() => {
      busy.delete(s.subscriptionId);
      underWay.delete(run);
    });
    underWay.add(run);
    return run;
  }

  calendars.watch((change) => {
    events.record(change, now());
    for (const s of all.values()) {
      if (active(s) && s.failing === undefined && s.mailbox === change.mailbox) void send(s, now());
    }
  });

  /** When a subscription next wants the clock: its retry, or its ping. */
  function dueAt(s: SimulatedPushSubscription): number | undefined {
    if (!active(s) || busy.has(s.subscriptionId)) return undefined;
    if (s.failing !== undefined) return s.failing.nextAt;
    return s.pings ? s.lastAnsweredAt + frequencyMs(s) : undefined;
  }

  const push: EwsPush = {
    subscribe(owner, mailbox, request) {
      let start = events.head(mailbox);
      if (request.watermark !== undefined) {
        const position = events.positionOf(mailbox, request.watermark);
        if (position === undefined) {
          return errorResponse(
            'Subscribe',
            'ErrorInvalidWatermark',
            'The watermark used for creating this subscription was not found.',
          );
        }
        start = position;
      }
      const subscription: SimulatedPushSubscription = {
        subscriptionId: randomBytes(36).toString('base64'),
        mailbox: mailbox.toLowerCase(),
        owner,
        url: request.url,
        statusFrequencyMinutes: request.statusFrequencyMinutes,
        eventTypes: new Set(request.eventTypes),
        state: { kind: 'active' },
        pings: true,
        deliveredSeq: start,
        lastAnsweredAt: now(),
        failing: undefined,
      };
      all.set(subscription.subscriptionId, subscription);
      // Replayed events go out once the answer is on its way, as Exchange sends them after the response.
      if (pending(subscription).length > 0) {
        const replay = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
          send(subscription, now()),
        );
        underWay.add(replay);
        void replay.finally(() => underWay.delete(replay));
      }
      return subscribeAnswer(subscription.subscriptionId, events.watermarkAt(mailbox, start));
    },
    subscriptions: () => [...all.values()],
    attempts,
    clock,
    async tick() {
      await push.idle();
      const until = now();
      for (;;) {
        let next: { s: SimulatedPushSubscription; at: number } | undefined;
        for (const s of all.values()) {
          const at = dueAt(s);
          if (at !== undefined && at <= until && (next === undefined || at < next.at)) next = { s, at };
        }
        if (next === undefined) return;
        await send(next.s, next.at, true);
        await push.idle();
      }
    },
    async advance(ms) {
      clock.advance(ms);
      await push.tick();
    },
    async idle() {
      while (underWay.size > 0) await Promise.all([...underWay]);
    },
    loseNext(count) {
      toLose += count;
    },
    expire(subscriptionId) {
      const s = all.get(subscriptionId);
      if (s && active(s)) s.state = { kind: 'forgotten' };
    },
    stopPings(subscriptionId) {
      const s = all.get(subscriptionId);
      if (s) s.pings = false;
    },
  };
  return push;
}
