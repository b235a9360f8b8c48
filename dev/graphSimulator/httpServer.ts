import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimRequest, SimResponse } from './exchange';

/** Node's http server in front of the pipeline; listens on 127.0.0.1 only. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

async function readBody(message: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function toSimRequest(message: IncomingMessage, bodyText: string): SimRequest {
  const rawUrl = message.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const rawQuery = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1);
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: (message.method ?? 'GET').toUpperCase(),
    path: queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt),
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers,
    bodyText,
  };
}

export async function startHttpServer(
  port: number,
  respond: (request: SimRequest) => Promise<SimResponse>,
): Promise<RunningServer> {
  const server: Server = createServer((message, reply) => {
    void (async () => {
      const request = toSimRequest(message, await readBody(message));
      const response = await respond(request);
      const headers: Record<string, string> = { ...response.headers };
      let payload: string | undefined;
      if (typeof response.body === 'string') {
        payload = response.body;
        headers['Content-Type'] ??= 'text/plain; charset=utf-8';
      } else if (response.body !== undefined) {
        payload = JSON.stringify(response.body);
      }
      reply.writeHead(response.status, headers);
      reply.end(payload);
    })().catch((error: unknown) => {
      reply.writeHead(500, { 'content-type': 'text/plain' });
      reply.end(error instanceof Error ? error.message : 'simulator error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
