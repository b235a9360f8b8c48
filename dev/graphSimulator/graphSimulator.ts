import { createAccessTokens } from './accessTokens';
import { type AdminConsentAnswer, createAdminConsent } from './adminConsent';
import { createCalendarViewDelta } from './calendarViewDelta';
import { createCalendarViewRoute } from './calendarViewRoute';
import { createSimulatorClock, type SimulatorClock } from './clock';
import {
  type CalendarSharing,
  createDirectory,
  type SimAutomaticReplies,
  type SimUserInput,
} from './directory';
import { foundJson, type GraphEvent, storedEventJson } from './eventJson';
import { createEventRoutes } from './eventRoutes';
import { createEventStore, type StoreResult } from './eventStore';
import { eventCreateSchema, eventPatchSchema, type GraphEventInput } from './eventWrites';
import { createFaultInjector, type Faults, type InjectedFaults } from './faults';
import { createGraphRouter } from './graphRoutes';
import { createGroups, type SimGroupInput } from './groupRoutes';
import { startHttpServer } from './httpServer';
import { createMailboxScopes, type MailboxScopeOptions } from './mailboxScopes';
import {
  createNotificationSender,
  type DeliveryStats,
  type NotificationDelivery,
} from './notificationSender';
import { createPipeline, MANAGED_IDENTITY_PATH } from './pipeline';
import { createRequestLog, type RequestLog } from './requestLog';
import { createScheduleRoute } from './scheduleRoute';
import { createSignIn } from './signIn';
import { createSubscriptions, type GraphSubscription, type LifecycleEvent } from './subscriptionStore';
import {
  createSubscriptionWriteLimit,
  type SubscriptionWriteFigures,
  type SubscriptionWriteLimitOptions,
} from './subscriptionWriteLimit';
import {
  createWorkloadIdentity,
  issuerFor,
  type SimFederatedCredential,
  type SimManagedIdentity,
  TOKEN_EXCHANGE_AUDIENCE,
} from './workloadIdentity';

export { PRODUCT_PERMISSIONS } from './permissions';
export type {
  AdminConsentAnswer,
  CalendarSharing,
  DeliveryStats,
  Faults,
  GraphEvent,
  GraphEventInput,
  GraphSubscription,
  InjectedFaults,
  MailboxScopeOptions,
  NotificationDelivery,
  SimAutomaticReplies,
  SimFederatedCredential,
  SimGroupInput,
  SimManagedIdentity,
  SimUserInput,
  SimulatorClock,
};

/**
 * A Microsoft Graph v1.0 stand-in for local runs, tests and benchmarks: token
 * endpoint, users, events with recurring series, calendarView delta,
 * subscriptions with validation handshake and notifications, `$batch`, and
 * faults on demand. See README.md beside this file for how to point the Graph
 * SDK at it.
 */
export interface GraphSimulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Cap on the expiration granted to subscriptions; default 10080 (7 days). */
  maxSubscriptionMinutes?: number;
  /** `refuse` (default) answers a later expiration with Graph's 400; `cap` grants the maximum instead. */
  tooLongExpiration?: 'cap' | 'refuse';
  /** Source of time; the simulator's `clock` moves relative to it. Default: real time. */
  now?: () => Date;
  /** Wait before each notification POST; default 0. */
  notificationDelayMs?: number;
  /**
   * Graph's subscription write limit per app per tenant (500 per 20 s):
   * writes beyond it get 429 with Retry-After. Default: no limit.
   */
  subscriptionWriteLimit?: SubscriptionWriteLimitOptions;
}

