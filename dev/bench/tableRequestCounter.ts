import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TableRequestCounter {
  /** Connection string pointing at the counter instead of Azurite. */
  connectionString: string;
  /**
   * Table Storage HTTP requests (each an operation, a query page or an entity
   * batch) since the last reset; with `path`, only those whose request path
   * matches it (say, one table's).
   */
  count(path?: RegExp): number;
  /**
   * Entities Table Storage answered with since the last reset (a query page's
   * `value` rows, one per point read), filtered by `path` as `count` is: what
   * a read costs once its partition outgrows one request's page.
   */
  entities(path?: RegExp): number;
  /** The requests counted since the last reset, as `METHOD path`, for a breakdown. */
  requests(): string[];
  reset(): void;
  /** Answers every request with this status instead of passing it on (a storage outage), until called with none. */
  refuse(status?: number): void;
  stop(): Promise<void>;
}

/**
 * A pass-through proxy in front of Azurite that counts every Table Storage
 * request, so the benchmark reports what the service really sends (an entity
 * batch is one request, a paged query one per page), not calls to our own ports.
 */
export async function countTableRequests(connectionString: string): Promise<TableRequestCounter> {
  const target = new URL(/TableEndpoint=([^;]+)/.exec(connectionString)?.[1] ?? '');
  let paths: string[] = [];
  let read: Array<{ path: string; entities: number }> = [];
  let methods: string[] = [];
  let refusing: number | undefined;
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '';
    paths.push(path);
    methods.push(incoming.method ?? '');
    if (refusing !== undefined) {
      incoming.resume();
      outgoing.writeHead(refusing, { 'content-type': 'application/json' });
      outgoing.end(
        JSON.stringify({ 'odata.error': { code: 'AuthorizationFailure', message: { value: 'refused' } } }),
      );
      return;
    }
    const upstream = forward(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const entities = entitiesIn(incoming.method, answer.statusCode, Buffer.concat(chunks));
          if (entities > 0) read.push({ path, entities });
        });
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxied = `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`;
  return {
    connectionString: connectionString.replace(/TableEndpoint=[^;]+/, `TableEndpoint=${proxied}`),
    count: (path) => (path ? paths.filter((p) => path.test(p)).length : paths.length),
    entities: (path) =>
      read.filter((r) => !path || path.test(r.path)).reduce((sum, r) => sum + r.entities, 0),
    requests: () => paths.map((path, i) => `${methods[i]} ${decodeURIComponent(path)}`),
    reset() {
      paths = [];
      read = [];
      methods = [];
    },
    refuse(status) {
      refusing = status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A query answers `{ value: [...] }`, a point read one entity; writes and errors read none. */
function entitiesIn(method: string | undefined, status: number | undefined, body: Buffer): number {
  if (method !== 'GET' || status !== 200) return 0;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return 0;
    const value = (parsed as { value?: unknown }).value;
    return Array.isArray(value) ? value.length : 1;
  } catch {
    return 0;
  }
}
