import { randomBytes } from 'node:crypto';
import { type Client, GraphError } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { classifyGraphError } from './graphErrors';

const subscriptionSchema = z.object({
  id: z.string().min(1),
  resource: z.string(),
  expirationDateTime: z.string(),
});
export type GraphSubscription = z.infer<typeof subscriptionSchema>;

/** Graph allows 128 characters; 32 random bytes in base64url is 43, plenty of entropy. */
export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

export function eventsResourceFor(userId: string): string {
  return `users/${userId}/events`;
}

/**
 * Graph's documentation has given both 4 230 and 10 080 minutes as the
 * longest lifetime of an Outlook event subscription. We ask for the configured
 * one; if Graph refuses that expiration, we ask again once for the shorter.
 */
export const SHORTER_DOCUMENTED_MAX_MINUTES = 4230;

/** A 400 about the expiration (and nothing else) is worth one more try with the shorter lifetime. */
export function refusedExpiration(status: number, message: string): boolean {
  return status === 400 && /expiration/i.test(message);
}

/**
 * Creates a subscription on a user's events. Graph validates both URLs before
 * answering and may grant a shorter lifetime than asked: the caller keeps the
 * `expirationDateTime` returned here, never the one it requested.
 */
export async function createEventSubscription(
  client: Client,
  options: {
    userId: string;
    notificationUrl: string;
    lifecycleNotificationUrl: string;
    clientState: string;
    expiresAt: Date;
    /** Asked for instead when Graph refuses `expiresAt` as too far out. */
    fallbackExpiresAt?: Date;
  },
): Promise<GraphSubscription> {
  const create = async (expiresAt: Date) =>
    subscriptionSchema.parse(
      await client.api('/subscriptions').post({
        changeType: 'created,updated,deleted',
        notificationUrl: options.notificationUrl,
        lifecycleNotificationUrl: options.lifecycleNotificationUrl,
        resource: eventsResourceFor(options.userId),
        expirationDateTime: expiresAt.toISOString(),
        clientState: options.clientState,
      }),
    );
  try {
    return await create(options.expiresAt);
  } catch (error) {
    const fallback = options.fallbackExpiresAt;
    const refused = error instanceof GraphError && refusedExpiration(error.statusCode, error.message ?? '');
    if (!refused || !fallback || fallback >= options.expiresAt) throw error;
    return create(fallback);
  }
}

/** Deleting one that is already gone counts as done. */
export async function deleteSubscription(client: Client, subscriptionId: string): Promise<void> {
  try {
    await client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).delete();
  } catch (error) {
    if (classifyGraphError(error)?.kind !== 'notFound') throw error;
  }
}