export interface GraphSimulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `${url}/v1.0`: Graph's service root. */
  graphBaseUrl: string;
  /** Token endpoint at `${authorityHost}/{tenantId}/oauth2/v2.0/token`. */
  authorityHost: string;
  clock: SimulatorClock;
  addTenant(t: { id: string; clientId: string; clientSecret: string }): void;
  /**
   * App Service's managed-identity endpoint (what IDENTITY_ENDPOINT points
   * at) and the IDENTITY_HEADER value it wants, for the real ManagedIdentityCredential.
   */
  managedIdentity: { endpoint: string; header: string; tokensIssued(): number };
  /** A user-assigned managed identity whose tokens the endpoint above hands out. */
  addManagedIdentity(identity: SimManagedIdentity): void;
  /**
   * Registers a federated identity credential on the app with this client id;
   * without `credential`, the one Microsoft documents for a managed identity
   * (its tenant's issuer, its object id as subject, api://AzureADTokenExchange).
   */
  addFederatedCredential(
    appClientId: string,
    credential: SimFederatedCredential | { trust: SimManagedIdentity },
  ): void;
  /** The app no longer trusts any federated credential (AADSTS70021 from now on). */
  removeFederatedCredentials(appClientId: string): void;
  /** Revoked: new tokens are refused (AADSTS7000229); tokens already issued work until they expire. */
  setConsent(tenantId: string, granted: boolean): void;
  /**
   * The application permissions the tenant grants the app (default: all the
   * product asks for, `PRODUCT_PERMISSIONS`). Tokens issued from now on carry
   * exactly these as `roles` (none: no `roles` claim, the app kept); tokens
   * already issued keep theirs until they expire. When a permission is taken
   * away, every subscription of the tenant with a lifecycle URL gets
   * `reauthorizationRequired`, as Graph sends when an admin revokes the app's
   * permissions (https://learn.microsoft.com/graph/change-notifications-lifecycle-events).
   */
  setApplicationPermissions(tenantId: string, permissions: readonly string[]): Promise<void>;
  /**
   * What the admin does on the consent screen behind `${authorityHost}/{tenant}/v2.0/adminconsent`:
   * grant for a tenant (which also sets its consent), or an error Microsoft redirects back with.
   * The OpenID Connect sign-in that follows (`/{tenant}/oauth2/v2.0/authorize`) signs in that admin.
   */
  answerAdminConsent(answer: AdminConsentAnswer): void;
  /** An ID token signed with the simulator's key (served at `${authorityHost}/common/discovery/v2.0/keys`). */
  signIdToken(claims: Record<string, unknown>): string;
  addUser(tenantId: string, u: SimUserInput): void;
  /**
   * What the owner does in Outlook's automatic replies dialog: the given
   * fields replace the mailbox's (the others stay, scheduled times included,
   * as Exchange keeps them). No change notification follows: Graph has none
   * for mailbox settings.
   */
  setAutomaticReplies(userId: string, setting: Partial<SimAutomaticReplies>): void;
  /**
   * Scoped mode (Exchange Online RBAC for Applications): only the members of
   * the scope's group may be read; the others answer 403 ErrorAccessDenied.
   * Member changes of that group reach the scope after `propagationMinutes`
   * of simulator time. Undefined: tenant-wide again.
   */
  setMailboxScope(tenantId: string, scope: MailboxScopeOptions | undefined): void;
  /**
   * Event writes over HTTP become the app's own, as for booking (undefined:
   * back to the default, where they stand for the mailbox's owner and are not
   * checked): POST, PATCH and DELETE on events need `Calendars.ReadWrite` in
   * the token (403 ErrorAccessDenied otherwise), and with `scope` only the
   * members of its group may be written (RBAC for Applications' `Application
   * Calendars.ReadWrite` over a management scope, kept apart from the read
   * scope of `setMailboxScope`); other mailboxes answer 403 ErrorAccessDenied
   * before anything is written. Member changes reach the write scope after
   * its own `propagationMinutes`, as for reads.
   */
  setEventWriteAccess(tenantId: string, access: { scope?: MailboxScopeOptions } | undefined): void;
  /**
   * Creates or replaces a group with these direct members (user ids): a
   * security group unless `mailEnabled`, `securityEnabled` or `groupTypes`
   * say otherwise (groupRoutes.ts).
   */
  setGroup(tenantId: string, group: SimGroupInput): void;
  /** Same effect as POST /users/{id}/events, notifications included. Throws on invalid input. */
  createEvent(userId: string, event: GraphEventInput): GraphEvent;
  /** Same effect as PATCH /users/{id}/events/{eventId}; an occurrence id turns it into an exception. */
  updateEvent(userId: string, eventId: string, patch: Partial<GraphEventInput>): GraphEvent;
  /** Same effect as DELETE; an occurrence id deletes that occurrence only. */
  deleteEvent(userId: string, eventId: string): void;
  listSubscriptions(): GraphSubscription[];
  /** Subscription writes accepted and refused under `subscriptionWriteLimit`, and the busiest window. */
  subscriptionWrites(): SubscriptionWriteFigures;
  /** As if Graph lost it: gone without any notification. */
  deleteSubscriptionSilently(id: string): void;
  /** An existing, already validated subscription (benchmarks); no handshake, no request logged. */
  seedSubscription(
    tenantId: string,
    userId: string,
    input: {
      notificationUrl: string;
      lifecycleNotificationUrl: string;
      clientState: string;
      expirationDateTime: string;
    },
  ): GraphSubscription;
  sendLifecycleNotification(subscriptionId: string, event: LifecycleEvent): Promise<void>;
  faults: Faults;
  requests: RequestLog;
  /** Every notification POST attempted so far (change and lifecycle), with the receiver's status. */
  notifications(): NotificationDelivery[];
  /** Graph's delivery counters: redeliveries, slow answers (over 2.9 s), throttled endpoints. */
  notificationStats(): DeliveryStats;
  /** Sends the redeliveries due on the simulator's clock; resolves when every POST so far has completed. */
  flushNotifications(): Promise<void>;
  stop(): Promise<void>;
}

