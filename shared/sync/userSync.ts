import type { AbsenceDraft } from '../domain/absence';
import { type AbsenceChanges, type DiffScope, diffAbsences, type KnownAbsence } from '../domain/absenceDiff';
import { evaluate } from '../domain/rules/evaluate';
import { syncWindowFor, windowCovers } from '../domain/syncWindow';
import { canReadCalendars, markCredentialsRejected } from '../exchange/exchangeServerIntegration';
import type { TenantAccess } from '../graph/appPermissions';
import type { Logger } from '../logger';
import { markConsentRequired, markPermissionsMissing } from '../onboarding/consentFlow';
import type { DeliveryRequest, PbxStatus } from '../pbx/pbxEvent';
import type { QueueSender } from '../queue/queuePort';
import { currentStatus, statusDigest } from '../status/currentStatus';
import {
  type AbsenceRecord,
  ConcurrencyError,
  type IntegrationRecord,
  type UserRecord,
} from '../storage/records';
import type { Repositories } from '../storage/repositories';
import type { LifecycleEvent } from '../subscriptions/lifecycleEvent';
import type { Metrics } from '../telemetry/metrics';
import { deliveryMessage, deliveryRequestsFor, freshRoundWebhooks, liveAfter } from './absenceWebhooks';
import {
  type CalendarSource,
  type ReadStart,
  SourceFailed,
  SourceRefused,
  SourceThrottled,
} from './calendarSource';
import { refreshStatus } from './statusTick';
import { statusRequest, statusTick } from './statusWebhooks';
import { type SyncRequest, syncMessageAt } from './syncRequest';
import { versionClock } from './versionClock';

/**
 * Sees to the source's change signal for a user (renews or re-creates a Graph
 * subscription). It answers instead of throwing, so its trouble never costs the
 * user's read; only a tenant that refuses the app throws `SourceRefused`.
 */
export type LifecycleUpkeep = (
  event: LifecycleEvent,
  integration: IntegrationRecord,
  user: UserRecord,
) => Promise<LifecycleUpkeepResult>;

export type LifecycleUpkeepResult =
  | { kind: 'done'; did: string }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'failed'; why: string };

export interface SyncDeps {
  repos: Pick<Repositories, 'integrations' | 'users' | 'absences'>;
  /** Where the integration's calendars are read from; the composition root picks the adapter. */
  sourceFor(integration: IntegrationRecord): CalendarSource;
  queue: QueueSender;
  now: () => Date;
  log: Logger;
  /** Acts on lifecycle events before the sync reads; without it they only cause a sync. */
  onLifecycleEvent?: LifecycleUpkeep;
  /** After a failure: which needed permissions the tenant's token lacks (the admin removed them, kept the app). */
  tenantAccess?: (integration: IntegrationRecord) => Promise<TenantAccess>;
  metrics?: Pick<Metrics, 'syncFinished' | 'consentLost'>;
}

export type SyncOutcome =
  | { kind: 'synced'; round: 'fresh' | 'resumed'; upserted: number; deleted: number; pages: number }
  | { kind: 'statusChecked'; sent: boolean }
  | { kind: 'skipped'; why: string }
  | { kind: 'rescheduled'; retryAt: string };

/**
 * A message delivered again may come from a worker that died halfway, after
 * saving absences and before queuing their webhooks. A resumed round would
 * find nothing new and never send them; a fresh round ends with a snapshot
 * that gives the PBX the whole picture instead.
 */
export interface SyncAttempt {
  redelivered: boolean;
}

/**
 * Handles one message of the `sync` queue. A throttled sync is put back on the
 * queue for the time the source asked for instead of waiting inside the function.
 */
export async function handleSyncRequest(
  request: SyncRequest,
  deps: SyncDeps,
  attempt: SyncAttempt = { redelivered: false },
): Promise<SyncOutcome> {
  try {
    const outcome = await syncOrReschedule(request, deps, attempt);
    deps.metrics?.syncFinished(outcome.kind);
    return outcome;
  } catch (error) {
    deps.metrics?.syncFinished('failed');
    throw error;
  }
}

