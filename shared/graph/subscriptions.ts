import { randomBytes } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
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
  },
): Promise<GraphSubscription> {
  const raw: unknown = await client.api('/subscriptions').post({
    changeType: 'created,updated,deleted',
    notificationUrl: options.notificationUrl,
    lifecycleNotificationUrl: options.lifecycleNotificationUrl,
    resource: eventsResourceFor(options.userId),
    expirationDateTime: options.expiresAt.toISOString(),
    clientState: options.clientState,
  });
  return subscriptionSchema.parse(raw);
}

/** PATCHing the expiration renews and also reauthorizes (POST /reauthorize alone would not extend it). */
export async function renewSubscription(
  client: Client,
  subscriptionId: string,
  expiresAt: Date,
): Promise<GraphSubscription> {
  const raw: unknown = await client
    .api(`/subscriptions/${encodeURIComponent(subscriptionId)}`)
    .patch({ expirationDateTime: expiresAt.toISOString() });
  return subscriptionSchema.parse(raw);
}

/** Deleting one that is already gone counts as done. */
export async function deleteSubscription(client: Client, subscriptionId: string): Promise<void> {
  try {
    await client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).delete();
  } catch (error) {
    if (classifyGraphError(error)?.kind !== 'notFound') throw error;
  }
}
