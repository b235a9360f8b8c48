// A stand-in for our notification endpoint: answers Graph's validation
// handshake (echoing the token, or failing on purpose) and collects
// notification bodies, resolving waiters instead of making tests sleep.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HandshakeMode = 'echo' | 'wrongToken' | 'status500';

export interface NotificationReceiver {
  url: string;
  mode: HandshakeMode;
  validations: Array<{ token: string; contentType: string | undefined; query: string }>;
  notifications: Array<{ query: string; body: unknown }>;
  waitForNotifications(count: number): Promise<Array<{ query: string; body: unknown }>>;
  close(): Promise<void>;
}

export async function startNotificationReceiver(): Promise<NotificationReceiver> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const receiver: Omit<NotificationReceiver, 'url' | 'close'> = {
    mode: 'echo',
    validations: [],
    notifications: [],
    waitForNotifications(count) {
      if (receiver.notifications.length >= count)
        return Promise.resolve(receiver.notifications.slice(0, count));
      return new Promise((resolve) =>
        waiters.push({ count, resolve: () => resolve(receiver.notifications.slice(0, count)) }),
      );
    },
  };

  const server: Server = createServer((request, reply) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://receiver.invalid');
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        receiver.validations.push({ token, contentType: request.headers['content-type'], query: url.search });
        if (receiver.mode === 'status500') {
          reply.writeHead(500).end();
        } else {
          reply.writeHead(200, { 'content-type': 'text/plain' });
          reply.end(receiver.mode === 'echo' ? token : 'not the token');
        }
        return;
      }
      receiver.notifications.push({
        query: url.search,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      reply.writeHead(202).end();
      for (const waiter of [...waiters]) {
        if (receiver.notifications.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/notify`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
