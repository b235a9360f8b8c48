import type { BookingLogEntry } from '../booking/bookingLogEntry';
import type { BookingRecord } from '../booking/bookingRecord';
import type {
  AbsenceRecord,
  ConsentLinkRecord,
  DeliveryLogRecord,
  IntegrationRecord,
  PbxSlotRecord,
  SubscriptionRecord,
  UserRecord,
  Versioned,
} from './records';

/** The ports the services use; Table Storage implements them (see tableRepositories.ts). */
export interface IntegrationRepository {
  /**
   * `fresh`: from the table even where the instance keeps rows
   * (integrationCache.ts), for work an operator's change just asked for.
   */
  get(id: string, options?: { fresh?: boolean }): Promise<Versioned<IntegrationRecord> | undefined>;
  list(): Promise<IntegrationRecord[]>;
  /** Fails with ConcurrencyError when the row already exists. Resolves with the new row's etag. */
  create(record: IntegrationRecord): Promise<string>;
  /**
   * With an etag: only if unchanged since it was read (else ConcurrencyError).
   * Resolves with the row's new etag, so a caller can write again without reading again.
   */
  update(record: IntegrationRecord, etag?: string): Promise<string>;
  delete(id: string): Promise<void>;
}

export interface UserRepository {
  /** `fresh`: from the table even where the instance keeps rows (userCache.ts). */
  get(
    integrationId: string,
    userId: string,
    options?: { fresh?: boolean },
  ): Promise<Versioned<UserRecord> | undefined>;
  listByIntegration(integrationId: string): Promise<UserRecord[]>;
  /**
   * The id of the integration's user with this address (compared in its
   * lookup form, `addressKey`), reading only ids and addresses of the
   * integration's partition; undefined when none has it.
   */
  findIdByEmail(integrationId: string, email: string): Promise<string | undefined>;
  /** Resolves with the row's new etag. */
  upsert(record: UserRecord): Promise<string>;
  /** As IntegrationRepository.update: conditional with an etag, resolves with the new one. */
  update(record: UserRecord, etag?: string): Promise<string>;
  delete(integrationId: string, userId: string): Promise<void>;
}

export interface SubscriptionRepository {
  get(subscriptionId: string): Promise<SubscriptionRecord | undefined>;
  /** Every subscription of every integration, a scan: for tools and tests, not for the service's own work. */
  list(): Promise<SubscriptionRecord[]>;
  /** One integration's subscriptions, in one partition query (after `ensureIntegrationIndex`). */
  listByIntegration(integrationId: string): Promise<SubscriptionRecord[]>;
  /**
   * Gives subscriptions stored before `listByIntegration` existed their
   * integration's copy, once per deployment (a marker row remembers it);
   * afterwards one point read per instance. Resolves with how many it copied.
   */
  ensureIntegrationIndex(): Promise<number>;
  upsert(record: SubscriptionRecord): Promise<void>;
  /**
   * As `upsert` for a renewal's worth (a `$batch` of 20): the own rows side by
   * side, the copies of one integration in one transaction per 100.
   */
  upsertMany(records: readonly SubscriptionRecord[]): Promise<void>;
  delete(subscriptionId: string): Promise<void>;
  /**
   * An EWS notification arrived: its watermark and the time, merged into the
   * integration's copy only (one write). Nothing when the copy is gone (the
   * subscription was replaced meanwhile).
   */
  recordEwsHeard(
    record: Pick<SubscriptionRecord, 'subscriptionId' | 'integrationId'>,
    heard: { watermark: string; lastHeardAt: string; expiresAt: string },
  ): Promise<void>;
}

export interface AbsenceRepository {
  /** Every row of one user, tombstones included. */
  listForUser(integrationId: string, userId: string): Promise<AbsenceRecord[]>;
  upsertMany(records: AbsenceRecord[]): Promise<void>;
  deleteMany(integrationId: string, userId: string, absenceIds: string[]): Promise<void>;
  deleteAllForUser(integrationId: string, userId: string): Promise<void>;
  /** Removes one user's rows whose end lies before `endedBefore` (any ISO form), in one partition query; returns how many. */
  deleteEndedBefore(integrationId: string, userId: string, endedBefore: string): Promise<number>;
}