async function syncOrReschedule(
  request: SyncRequest,
  deps: SyncDeps,
  attempt: SyncAttempt,
): Promise<SyncOutcome> {
  try {
    return await syncUser(request, deps, attempt);
  } catch (error) {
    if (error instanceof SourceRefused && error.passwordSetAt !== undefined) {
      // Exchange Server: no retry with a refused password; saving a new one queues fresh syncs.
      if (await markCredentialsRejected(request.integrationId, error.passwordSetAt, deps))
        deps.metrics?.consentLost('refused');
      return { kind: 'skipped', why: 'Exchange refuses the service account; a new password is needed' };
    }
    if (error instanceof SourceRefused) {
      // No retry: the message would only ask Entra ID again. Re-consent queues fresh syncs.
      if (await markConsentRequired(request.integrationId, error.code, deps))
        deps.metrics?.consentLost('refused');
      return { kind: 'skipped', why: 'the tenant refuses the app; consent required' };
    }
    if (!(error instanceof SourceThrottled)) {
      // Retrying is pointless while the tenant lacks a permission; the maintenance run notices its return.
      if (await permissionsMissing(request.integrationId, deps)) {
        return { kind: 'skipped', why: 'the tenant lacks a permission the sync needs' };
      }
      throw error;
    }
    const at = await syncAgainAfter(error.retryAfterSeconds, deps, {
      integrationId: request.integrationId,
      userId: request.userId,
      cause: 'throttled',
      // A reconciling sync that was throttled still has to reconcile when it runs again.
      ...(attempt.redelivered || request.reconcile ? { reconcile: true } : {}),
    });
    deps.log.warn('sync throttled by the calendar source; rescheduled', {
      userId: request.userId,
      retryAt: at.toISOString(),
    });
    return { kind: 'rescheduled', retryAt: at.toISOString() };
  }
}

/** Asks the (cached) token, not Graph, whether permissions are gone; marks the integration if so. */
async function permissionsMissing(integrationId: string, deps: SyncDeps): Promise<boolean> {
  const integration = (await deps.repos.integrations.get(integrationId))?.value;
  if (!deps.tenantAccess || !integration?.tenantId) return false;
  const { missingPermissions } = await deps.tenantAccess(integration).catch(() => ({
    missingPermissions: [] as string[],
  }));
  if (missingPermissions.length === 0) return false;
  if (await markPermissionsMissing(integrationId, missingPermissions, deps)) {
    deps.metrics?.consentLost('permissionsMissing');
  }
  return true;
}

/**
 * One user's sync: the source reads the user's entries (everything in the
 * window, or what changed since its cursor), the rules are applied, the
 * result is compared with what the PBX has been told, and only the
 * differences are queued as webhooks.
 */
