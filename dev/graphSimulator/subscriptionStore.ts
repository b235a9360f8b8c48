// Change-notification subscriptions on mailbox events: create (after the
// validation handshake), list, read, renew, reauthorize, delete; and the
// change and lifecycle notifications they produce.
//
// Deliberate difference from Graph: the notification URL may be plain http
// (everything runs on 127.0.0.1).
//
// An expiration beyond the resource's maximum is refused with a 400, as Graph
// does ("In the future, any requests to create or renew a subscription beyond
// the maximum value will fail"; the maximum per resource is tabled in
// https://learn.microsoft.com/graph/api/resources/subscription#maximum-length-of-subscription-per-resource-type,
// which has named both 4230 and 10080 minutes for Outlook events over time).
// On request the simulator grants the maximum instead (`cap`).

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Directory } from './directory';
import { etagOf } from './eventJson';
import type { EventChange } from './eventStore';
import { graphError, json, noContent, parseJsonBody, type SimResponse } from './exchange';
import type { GraphContext } from './graphContext';
import type { NotificationSender } from './notificationSender';
import type { SubscriptionWriteLimit } from './subscriptionWriteLimit';
import { validateNotificationUrl } from './validationHandshake';

export interface GraphSubscription {
  id: string;
  resource: string;
  applicationId: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  creatorId: string;
  includeResourceData: boolean;
  latestSupportedTlsVersion: string;
  encryptionCertificate: null;
  encryptionCertificateId: null;
  notificationQueryOptions: null;
  notificationUrlAppId: null;
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

interface SubscriptionRecord {
  id: string;
  tenantId: string;
  userId: string;
  resource: string;
  changeTypes: Set<string>;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationMs: number;
  applicationId: string;
  latestSupportedTlsVersion: string;
}

const CHANGE_TYPES = new Set(['created', 'updated', 'deleted']);

const createSchema = z.object({
  changeType: z.string().min(1),
  notificationUrl: z.url(),
  lifecycleNotificationUrl: z.url().optional(),
  resource: z.string().min(1),
  expirationDateTime: z.iso.datetime({ offset: true }),
  clientState: z.string().max(128, 'clientState can be at most 128 characters').optional(),
  latestSupportedTlsVersion: z.string().optional(),
  includeResourceData: z.boolean().optional(),
});

const patchSchema = z.object({ expirationDateTime: z.iso.datetime({ offset: true }).optional() });

const EVENTS_RESOURCE = /^\/?users\/([^/]+)\/(?:calendar\/)?events$/i;

export interface SubscriptionsOptions {
  directory: Directory;
  now: () => Date;
  maxSubscriptionMinutes: number;
  /** What to do with an expiration past the maximum: grant the maximum, or refuse it as Graph does. */
  tooLongExpiration: 'cap' | 'refuse';
  sender: NotificationSender;
  /** Extra waits, one per copy to send: none drops the notification, two duplicate it. */
  planNotification: () => number[];
  /** Graph's cap on subscription writes per app per tenant (subscriptionWriteLimit.ts). */
  writeLimit: SubscriptionWriteLimit;
}

export function createSubscriptions(options: SubscriptionsOptions) {
  const { directory, now, sender } = options;
  const subscriptions = new Map<string, SubscriptionRecord>();

  const isActive = (s: SubscriptionRecord) => s.expirationMs > now().getTime();
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '0000Z');

  const toJson = (s: SubscriptionRecord): GraphSubscription => ({
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeType,
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: iso(s.expirationMs),
    creatorId: s.applicationId,
    includeResourceData: false,
    latestSupportedTlsVersion: s.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationQueryOptions: null,
    notificationUrlAppId: null,
  });

  /** The granted expiration, or an error for one in the past. */
  const grantExpiration = (
    requested: string,
  ): { ok: true; ms: number } | { ok: false; response: SimResponse } => {
    const requestedMs = Date.parse(requested);
    const nowMs = now().getTime();
    if (requestedMs <= nowMs) {
      return {
        ok: false,
        response: graphError(400, 'InvalidRequest', 'Subscription expiration can only be in the future.'),
      };
    }
    const maxMs = nowMs + options.maxSubscriptionMinutes * 60_000;
    if (requestedMs > maxMs && options.tooLongExpiration === 'refuse') {
      return {
        ok: false,
        response: graphError(
          400,
          'ExtensionError',
          `Subscription expiration can only be ${options.maxSubscriptionMinutes} minutes in the future.`,
        ),
      };
    }
    return { ok: true, ms: Math.min(requestedMs, maxMs) };
  };

