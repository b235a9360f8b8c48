import type { Client } from '@microsoft/microsoft-graph-client';
import { classifyGraphError, classifyGraphStatus } from '../graph/graphErrors';
import { type BatchResponse, chunks, headerOf, MAX_BATCH_SIZE, sendBatch } from '../graph/jsonBatch';
import {
  createEventSubscription,
  newClientState,
  refusedExpiration,
  SHORTER_DOCUMENTED_MAX_MINUTES,
} from '../graph/subscriptions';
import { tenantRefusal } from '../graph/tenantAccess';
import type { Logger } from '../logger';
import { optimisticUpdate, settledOrThrow, userRow } from '../storage/optimisticUpdate';
import type { IntegrationRecord, SubscriptionRecord, UserRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import { SourceRefused } from '../sync/calendarSource';
import type { LifecycleUpkeep, LifecycleUpkeepResult } from '../sync/userSync';
import type { LifecycleEvent } from './lifecycleEvent';
import { paceWait, type WritePace } from './writePace';

export interface SubscriptionDeps {
  repos: Pick<Repositories, 'users' | 'subscriptions'>;
  graphFor(integration: IntegrationRecord): Client;
  now: () => Date;
  urls: { notification: string; lifecycle: string };
  subscriptionMinutes: number;
  log: Logger;
}

/**
 * Subscribes a user's events. The clientState is a fresh secret per
 * subscription. Graph may grant less time than asked: the record keeps what
 * Graph returned. The record is stored before the user points at it, so a
 * notification racing the creation already finds it.
 */
export async function subscribeUser(
  integration: IntegrationRecord,
  user: UserRecord,
  deps: SubscriptionDeps,
): Promise<SubscriptionRecord> {
  const clientState = newClientState();
  const granted = await createEventSubscription(deps.graphFor(integration), {
    userId: user.id,
    notificationUrl: deps.urls.notification,
    lifecycleNotificationUrl: deps.urls.lifecycle,
    clientState,
    expiresAt: new Date(deps.now().getTime() + deps.subscriptionMinutes * 60_000),
    fallbackExpiresAt: new Date(deps.now().getTime() + SHORTER_DOCUMENTED_MAX_MINUTES * 60_000),
  });
  const record: SubscriptionRecord = {
    subscriptionId: granted.id,
    integrationId: integration.id,
    userId: user.id,
    clientState,
    resource: granted.resource,
    expiresAt: granted.expirationDateTime,
  };
  await deps.repos.subscriptions.upsert(record);
  return record;
}

/**
 * Points the user at a new subscription and forgets the old one. A mailbox
 * that was `unreadable` is readable again once this succeeds: it loses its
 * refusal, and `timeZone` (read again from its settings) when given.
 */
export async function replaceSubscription(
  integration: IntegrationRecord,
  user: UserRecord,
  deps: SubscriptionDeps,
  readable: { timeZone?: string } = {},
): Promise<SubscriptionRecord> {
  const record = await subscribeUser(integration, user, deps);
  const pointed = await optimisticUpdate(
    userRow(deps.repos.users, user.integrationId, user.id),
    (current): UserRecord => {
      if (current.status !== 'unreadable') return { ...current, subscriptionId: record.subscriptionId };
      const { lastError, unreadableSince, retryAt, ...rest } = current;
      return {
        ...rest,
        ...(readable.timeZone ? { timeZone: readable.timeZone } : {}),
        subscriptionId: record.subscriptionId,
        status: current.lastSyncAt ? 'ok' : 'neverSynced',
      };
    },
  );
  // A user removed meanwhile needs no subscription; one that kept changing is tried again by the caller's retry.
  settledOrThrow(pointed, `user ${user.id} of integration ${user.integrationId}`);
  if (user.subscriptionId && user.subscriptionId !== record.subscriptionId) {
    await deps.repos.subscriptions.delete(user.subscriptionId);
  }
  return record;
}

/**
 * Why Graph refused this one mailbox, when it did: a 403 while the tenant
 * still grants the app means the app may not read this mailbox (outside its
 * Exchange Online RBAC for Applications scope, or a scope change that has
 * not propagated yet: "between 30 minutes and 2 hours",
 * https://learn.microsoft.com/exchange/permissions-exo/application-rbac).
 * Undefined for any other failure.
 */
export function mailboxRefusal(error: unknown): string | undefined {
  if (tenantRefusal(error)) return undefined;
  const failure = classifyGraphError(error);
  if (failure?.kind !== 'accessDenied' || failure.status !== 403) return undefined;
  return `Microsoft Graph refused this mailbox (403 ${failure.code || 'accessDenied'}): it is outside the app's mailbox scope, or a scope change has not reached Exchange yet`;
}

const MINUTE = 60_000;
/** Retries start at a quarter hour (the maintenance timer's pace) and grow to an hour, past Exchange's 2-hour propagation. */
const FIRST_RETRY_MINUTES = 15;
const LONGEST_RETRY_MINUTES = 60;

/** The user marked `unreadable` with its reason, and when to try again: later the longer it has been refused. */
export function unreadableUser(user: UserRecord, reason: string, now: Date): UserRecord {
  const since =
    user.status === 'unreadable' && user.unreadableSince ? user.unreadableSince : now.toISOString();
  const refusedFor = now.getTime() - Date.parse(since);
  const wait = Math.min(LONGEST_RETRY_MINUTES * MINUTE, Math.max(FIRST_RETRY_MINUTES * MINUTE, refusedFor));
  return {
    ...user,
    status: 'unreadable',
    lastError: reason,
    unreadableSince: since,
    retryAt: new Date(now.getTime() + wait).toISOString(),
  };
}

/** Stores that Graph refused the user's mailbox; the maintenance run tries again at `retryAt`. */
export async function markUnreadable(
  user: UserRecord,
  reason: string,
  deps: SubscriptionDeps,
): Promise<void> {
  const now = deps.now();
  const marked = await optimisticUpdate(userRow(deps.repos.users, user.integrationId, user.id), (current) =>
    unreadableUser(current, reason, now),
  );
  settledOrThrow(marked, `user ${user.id} of integration ${user.integrationId}`);
  deps.log.warn('mailbox refused by Graph; tried again later', {
    integrationId: user.integrationId,
    userId: user.id,
  });
}

export type RenewalOutcome =
  | { kind: 'renewed'; subscriptionId: string }
  | { kind: 'gone'; subscriptionId: string }
  | { kind: 'throttled'; subscriptionId: string; retryAfterSeconds: number }
  | { kind: 'failed'; subscriptionId: string; status: number }
  /** Not sent: the pace had no room before the run's deadline. */
  | { kind: 'deferred'; subscriptionId: string };

/**
 * `$batch` calls in flight at once while renewing. Outlook runs a batch's
 * items 4 at a time (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits-for-json-batching);
 * a few batches side by side keep that busy without piling up on one app.
 */
const PARALLEL_BATCHES = 4;

/**
 * Renews subscriptions 20 to a `$batch` call, a few calls at a time. PATCHing
 * the expiration also reauthorizes. Each item is read on its own: 404 means
 * Graph dropped the subscription (re-create it), 429/503 means try again on a
 * later run. Under a pace, each batch waits for room for its 20 writes, a 429
 * holds the pace for its Retry-After, and what finds no room before the
 * deadline is `deferred`. A batch's granted expirations are written while the
 * next batch waits for room and for Graph (one batch's writes pending per
 * worker), so Table Storage never holds a batch back from its room in the
 * pace: its own rows side by side and its integration's copies in one
 * transaction, 21 requests for 20 renewals instead of 40.
 */
export async function renewSubscriptions(
  integration: IntegrationRecord,
  subscriptions: readonly SubscriptionRecord[],
  deps: SubscriptionDeps,
  pace?: WritePace,
): Promise<RenewalOutcome[]> {
  const client = deps.graphFor(integration);
  const minutesFromNow = (minutes: number) => new Date(deps.now().getTime() + minutes * 60_000).toISOString();
  const patch = (group: readonly SubscriptionRecord[], expiresAt: string) =>
    sendBatch(
      client,
      group.map((s, index) => ({
        id: String(index),
        method: 'PATCH' as const,
        url: `/subscriptions/${encodeURIComponent(s.subscriptionId)}`,
        body: { expirationDateTime: expiresAt },
      })),
    );
  const outcomes: RenewalOutcome[] = [];
  const refused: { subscription: SubscriptionRecord; status: number }[] = [];
  /** Sends each group once room allows, `PARALLEL_BATCHES` at a time; `answer` reads each group's responses. */
  const inBatches = async (
    all: readonly SubscriptionRecord[],
    minutes: number,
    answer: (group: readonly SubscriptionRecord[], responses: readonly BatchResponse[]) => Promise<void>,
  ) => {
    const groups = chunks(all, MAX_BATCH_SIZE);
    let next = 0;
    // The first failure stops every worker from sending more; it is thrown once all have stopped.
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      let writing: Promise<void> = Promise.resolve();
      try {
        for (let group = groups[next++]; group && !failure; group = groups[next++]) {
          if (pace && !(await pace.take(group.length))) {
            outcomes.push(
              ...group.map((s): RenewalOutcome => ({ kind: 'deferred', subscriptionId: s.subscriptionId })),
            );
            continue;
          }
          const responses = await patch(group, minutesFromNow(minutes));
          const waits = responses
            .map((r) => classifyGraphStatus(r.status, errorCode(r.body), headerOf(r, 'retry-after')))
            .flatMap((item) => {
              const wait = paceWait(item);
              return wait === undefined ? [] : [wait];
            });
          if (pace && waits.length > 0) pace.holdFor(Math.max(...waits));
          await writing;
          // Caught at once: a rejection nobody awaits yet would end the process.
          writing = answer(group, responses).catch((error: unknown) => {
            failure ??= { error };
          });
        }
      } catch (error) {
        failure ??= { error };
      }
      await writing;
    };
    await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
    if (failure) throw failure.error;
  };
  await inBatches(subscriptions, deps.subscriptionMinutes, async (group, responses) => {
    const applied = group.flatMap((subscription, index) => {
      const response = responses[index] as BatchResponse;
      if (!refusedExpiration(response.status, errorMessage(response.body)))
        return [{ subscription, response }];
      refused.push({ subscription, status: response.status });
      return [];
    });
    outcomes.push(...(await applyRenewals(applied, deps)));
  });
  // Graph refused the configured lifetime as too long: once more with the shorter documented one.
  if (deps.subscriptionMinutes > SHORTER_DOCUMENTED_MAX_MINUTES) {
    await inBatches(
      refused.map((r) => r.subscription),
      SHORTER_DOCUMENTED_MAX_MINUTES,
      async (group, responses) => {
        outcomes.push(
          ...(await applyRenewals(
            group.map((subscription, index) => ({
              subscription,
              response: responses[index] as BatchResponse,
            })),
            deps,
          )),
        );
      },
    );
  } else {
    outcomes.push(
      ...refused.map(
        ({ subscription, status }): RenewalOutcome => ({
          kind: 'failed',
          subscriptionId: subscription.subscriptionId,
          status,
        }),
      ),
    );
  }
  return outcomes;
}

function errorMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const error = (body as Record<string, unknown>).error;
  if (typeof error !== 'object' || error === null) return '';
  const message = (error as Record<string, unknown>).message;
  return typeof message === 'string' ? message : '';
}

/** Reads one batch's answers and stores what Graph granted, all of the batch's rows in one go. */
async function applyRenewals(
  answered: readonly { subscription: SubscriptionRecord; response: BatchResponse }[],
  deps: SubscriptionDeps,
): Promise<RenewalOutcome[]> {
  const granted: SubscriptionRecord[] = [];
  const outcomes = answered.map(({ subscription, response }): RenewalOutcome => {
    const subscriptionId = subscription.subscriptionId;
    if (response.status >= 200 && response.status < 300) {
      granted.push({
        ...subscription,
        expiresAt: grantedExpiration(response.body) ?? subscription.expiresAt,
      });
      return { kind: 'renewed', subscriptionId };
    }
    const failure = classifyGraphStatus(
      response.status,
      errorCode(response.body),
      headerOf(response, 'retry-after'),
    );
    if (failure.kind === 'notFound') return { kind: 'gone', subscriptionId };
    if (failure.kind === 'throttled')
      return { kind: 'throttled', subscriptionId, retryAfterSeconds: failure.retryAfterSeconds };
    return { kind: 'failed', subscriptionId, status: response.status };
  });
  if (granted.length > 0) await deps.repos.subscriptions.upsertMany(granted);
  return outcomes;
}