export async function syncUser(
  request: SyncRequest,
  deps: SyncDeps,
  attempt: SyncAttempt = { redelivered: false },
): Promise<SyncOutcome> {
  // An operator's rules change or resync asks for this very sync: another instance's cached rules would waste it.
  const fresh = request.cause === 'rulesChanged' || request.cause === 'resync';
  const integration = (await deps.repos.integrations.get(request.integrationId, { fresh }))?.value;
  if (!integration) return { kind: 'skipped', why: 'integration not found' };
  if (!integration.active) return { kind: 'skipped', why: 'integration inactive' };
  if (!canReadCalendars(integration)) {
    return { kind: 'skipped', why: 'integration has no granted consent' };
  }
  if (request.cause === 'statusDue') return refreshStatus(integration, request.userId, deps);
  if (request.lifecycleEvent && deps.onLifecycleEvent) {
    const before = await deps.repos.users.get(request.integrationId, request.userId);
    if (!before) return { kind: 'skipped', why: 'user not found' };
    const upkeep = await deps.onLifecycleEvent(request.lifecycleEvent, integration, before.value);
    await followUpLifecycle(request, request.lifecycleEvent, upkeep, deps);
  }
  // A retried or reconciling sync does not trust a row this instance kept: it may be the reason for the retry.
  const stored = await deps.repos.users.get(request.integrationId, request.userId, {
    fresh: fresh || attempt.redelivered || request.reconcile === true,
  });
  if (!stored) return { kind: 'skipped', why: 'user not found' };
  const user = stored.value;
  const now = deps.now();
  const rules = integration.ruleSet;
  const source = deps.sourceFor(integration);

  try {
    const reconcile = attempt.redelivered || request.reconcile === true || user.reconcilePending === true;
    const start = planRead(user, integration, now, reconcile);
    const { window } = start;
    const read = await source.read(user, start);
    const fresh = read.fresh;
    const drafts: AbsenceDraft[] = [];
    for (const entry of read.entries) {
      const verdict = evaluate(entry, rules, {
        timeZone: user.timeZone,
        window,
        ...(user.triggers ? { userTriggers: user.triggers } : {}),
      });
      if (verdict.outcome === 'absence') drafts.push(verdict.absence);
    }
    const scope: DiffScope =
      fresh || read.wholeWindow ? { kind: 'full' } : { kind: 'partial', reportedEventIds: read.reportedIds };
    const listed = needsStoredRows(user, read, reconcile);
    const known = listed ? await deps.repos.absences.listForUser(integration.id, user.id) : [];
    const clock = versionClock(now, user, known);
    const changes = diffAbsences(known, drafts, scope, clock);
    // A fresh round saw the whole calendar, and an earlier sync may have died between saving rows
    // and queuing their webhooks: either way the PBX gets the whole picture, so it can reconcile.
    const whole = fresh || (listed && (await unsentSince(user, known, deps)));
    // Without the stored rows the status cannot be worked out; such a round changed nothing.
    const status =
      listed || fresh
        ? statusAfter(
            integration,
            // The automatic replies as this read found them: an always-on one has no return time.
            read.automaticReplies ? { ...user, automaticReplies: read.automaticReplies } : user,
            known,
            changes,
            now,
          )
        : undefined;
    const told = await publish(
      integration,
      user,
      changes,
      { now, clock },
      deps,
      { ...(whole ? { snapshotOf: known } : {}), ...(status ? { status } : {}) },
      notifiedAt(request),
    );
    const result: Partial<UserRecord> = {
      ...(told ? { statusDigest: told.digest, statusVersion: told.version } : {}),
      reconcilePending: undefined,
      // Every row is now at most `clock` and its webhooks are queued: the commit mark `unsentRows` reads.
      // Unless the rows were not read: then nothing was saved, and the mark stays what it was.
      versionedTo: listed ? clock : user.versionedTo,
      deltaLink: read.cursor,
      ...(read.automaticReplies ? { automaticReplies: read.automaticReplies } : {}),
      window,
      rulesVersion: integration.rulesVersion,
      status: 'ok',
      lastSyncAt: now.toISOString(),
      lastError: undefined,
    };
    if (!unchangedSince(user, read, listed, now)) await saveResult(user, stored.etag, result, deps);
    deps.log.info('user synced', {
      userId: user.id,
      round: fresh ? 'fresh' : 'resumed',
      pages: read.pages,
      upserted: changes.upserted.length,
      deleted: changes.deleted.length,
    });
    return {
      kind: 'synced',
      round: fresh ? 'fresh' : 'resumed',
      upserted: changes.upserted.length,
      deleted: changes.deleted.length,
      pages: read.pages,
    };
  } catch (error) {
    if (!(error instanceof SourceThrottled || error instanceof SourceRefused)) {
      await recordError(user, error, deps).catch(() => undefined);
    }
    throw error;
  }
}