export interface DeliveryLogRepository {
  /** Replaces the webhook's row: the latest attempt is what the log shows. */
  record(entry: DeliveryLogRecord): Promise<void>;
  /**
   * As `record`, for rows nothing depends on (a webhook delivered at its first
   * attempt): may be written a little later, in one transaction with other
   * rows of the integration. Reads through the same repository see it.
   */
  recordSoon(entry: DeliveryLogRecord): Promise<void>;
  /**
   * Several rows at once, one transaction per integration (per 100 rows);
   * with them, PBX slots this instance gives back, deleted in the same
   * transactions (the slots share the log's partition, pbxSlotEntity.ts).
   */
  recordMany(entries: DeliveryLogRecord[], releasedSlots?: readonly SlotRelease[]): Promise<void>;
  get(integrationId: string, webhookId: string): Promise<DeliveryLogRecord | undefined>;
  /** Every row of one integration, without the stored requests (cheap enough for counts). */
  listForIntegration(integrationId: string): Promise<DeliveryLogRecord[]>;
  /** Failed rows with their requests, for replay. */
  listFailed(integrationId: string): Promise<DeliveryLogRecord[]>;
  /** Removes one integration's delivered rows last updated before `before` (UTC ISO), in one partition query; returns how many. */
  deleteDeliveredBefore(integrationId: string, before: string): Promise<number>;
}

export interface ConsentLinkRepository {
  get(linkId: string): Promise<Versioned<ConsentLinkRecord> | undefined>;
  /** Fails with ConcurrencyError when the row already exists. */
  create(record: ConsentLinkRecord): Promise<string>;
  /** As IntegrationRepository.update: conditional with an etag, resolves with the new one. */
  update(record: ConsentLinkRecord, etag?: string): Promise<string>;
}

/** The slots of the calls one integration's PBX may have in flight, shared by every instance. */
/** A PBX slot this instance holds and gives back with the delivery log's next write. */
export interface SlotRelease {
  integrationId: string;
  slot: number;
}

export interface PbxSlotRepository {
  /** Every slot row of the integration (one query), leases passed or not. */
  list(integrationId: string): Promise<Array<Versioned<PbxSlotRecord>>>;
  /** Takes a slot that has no row; ConcurrencyError when another worker created it first. Resolves with the etag. */
  create(record: PbxSlotRecord): Promise<string>;
  /** Takes over a row read with `etag` (its lease passed); ConcurrencyError when it changed since. */
  takeOver(record: PbxSlotRecord, etag: string): Promise<string>;
  /** Frees the slot if it is still as this holder wrote it; false when another worker took it over meanwhile. */
  release(integrationId: string, slot: number, etag: string): Promise<boolean>;
  /**
   * Frees a slot whose lease still runs with the delivery log's next write
   * (deliveryLogBatch.ts), unconditionally; resolves once written. Where the
   * runtime has no such writer, `release` is used.
   */
  releaseSoon?(integrationId: string, slot: number): Promise<void>;
}

/** The call centre's bookings, one partition per integration (bookingEntity.ts). */
export interface BookingRepository {
  /**
   * Stores a new booking (its id from `newBookingId`) with its client-key and
   * Graph-event index rows, in one transaction. Fails with ConcurrencyError,
   * writing nothing, when the integration already has a booking with this id
   * or this client key: the caller then finds the one that won by its key.
   * Resolves with the booking row's etag.
   */
  create(record: BookingRecord): Promise<string>;
  get(integrationId: string, bookingId: string): Promise<Versioned<BookingRecord> | undefined>;
  /** The booking made under the call centre's idempotency key, by two point reads. */
  findByClientKey(integrationId: string, clientKey: string): Promise<Versioned<BookingRecord> | undefined>;
  /** The booking a Graph event of one mailbox is, by two point reads; undefined for any other event. */
  findByEvent(
    integrationId: string,
    userId: string,
    graphEventId: string,
  ): Promise<Versioned<BookingRecord> | undefined>;
  /** The integration's newest bookings, at most `limit`, newest first, in one range query. */
  listRecent(integrationId: string, limit: number): Promise<BookingRecord[]>;
  /**
   * As IntegrationRepository.update (through optimisticUpdate.ts,
   * `bookingRow`). The client key, mailbox and Graph event id a booking was
   * created with never change: its index rows are not rewritten.
   */
  update(record: BookingRecord, etag: string): Promise<string>;
}

/** What the booking API was asked and how it went, one partition per integration (bookingLogEntity.ts). */
export interface BookingLogRepository {
  /** Writes one entry (its id from `newBookingLogEntryId`). */
  record(entry: BookingLogEntry): Promise<void>;
  /** The integration's newest entries, at most `limit`, newest first, in one range query. */
  listRecent(integrationId: string, limit: number): Promise<BookingLogEntry[]>;
  /** Removes one integration's entries from before `before` (UTC ISO), in one partition query; returns how many. */
  deleteBefore(integrationId: string, before: string): Promise<number>;
}

export interface Repositories {
  integrations: IntegrationRepository;
  users: UserRepository;
  subscriptions: SubscriptionRepository;
  absences: AbsenceRepository;
  deliveries: DeliveryLogRepository;
  consentLinks: ConsentLinkRepository;
  pbxSlots: PbxSlotRepository;
  bookings: BookingRepository;
  bookingLog: BookingLogRepository;
}