function grantedExpiration(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>).expirationDateTime;
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? value : undefined;
}

function errorCode(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const error = (body as Record<string, unknown>).error;
  if (typeof error !== 'object' || error === null) return '';
  const code = (error as Record<string, unknown>).code;
  return typeof code === 'string' ? code : '';
}

/** Lifecycle notifications for one subscription can repeat every 15 minutes; one renewal per window is enough. */
const RECENT_RENEWAL_MINUTES = 15;

/**
 * Acts on a lifecycle event for a user's subscription: renew (PATCH also
 * reauthorizes) or re-create. A renewal done within the last minutes is not
 * repeated, so a stream of reauthorizationRequired costs one call. A renewal
 * Graph throttles or refuses is an answer, not an exception: the caller
 * decides when to try again. Creating a subscription still throws Graph's error.
 */
export async function keepSubscription(
  event: LifecycleEvent,
  integration: IntegrationRecord,
  user: UserRecord,
  deps: SubscriptionDeps,
): Promise<LifecycleUpkeepResult> {
  if (event === 'missed') return { kind: 'done', did: 'unchanged' };
  const current = user.subscriptionId ? await deps.repos.subscriptions.get(user.subscriptionId) : undefined;
  if (event === 'subscriptionRemoved' || !current) {
    await replaceSubscription(integration, user, deps);
    return { kind: 'done', did: 'recreated' };
  }
  const now = deps.now().getTime();
  const renewedRecently =
    Date.parse(current.expiresAt) - now > (deps.subscriptionMinutes - RECENT_RENEWAL_MINUTES) * 60_000;
  if (renewedRecently) return { kind: 'done', did: 'unchanged' };
  const [outcome] = await renewSubscriptions(integration, [current], deps);
  if (!outcome) return { kind: 'failed', why: 'renewal had no answer' };
  switch (outcome.kind) {
    case 'renewed':
      return { kind: 'done', did: 'renewed' };
    case 'gone':
      await replaceSubscription(integration, user, deps);
      return { kind: 'done', did: 'recreated' };
    case 'throttled':
      return { kind: 'throttled', retryAfterSeconds: outcome.retryAfterSeconds };
    case 'failed':
      return { kind: 'failed', why: `renewal: Graph ${outcome.status}` };
    case 'deferred':
      return { kind: 'failed', why: 'renewal: no room for it before the deadline' };
  }
}

/**
 * What the sync calls when a lifecycle event comes with a user's sync:
 * `keepSubscription`, with every failure turned into an answer so the sync
 * still reads the calendar. A tenant that refuses the app is the exception:
 * it is reported in the pipeline's words, so the sync marks the integration
 * as needing consent. Throttling is answered with Graph's Retry-After (the
 * sync schedules the lifecycle event again); any other failure is left to the
 * maintenance run, which renews what nears expiry and re-creates what Graph dropped.
 */
export function lifecycleUpkeep(deps: SubscriptionDeps): LifecycleUpkeep {
  return async (event, integration, user) => {
    try {
      return await keepSubscription(event, integration, user, deps);
    } catch (error) {
      const refusal = tenantRefusal(error);
      if (refusal) throw new SourceRefused(refusal.code);
      const failure = classifyGraphError(error);
      if (failure?.kind === 'throttled')
        return { kind: 'throttled', retryAfterSeconds: failure.retryAfterSeconds };
      return {
        kind: 'failed',
        why: failure
          ? `Graph ${failure.status} ${failure.kind}`
          : error instanceof Error
            ? error.name
            : 'error',
      };
    }
  };
}