/**
 * The read goes on whatever the upkeep answered. Throttled: the lifecycle
 * event is queued again for the time Graph asked. Failed otherwise: only
 * logged; the maintenance run renews or re-creates the subscription later.
 */
async function followUpLifecycle(
  request: SyncRequest,
  event: LifecycleEvent,
  upkeep: LifecycleUpkeepResult,
  deps: SyncDeps,
): Promise<void> {
  const context = { userId: request.userId, event };
  if (upkeep.kind === 'done') {
    deps.log.info('lifecycle event handled', { ...context, result: upkeep.did });
    return;
  }
  if (upkeep.kind === 'failed') {
    deps.log.warn('lifecycle event not handled; the maintenance run sees to the subscription', {
      ...context,
      why: upkeep.why,
    });
    return;
  }
  const at = await syncAgainAfter(upkeep.retryAfterSeconds, deps, {
    integrationId: request.integrationId,
    userId: request.userId,
    cause: 'lifecycle',
    lifecycleEvent: event,
  });
  deps.log.warn('lifecycle event throttled by the calendar source; rescheduled', {
    ...context,
    retryAt: at.toISOString(),
  });
}

/**
 * Resume from the stored cursor unless the window no longer covers today +
 * days forward, the rules changed, or the sync must reconcile (an earlier
 * attempt may have died halfway).
 */
function planRead(
  user: UserRecord,
  integration: IntegrationRecord,
  now: Date,
  reconcile: boolean,
): ReadStart {
  const days = integration.ruleSet.settings.syncDaysForward;
  const resumable =
    !reconcile &&
    user.deltaLink &&
    user.window &&
    windowCovers(user.window, now, days) &&
    user.rulesVersion === integration.rulesVersion;
  return resumable && user.deltaLink && user.window
    ? { kind: 'resume', cursor: user.deltaLink, window: user.window }
    : { kind: 'fresh', window: syncWindowFor(now, days) };
}

/**
 * The new state is saved before its webhooks are queued, so the PBX is never
 * told of an absence the store does not know: a stored absence can always be
 * withdrawn later, an unknown one could stay at the PBX forever. A crash in
 * between loses the webhooks, but the next sync of the user sees rows above
 * the user's commit mark (`unsentRows`) and sends a snapshot of the whole
 * picture; a redelivered message runs a fresh round as well (`SyncAttempt`).
 * A snapshot goes alone; otherwise each change goes as its own webhook.
 */
async function publish(
  integration: IntegrationRecord,
  user: UserRecord,
  changes: AbsenceChanges,
  { now, clock }: { now: Date; clock: number },
  deps: SyncDeps,
  { snapshotOf, status }: { snapshotOf?: readonly KnownAbsence[]; status?: StatusNow },
  notifiedAt?: string,
): Promise<{ digest: string; version: number } | undefined> {
  const pbxUser = { id: user.id, email: user.email };
  // The snapshot's version is the clock, not `now`: above every snapshot sent before, an operator's included.
  const webhooks = snapshotOf
    ? freshRoundWebhooks(integration.id, pbxUser, snapshotOf, changes, now, clock, status?.value)
    : { kind: 'changes' as const, requests: deliveryRequestsFor(integration.id, pbxUser, changes, now) };
  const embedded = webhooks.kind === 'snapshot' && status !== undefined;
  const snapshotEvent = webhooks.kind === 'snapshot' ? webhooks.requests[0].event : undefined;
  const outgoing: DeliveryRequest[] = [...webhooks.requests];
  let told: { digest: string; version: number } | undefined;
  if (embedded && snapshotEvent?.type === 'user.snapshot') {
    told = { digest: status.digest, version: snapshotEvent.data.version };
  } else if (status?.changed) {
    outgoing.push(statusRequest(integration.id, pbxUser, status.value, clock, now));
    told = { digest: status.digest, version: clock };
  }
  if ('snapshotBytes' in webhooks) {
    deps.log.warn('snapshot too large for one queue message; sending each change instead', {
      userId: user.id,
      bytes: webhooks.snapshotBytes,
    });
  }
  if (changes.upserted.length + changes.deleted.length > 0) {
    const updatedAt = now.toISOString();
    const rows: AbsenceRecord[] = [
      ...changes.upserted.map((a) => ({
        ...a,
        integrationId: integration.id,
        userId: user.id,
        deleted: false,
        updatedAt,
      })),
      ...changes.deleted.map((a) => ({
        ...a,
        integrationId: integration.id,
        userId: user.id,
        deleted: true,
        updatedAt,
      })),
    ];
    await deps.repos.absences.upsertMany(rows);
  }
  if (outgoing.length === 0) return told;
  const requests = outgoing.map((request) => (notifiedAt ? { ...request, notifiedAt } : request));
  await deps.queue.send('deliveries', requests.map(deliveryMessage));
  // The next state begins at `until` by time alone: a tick looks again then (one per `until`, by id).
  const tick = status?.changed ? statusTick(integration.id, user.id, status.value, now) : undefined;
  if (tick) await deps.queue.send('sync', [tick]);
  return told;
}