  const visible = (context: GraphContext, id: string): SubscriptionRecord | undefined => {
    const subscription = subscriptions.get(id);
    if (!subscription || subscription.tenantId !== context.tenantId || !isActive(subscription))
      return undefined;
    return subscription;
  };

  const notFound = (id: string) => graphError(404, 'ResourceNotFound', `Subscription '${id}' was not found.`);

  return {
    async create(context: GraphContext): Promise<SimResponse> {
      const throttled = options.writeLimit.admit(context.tenantId);
      if (throttled) return throttled;
      const body = parseJsonBody(context.request);
      if (!body.ok) return body.response;
      const parsed = createSchema.safeParse(body.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return graphError(
          400,
          'InvalidRequest',
          `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const input = parsed.data;
      const changeTypes = input.changeType.split(',').map((t) => t.trim());
      const unknownType = changeTypes.find((t) => !CHANGE_TYPES.has(t));
      if (unknownType !== undefined) {
        return graphError(400, 'InvalidRequest', `'${unknownType}' is not a valid change type.`);
      }
      const resourceMatch = EVENTS_RESOURCE.exec(input.resource);
      const user = resourceMatch?.[1] ? directory.findUser(decodeURIComponent(resourceMatch[1])) : undefined;
      if (!resourceMatch) {
        return graphError(
          400,
          'ExtensionError',
          `Operation: Create; Exception: [Status Code: BadRequest; Reason: Resource '${input.resource}' is not supported by this simulator.]`,
        );
      }
      if (!user || user.tenantId !== context.tenantId) {
        return graphError(
          404,
          'ExtensionError',
          `Operation: Create; Exception: [Status Code: NotFound; Reason: The requested user '${resourceMatch[1]}' is invalid.]`,
        );
      }
      const expiration = grantExpiration(input.expirationDateTime);
      if (!expiration.ok) return expiration.response;
      for (const url of [input.notificationUrl, input.lifecycleNotificationUrl]) {
        if (!url) continue;
        const handshake = await validateNotificationUrl(url);
        if (!handshake.ok) return graphError(400, handshake.code, handshake.message);
      }
      const tenant = directory.tenant(context.tenantId);
      const record: SubscriptionRecord = {
        id: randomUUID(),
        tenantId: context.tenantId,
        userId: user.id,
        resource: input.resource,
        changeTypes: new Set(changeTypes),
        changeType: changeTypes.join(','),
        notificationUrl: input.notificationUrl,
        lifecycleNotificationUrl: input.lifecycleNotificationUrl ?? null,
        clientState: input.clientState ?? null,
        expirationMs: expiration.ms,
        applicationId: tenant?.clientId ?? '',
        latestSupportedTlsVersion: input.latestSupportedTlsVersion ?? 'v1_2',
      };
      subscriptions.set(record.id, record);
      return json(201, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#subscriptions/$entity`,
        ...toJson(record),
      });
    },

    list(context: GraphContext): SimResponse {
      const value = [...subscriptions.values()]
        .filter((s) => s.tenantId === context.tenantId && isActive(s))
        .map(toJson);
      return json(200, { '@odata.context': `${context.graphBaseUrl}/$metadata#subscriptions`, value });
    },

    get(context: GraphContext, id: string): SimResponse {
      const subscription = visible(context, id);
      if (!subscription) return notFound(id);
      return json(200, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#subscriptions/$entity`,
        ...toJson(subscription),
      });
    },

