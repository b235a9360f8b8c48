import type {
  AbsenceRecord,
  ConsentLinkRecord,
  DeliveryLogRecord,
  IntegrationRecord,
  SubscriptionRecord,
  UserRecord,
  Versioned,
} from './records';

/** The ports the services use; Table Storage implements them (see tableRepositories.ts). */
export interface IntegrationRepository {
  get(id: string): Promise<Versioned<IntegrationRecord> | undefined>;
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
  get(integrationId: string, userId: string): Promise<Versioned<UserRecord> | undefined>;
  listByIntegration(integrationId: string): Promise<UserRecord[]>;
  /** Resolves with the row's new etag. */
  upsert(record: UserRecord): Promise<string>;
  /** As IntegrationRepository.update: conditional with an etag, resolves with the new one. */
  update(record: UserRecord, etag?: string): Promise<string>;
  delete(integrationId: string, userId: string): Promise<void>;
}

export interface SubscriptionRepository {
  get(subscriptionId: string): Promise<SubscriptionRecord | undefined>;
  list(): Promise<SubscriptionRecord[]>;
  upsert(record: SubscriptionRecord): Promise<void>;
  delete(subscriptionId: string): Promise<void>;
}

export interface AbsenceRepository {
  /** Every row of one user, tombstones included. */
  listForUser(integrationId: string, userId: string): Promise<AbsenceRecord[]>;
  upsertMany(records: AbsenceRecord[]): Promise<void>;
  deleteMany(integrationId: string, userId: string, absenceIds: string[]): Promise<void>;
  deleteAllForUser(integrationId: string, userId: string): Promise<void>;
  /** Rows whose end lies before `endedBefore` (UTC ISO), across all users. */
  listEndedBefore(endedBefore: string): Promise<AbsenceRecord[]>;
}

export interface DeliveryLogRepository {
  /** Replaces the webhook's row: the latest attempt is what the log shows. */
  record(entry: DeliveryLogRecord): Promise<void>;
  get(integrationId: string, webhookId: string): Promise<DeliveryLogRecord | undefined>;
  /** Every row of one integration, without the stored requests (cheap enough for counts). */
  listForIntegration(integrationId: string): Promise<DeliveryLogRecord[]>;
  /** Failed rows with their requests, for replay. */
  listFailed(integrationId: string): Promise<DeliveryLogRecord[]>;
  /** Removes delivered rows last updated before `before` (UTC ISO); returns how many. */
  deleteDeliveredBefore(before: string): Promise<number>;
}

export interface ConsentLinkRepository {
  get(linkId: string): Promise<Versioned<ConsentLinkRecord> | undefined>;
  /** Fails with ConcurrencyError when the row already exists. */
  create(record: ConsentLinkRecord): Promise<string>;
  /** As IntegrationRepository.update: conditional with an etag, resolves with the new one. */
  update(record: ConsentLinkRecord, etag?: string): Promise<string>;
}

export interface Repositories {
  integrations: IntegrationRepository;
  users: UserRepository;
  subscriptions: SubscriptionRepository;
  absences: AbsenceRepository;
  deliveries: DeliveryLogRepository;
  consentLinks: ConsentLinkRepository;
}
