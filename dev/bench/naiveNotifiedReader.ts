// The naive notification client, run beside the service on the same
// mailboxes: its own subscription per user, and for every notification one
// GET of the event it names. That is what reading changes without delta costs:
// one request per notification, however many of them are about one calendar.

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphSimulator } from '../graphSimulator/graphSimulator';
import { DEMO_TENANT } from '../localHost/demoTenant';
import { type NaiveGraphClient, naiveGraphClient } from './naiveGraphClient';

export interface NaiveNotifiedReader {
  /** Notifications received, and the GETs they cost (answered 200 among them). */
  readonly notifications: number;
  readonly client: NaiveGraphClient;
  /** Resolves once every GET started so far is answered. */
  idle(): Promise<void>;
  reset(): void;
  stop(): Promise<void>;
}

export async function startNaiveNotifiedReader(
  simulator: GraphSimulator,
  userIds: readonly string[],
): Promise<NaiveNotifiedReader> {
  const client = naiveGraphClient(simulator);
  const inFlight = new Set<Promise<unknown>>();
  let notifications = 0;
  const server = createServer((request, response) => {
    const token = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('validationToken');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (token !== null) {
        response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        return;
      }
      response.writeHead(202).end();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        value?: Array<{ resource?: unknown }>;
      };
      for (const item of body.value ?? []) {
        if (typeof item.resource !== 'string') continue;
        notifications++;
        const read = client.get(item.resource).catch(() => undefined);
        inFlight.add(read);
        void read.finally(() => inFlight.delete(read));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  const expiration = new Date(simulator.clock.now().getTime() + 3 * 86_400_000).toISOString();
  const subscriptions = userIds.map(
    (userId) =>
      simulator.seedSubscription(DEMO_TENANT.id, userId, {
        notificationUrl: url,
        lifecycleNotificationUrl: url,
        clientState: randomUUID(),
        expirationDateTime: expiration,
      }).id,
  );
  return {
    get notifications() {
      return notifications;
    },
    client,
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    reset() {
      notifications = 0;
      client.reset();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        // Gone without a trace, so Graph's side does not go on redelivering to a closed port.
        for (const id of subscriptions) simulator.deleteSubscriptionSilently(id);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