function unwrap<T>(result: StoreResult<T>): T {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

export async function startGraphSimulator(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const clock = createSimulatorClock(options.now);
  const now = () => clock.now();
  const directory = createDirectory();
  const workload = createWorkloadIdentity();
  const tokens = createAccessTokens(directory, workload);
  const adminConsent = createAdminConsent(directory);
  let serverUrl = '';
  const signIn = createSignIn(directory, workload, () => serverUrl);
  const store = createEventStore(now);
  const delta = createCalendarViewDelta(store);
  const injector = createFaultInjector((userId, answer) => delta.expireTokens(userId, answer));
  const sender = createNotificationSender(options.notificationDelayMs ?? 0, now);
  const writeLimit = createSubscriptionWriteLimit(options.subscriptionWriteLimit, now);
  const subscriptions = createSubscriptions({
    writeLimit,
    directory,
    now,
    maxSubscriptionMinutes: options.maxSubscriptionMinutes ?? 10080,
    tooLongExpiration: options.tooLongExpiration ?? 'refuse',
    sender,
    planNotification: () => injector.planNotification(),
  });
  store.onChange((change) => subscriptions.notifyChange(change));
  const requestLog = createRequestLog();
  const groups = createGroups();
  const scopes = createMailboxScopes({ now, directory, membersOf: (id) => groups.memberIds(id) });
  const writeScopes = createMailboxScopes({
    now,
    directory,
    membersOf: (id) => groups.memberIds(id),
    kind: 'eventWrites',
  });
  const appWriteTenants = new Set<string>();
  let graphBaseUrl = '';
  const schedule = createScheduleRoute({
    store,
    readable: (tenantId, userId) => scopes.covers(tenantId, userId),
  });
  const router = createGraphRouter({
    events: createEventRoutes(store),
    delta,
    subscriptions,
    groups,
    schedule,
    calendarView: createCalendarViewRoute(store),
  });
  const respond = createPipeline({
    directory,
    tokens,
    adminConsent,
    signIn,
    workload,
    faults: injector,
    route: async (context, graphPath) => injector.rewriteResponse(await router(context, graphPath)),
    scopes,
    writeScopes,
    appEventWrites: (tenantId) => appWriteTenants.has(tenantId),
    graphBaseUrl: () => graphBaseUrl,
    log: (entry) => requestLog.add(entry),
  });
  const server = await startHttpServer(options.port ?? 0, respond);
  graphBaseUrl = `${server.url}/v1.0`;
  serverUrl = server.url;

  const userIdOf = (idOrUpn: string) => {
    const user = directory.findUser(idOrUpn);
    if (!user) throw new Error(`unknown user ${idOrUpn}`);
    return user.id;
  };

  return {
    url: server.url,
    graphBaseUrl,
    authorityHost: server.url,
    clock,
    managedIdentity: {
      endpoint: `${server.url}${MANAGED_IDENTITY_PATH}`,
      header: workload.identityHeader,
      tokensIssued: () => workload.identityTokensIssued(),
    },
    addManagedIdentity: (identity) => workload.addManagedIdentity(identity),
    addFederatedCredential(appClientId, credential) {
      workload.addFederatedCredential(
        appClientId,
        'trust' in credential
          ? {
              name: `trust-${credential.trust.clientId}`,
              issuer: issuerFor(credential.trust.tenantId),
              subject: credential.trust.objectId,
              audiences: [TOKEN_EXCHANGE_AUDIENCE],
            }
          : credential,
      );
    },
    removeFederatedCredentials: (appClientId) => workload.removeFederatedCredentials(appClientId),
    addTenant: (t) => directory.addTenant(t),
    setConsent: (tenantId, granted) => directory.setConsent(tenantId, granted),
    async setApplicationPermissions(tenantId, permissions) {
      const before = directory.tenant(tenantId)?.applicationPermissions ?? new Set<string>();
      const revoked = [...before].some((p) => !permissions.includes(p));
      directory.setApplicationPermissions(tenantId, permissions);
      if (!revoked) return;
      await Promise.all(
        subscriptions
          .lifecycleSubscriptionsOf(tenantId)
          .map((id) => subscriptions.sendLifecycle(id, 'reauthorizationRequired')),
      );
    },
    answerAdminConsent: (answer) => adminConsent.answerWith(answer),
    signIdToken: (claims) => signIn.signIdToken(claims),
    addUser(tenantId, u) {
      directory.addUser(tenantId, u);
    },
    setAutomaticReplies(userId, setting) {
      const user = directory.findUser(userId);
      if (!user) throw new Error(`unknown user ${userId}`);
      user.automaticReplies = { ...user.automaticReplies, ...setting };
    },
    setMailboxScope: (tenantId, scope) => scopes.set(tenantId, scope),
    setEventWriteAccess(tenantId, access) {
      if (access) appWriteTenants.add(tenantId);
      else appWriteTenants.delete(tenantId);
      writeScopes.set(tenantId, access?.scope);
    },
    setGroup(tenantId, group) {
      groups.set(tenantId, group);
      scopes.groupChanged(group.id);
      writeScopes.groupChanged(group.id);
    },
    createEvent(userId, event) {
      const input = eventCreateSchema.parse(event);
      return storedEventJson(unwrap(store.create(userIdOf(userId), input)), undefined);
    },
    updateEvent(userId, eventId, patch) {
      const input = eventPatchSchema.parse(patch);
      return foundJson(unwrap(store.update(userIdOf(userId), eventId, input)), undefined);
    },
    deleteEvent(userId, eventId) {
      unwrap(store.remove(userIdOf(userId), eventId));
    },
    listSubscriptions: () => subscriptions.all(),
    subscriptionWrites: () => writeLimit.figures(),
    deleteSubscriptionSilently: (id) => subscriptions.forget(id),
    seedSubscription: (tenantId, userId, input) => subscriptions.seed(tenantId, userId, input),
    sendLifecycleNotification: (id, event) => subscriptions.sendLifecycle(id, event),
    faults: injector.faults,
    requests: {
      total: () => requestLog.total(),
      count: (filter) => requestLog.count(filter),
      reset: () => requestLog.reset(),
      log: () => requestLog.log(),
    },
    notifications: () => sender.deliveries(),
    notificationStats: () => sender.stats(),
    flushNotifications: () => sender.flush(),
    async stop() {
      sender.stop();
      await sender.flush();
      await server.close();
    },
  };
}