interface StatusNow {
  value: PbxStatus;
  digest: string;
  /** Differs from the status last queued for the PBX (`UserRecord.statusDigest`). */
  changed: boolean;
}

/** The status once this round's changes apply, when the rules send statuses. */
function statusAfter(
  integration: IntegrationRecord,
  user: UserRecord,
  known: readonly KnownAbsence[],
  changes: AbsenceChanges,
  now: Date,
): StatusNow | undefined {
  if (!integration.ruleSet.status.send) return undefined;
  const value = currentStatus(liveAfter(known, changes), user, integration.ruleSet, now.getTime());
  const digest = statusDigest(value);
  return { value, digest, changed: digest !== user.statusDigest };
}

/**
 * The user's stored rows are read for the diff, except where they cannot
 * matter, one Table request less each time. A resumed round that reported no
 * event (the follow-up round after a notification's leading one, mostly)
 * changes nothing, and rows above the commit mark are then noticed by the next
 * round that reports one. A user's first sync finds none: it is the first
 * sync to save any, unless an earlier attempt saved some and died, and such
 * an attempt comes back as a redelivery or retried copy (`reconcile`) or has
 * recorded its failure on the row (status `error`); either reads them.
 */
function needsStoredRows(
  user: UserRecord,
  read: { fresh: boolean; wholeWindow?: boolean; reportedIds: ReadonlySet<string> },
  reconcile: boolean,
): boolean {
  if (reconcile) return true;
  if (!read.fresh && !read.wholeWindow) return read.reportedIds.size > 0;
  return !(user.status === 'neverSynced' && user.versionedTo === undefined && user.deltaLink === undefined);
}

/**
 * How long a round that read nothing new may leave the user row as the last
 * round wrote it: long enough for the follow-up round of a notification (at
 * most a coalescing window after the leading one, see syncRequest.ts), short
 * enough that the row's last sync, which the dashboard shows, lags a minute.
 */
const QUIET_ROUND_MS = 60_000;

/**
 * A resumed round that reported no event, shortly after a round that stored
 * its result, leaves the row alone (one Table request less per notification).
 * The next round then resumes from the stored delta link, a little older than
 * the one this round got. Graph keeps Outlook delta tokens until its token
 * cache drops the oldest ones, with no fixed lifetime, and a client must
 * expect changes to be replayed
 * (https://learn.microsoft.com/graph/delta-query-overview#token-duration,
 * #replays): an older link only re-reads what this round read, which was
 * nothing, and an expired one starts a fresh round as always.
 */
