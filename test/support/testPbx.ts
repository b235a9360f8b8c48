// A PBX for tests that need to decide what the PBX answers: it records every
// request, answers as the test scripts it (a status with headers and body,
// late, never, or never finishing the body), and checks signatures with the
// independent `standardwebhooks` package when the test asks. dev/pbxSink.ts
// is the other PBX: the careful one the local host delivers to, which applies
// events; use that one to see what a PBX ends up showing.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface PbxRequest {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /**
   * The payload, once standardwebhooks has accepted the request as signed
   * with `secret` (and as fresh: its timestamp within five minutes of now);
   * throws its verification error otherwise.
   */
  verify(secret: string): unknown;
}

export interface AnswerOptions {
  headers?: Record<string, string>;
  body?: string;
  /** Answer only this much later (a PBX slower than the sender's timeout). */
  delayMs?: number;
  /** Send the status, headers and body, but never end the response. */
  unfinished?: boolean;
}

export interface TestPbx {
  /** Where to deliver, e.g. `http://127.0.0.1:53211/webhooks`. */
  readonly url: string;
  /** What reached the PBX during the current test, in arrival order. */
  readonly requests: readonly PbxRequest[];
  /** The most requests that were in flight at once (arrived, not yet answered) during the current test. */
  readonly maxInFlight: number;
  /** From now on, answer every request like this. */
  answer(status: number, options?: AnswerOptions): void;
  /** From now on, read each request and never answer it. */
  neverAnswer(): void;
}

type Script = { kind: 'answer'; status: number; options: AnswerOptions } | { kind: 'silent' };

interface Held {
  response: ServerResponse;
  timer?: NodeJS.Timeout;
}

const DEFAULT_SCRIPT: Script = { kind: 'answer', status: 204, options: {} };

/**
 * A test PBX on a free loopback port for the tests declared around this call.
 * Before each test it forgets what it received and answers 204 again, and
 * drops any answer it still holds back; it stops after the last test.
 */
export function useTestPbx(): TestPbx {
  let script: Script = DEFAULT_SCRIPT;
  let requests: PbxRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  /** Answers not complete: delayed, withheld or unfinished. Each test starts without them. */
  const held = new Set<Held>();
  let url: string | undefined;

  const server = createServer((request, response) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // 'close' fires once per response, answered or dropped.
    response.once('close', () => inFlight--);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const headers = request.headers;
      requests.push({
        method: request.method ?? '',
        headers,
        body,
        verify: (secret) => new Webhook(secret).verify(body, signatureHeaders(headers)),
      });
      respond(response, script);
    });
  });

  function respond(response: ServerResponse, current: Script): void {
    const entry: Held = { response };
    held.add(entry);
    if (current.kind === 'silent') return;
    const { status, options } = current;
    const send = () => {
      response.writeHead(status, options.headers ?? {});
      if (options.unfinished) {
        response.write(options.body ?? '');
        return;
      }
      response.end(options.body ?? '');
      held.delete(entry);
    };
    if (options.delayMs === undefined) send();
    else entry.timer = setTimeout(send, options.delayMs);
  }

  function dropHeld(): void {
    for (const { response, timer } of held) {
      clearTimeout(timer);
      response.socket?.destroy();
    }
    held.clear();
  }

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  });
  beforeEach(() => {
    dropHeld();
    script = DEFAULT_SCRIPT;
    requests = [];
    maxInFlight = inFlight;
  });
  afterAll(async () => {
    dropHeld();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  return {
    get url() {
      if (url === undefined) throw new Error('the test PBX listens only from the first beforeAll on');
      return url;
    },
    get requests() {
      return requests;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    answer(status, options = {}) {
      script = { kind: 'answer', status, options };
    },
    neverAnswer() {
      script = { kind: 'silent' };
    },
  };
}

/** A loopback URL that was free a moment ago and has no listener now: connections are refused. */
export async function urlNobodyListensOn(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhooks`;
}

function signatureHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  };
}