    update(context: GraphContext, id: string): SimResponse {
      const throttled = options.writeLimit.admit(context.tenantId);
      if (throttled) return throttled;
      const subscription = visible(context, id);
      if (!subscription) return notFound(id);
      const body = parseJsonBody(context.request);
      if (!body.ok) return body.response;
      const parsed = patchSchema.safeParse(body.value);
      if (!parsed.success) return graphError(400, 'InvalidRequest', 'expirationDateTime: invalid date-time');
      if (parsed.data.expirationDateTime) {
        const expiration = grantExpiration(parsed.data.expirationDateTime);
        if (!expiration.ok) return expiration.response;
        subscription.expirationMs = expiration.ms;
      }
      return json(200, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#subscriptions/$entity`,
        ...toJson(subscription),
      });
    },

    remove(context: GraphContext, id: string): SimResponse {
      const throttled = options.writeLimit.admit(context.tenantId);
      if (throttled) return throttled;
      if (!visible(context, id)) return notFound(id);
      subscriptions.delete(id);
      return noContent();
    },

    reauthorize(context: GraphContext, id: string): SimResponse {
      const throttled = options.writeLimit.admit(context.tenantId);
      if (throttled) return throttled;
      return visible(context, id) ? noContent() : notFound(id);
    },

    /** Active subscriptions of every tenant, for tests. */
    all: (): GraphSubscription[] => [...subscriptions.values()].filter(isActive).map(toJson),

    forget(id: string): void {
      subscriptions.delete(id);
    },

    /**
     * A subscription as if created and validated earlier: for benchmarks that
     * need thousands of existing subscriptions without paying a handshake each.
     */
    seed(
      tenantId: string,
      userId: string,
      input: {
        notificationUrl: string;
        lifecycleNotificationUrl: string;
        clientState: string;
        expirationDateTime: string;
      },
    ): GraphSubscription {
      const record: SubscriptionRecord = {
        id: randomUUID(),
        tenantId,
        userId,
        resource: `users/${userId}/events`,
        changeTypes: new Set(CHANGE_TYPES),
        changeType: [...CHANGE_TYPES].join(','),
        notificationUrl: input.notificationUrl,
        lifecycleNotificationUrl: input.lifecycleNotificationUrl,
        clientState: input.clientState,
        expirationMs: Date.parse(input.expirationDateTime),
        applicationId: directory.tenant(tenantId)?.clientId ?? '',
        latestSupportedTlsVersion: 'v1_2',
      };
      subscriptions.set(record.id, record);
      return toJson(record);
    },

    notifyChange(change: EventChange): void {
      for (const s of subscriptions.values()) {
        if (s.userId !== change.userId || !s.changeTypes.has(change.changeType) || !isActive(s)) continue;
        const resource = `Users/${change.userId}/Events/${change.eventId}`;
        const payload = {
          value: [
            {
              subscriptionId: s.id,
              subscriptionExpirationDateTime: iso(s.expirationMs),
              changeType: change.changeType,
              resource,
              resourceData: {
                '@odata.type': '#Microsoft.Graph.Event',
                '@odata.id': resource,
                '@odata.etag': etagOf(change.changeKey),
                id: change.eventId,
              },
              clientState: s.clientState,
              tenantId: s.tenantId,
            },
          ],
        };
        for (const extraDelayMs of options.planNotification())
          void sender.send(s.notificationUrl, payload, extraDelayMs);
      }
    },

    /** The tenant's active subscriptions that asked for lifecycle notifications. */
    lifecycleSubscriptionsOf(tenantId: string): string[] {
      return [...subscriptions.values()]
        .filter((s) => s.tenantId === tenantId && isActive(s) && s.lifecycleNotificationUrl !== null)
        .map((s) => s.id);
    },

    async sendLifecycle(id: string, lifecycleEvent: LifecycleEvent): Promise<void> {
      const s = subscriptions.get(id);
      if (!s) throw new Error(`no subscription ${id}`);
      if (!s.lifecycleNotificationUrl) throw new Error(`subscription ${id} has no lifecycleNotificationUrl`);
      if (lifecycleEvent === 'subscriptionRemoved') subscriptions.delete(id);
      await sender.send(s.lifecycleNotificationUrl, {
        value: [
          {
            subscriptionId: s.id,
            subscriptionExpirationDateTime: iso(s.expirationMs),
            tenantId: s.tenantId,
            clientState: s.clientState,
            lifecycleEvent,
          },
        ],
      });
    },
  };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