function unchangedSince(
  user: UserRecord,
  read: { fresh: boolean; reportedIds: ReadonlySet<string> },
  listed: boolean,
  now: Date,
): boolean {
  if (read.fresh || listed || read.reportedIds.size > 0) return false;
  if (user.status !== 'ok' || user.reconcilePending || user.lastSyncAt === undefined) return false;
  const age = now.getTime() - Date.parse(user.lastSyncAt);
  return age >= 0 && age < QUIET_ROUND_MS;
}

/**
 * The sync's result on the row it started from. When that row was one this
 * instance kept and another instance wrote since (a sync of the same user
 * there, an operator's edit), the write fails on the ETag; Service Bus
 * sessions let only one sync of a user run at a time, so the other sync ended
 * before this one began and this result, read later, supersedes its sync
 * fields. They go onto the row read afresh, keeping everything else it says.
 */
async function saveResult(
  user: UserRecord,
  etag: string,
  result: Partial<UserRecord>,
  deps: Pick<SyncDeps, 'repos'>,
): Promise<void> {
  try {
    await deps.repos.users.update({ ...user, ...result }, etag);
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
    const current = await deps.repos.users.get(user.integrationId, user.id, { fresh: true });
    if (!current) return;
    // The other sync may have committed rows above this one's mark (this one read no rows): keep the higher.
    const versionedTo = higher(current.value.versionedTo, result.versionedTo);
    await deps.repos.users.update(
      { ...current.value, ...result, ...(versionedTo === undefined ? {} : { versionedTo }) },
      current.etag,
    );
  }
}

function higher(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** `unsentRows`, asked of the table's row when the kept one says so: it may only be older than the rows. */
async function unsentSince(
  user: UserRecord,
  known: readonly KnownAbsence[],
  deps: Pick<SyncDeps, 'repos'>,
): Promise<boolean> {
  if (!unsentRows(user, known)) return false;
  const current = await deps.repos.users.get(user.integrationId, user.id, { fresh: true });
  return current === undefined || unsentRows(current.value, known);
}

/**
 * A sync saves its absences (at versions of its clock, above every stored
 * one) before it queues their webhooks, and records that clock on the user
 * row once they are queued. A row above the recorded clock was therefore
 * saved by a sync that stopped in between (a crash, a failed queue send, a
 * dead-lettered message), and the PBX may never have heard of it. Costs no
 * request: the sync lists the user's rows anyway, and the user row is written
 * once per sync instead of twice (a mark before saving, the result after).
 */
function unsentRows(user: UserRecord, known: readonly KnownAbsence[]): boolean {
  const committed = user.versionedTo;
  return committed !== undefined && known.some((absence) => absence.version > committed);
}

async function recordError(user: UserRecord, error: unknown, deps: SyncDeps): Promise<void> {
  const why = error instanceof SourceFailed ? error.why : error instanceof Error ? error.name : 'error';
  const current = await deps.repos.users.get(user.integrationId, user.id, { fresh: true });
  if (!current) return;
  await deps.repos.users.update({ ...current.value, status: 'error', lastError: why }, current.etag);
}

/** Queues the user's sync again for when the source said to come back; returns that time. */
async function syncAgainAfter(
  retryAfterSeconds: number,
  deps: Pick<SyncDeps, 'queue' | 'now'>,
  request: Omit<SyncRequest, 'requestedAt'>,
): Promise<Date> {
  const now = deps.now();
  const at = new Date(now.getTime() + retryAfterSeconds * 1000);
  await deps.queue.send('sync', [syncMessageAt(request, at, now)]);
  return at;
}

/**
 * When Graph's notification that caused this sync arrived: the intake stamps
 * the sync request as it queues it, and the first notification of a
 * coalesced burst is the one kept. Other causes (catch-up, resync, a throttled
 * retry) have no notification to time from.
 */
function notifiedAt(request: SyncRequest): string | undefined {
  return request.cause === 'notification' ? request.requestedAt : undefined;
}
