// A stand-in PBX for local runs and tests. It verifies every webhook with the
// independent `standardwebhooks` package (so our own signing is checked by
// someone else's code), applies events the way a careful PBX would (by
// version, ignoring redeliveries) and can be told to misbehave.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type {
  AbsenceDeleted,
  AbsenceUpserted,
  PbxAbsence,
  PbxEvent,
  PbxStatus,
  UserSnapshot,
  UserStatusChanged,
} from '../shared/pbx/pbxEvent';
import { pbxEventSchema } from '../shared/pbx/pbxEventSchema';
import { isSigningSecret } from '../shared/pbx/signing';
import { seededRandom } from './seededRandom';

export interface VerifiedWebhook<Event extends PbxEvent = AbsenceUpserted | AbsenceDeleted> {
  webhookId: string;
  timestamp: Date;
  event: Event;
}

export type SinkAbsence = PbxAbsence & { userEmail: string };

export interface SinkBehaviour {
  /** Share (0..1) of new, valid webhooks answered with `failWith` instead of being applied. */
  failFraction?: number;
  /** The answer for induced failures; default 503 without Retry-After. */
  failWith?: { status: number; retryAfterSeconds?: number };
  /** Drop every connection without an answer, like a PBX that is down. */
  down?: boolean;
  /** Seed for the failure dice, so a failing run can be replayed. */
  seed?: number;
}

export interface PbxSinkOptions extends SinkBehaviour {
  /** `whsec_...`; never printed. */
  secret: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  log?: (line: string) => void;
}

export interface PbxSink {
  url: string;
  /** Verified, first-time absence webhooks in arrival order (redeliveries of a known id are not repeated). */
  readonly received: VerifiedWebhook[];
  /** Verified, first-time `user.snapshot` webhooks in arrival order. */
  readonly snapshots: VerifiedWebhook<UserSnapshot>[];
  /** Verified, first-time `user.status` webhooks in arrival order. */
  readonly statuses: VerifiedWebhook<UserStatusChanged>[];
  /** Each user's status as this PBX now holds it (the highest version, from a status or a snapshot), by user id. */
  statusOf(userId: string): PbxStatus | undefined;
  /** Requests answered 401 (missing or wrong signature). */
  readonly rejected: number;
  /** Verified requests whose body is not a schema-1 event (answered 400). */
  readonly malformed: number;
  /** Redeliveries of an already applied webhook id (answered 204, not applied). */
  readonly duplicates: number;
  /** Webhooks answered with an induced failure (`failFraction`). */
  readonly failedOnPurpose: number;
  /** Connections dropped unanswered while `down`. */
  readonly dropped: number;
  /** Absences as this PBX now shows them, by absence id. */
  state(): Map<string, SinkAbsence>;
  /** Resolves as soon as the predicate holds after some webhook; rejects after `timeoutMs`. */
  waitFor(predicate: (sink: PbxSink) => boolean, timeoutMs: number): Promise<void>;
  setBehaviour(behaviour: SinkBehaviour): void;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startPbxSink(options: PbxSinkOptions): Promise<PbxSink> {
  if (!isSigningSecret(options.secret)) throw new Error('PBX sink: the secret is not a valid whsec_ secret');
  const verifier = new Webhook(options.secret);
  const log = options.log ?? (() => {});
  const received: VerifiedWebhook[] = [];
  const snapshots: VerifiedWebhook<UserSnapshot>[] = [];
  const statuses: VerifiedWebhook<UserStatusChanged>[] = [];
  /** The documented rule for statuses: keep the one with the highest version, from either event. */
  const heldStatus = new Map<string, { version: number; status: PbxStatus }>();
  const appliedIds = new Set<string>();
  const absences = new Map<string, SinkAbsence>();
  /** Highest version seen per absence, deletes included, so a late older upsert cannot resurrect it. */
  const versions = new Map<string, number>();
  /** Per user id, the version of the newest snapshot applied: the user's state at that version is known. */
  const snapshotFloors = new Map<string, number>();
  const listeners = new Set<() => void>();
  let behaviour: SinkBehaviour = {};
  let dice = seededRandom(0);
  let rejected = 0;
  let malformed = 0;
  let duplicates = 0;
  let failedOnPurpose = 0;
  let dropped = 0;

  function setBehaviour(next: SinkBehaviour): void {
    behaviour = { ...behaviour, ...next };
    if (next.seed !== undefined || next.failFraction !== undefined) dice = seededRandom(behaviour.seed ?? 0);
  }
  setBehaviour({
    failFraction: options.failFraction,
    failWith: options.failWith,
    down: options.down,
    seed: options.seed,
  });

  function holdStatus(userId: string, version: number, status: PbxStatus | undefined): void {
    if (!status || version <= (heldStatus.get(userId)?.version ?? 0)) return;
    heldStatus.set(userId, { version, status });
  }

  function apply(event: PbxEvent): void {
    if (event.type === 'user.snapshot') {
      applySnapshot(event);
      holdStatus(event.data.user.id, event.data.version, event.data.status);
      return;
    }
    if (event.type === 'user.status') {
      holdStatus(event.data.user.id, event.data.version, event.data.status);
      return;
    }
    const { id, version } = event.data.absence;
    if (version <= (versions.get(id) ?? 0)) return;
    // Older than a snapshot already applied: that snapshot reflected it (or its end), even for an
    // absence this PBX never held, such as one whose upsert is still being retried.
    if (version < (snapshotFloors.get(event.data.user.id) ?? 0)) return;
    versions.set(id, version);
    if (event.type === 'absence.upserted') {
      absences.set(id, { ...event.data.absence, userEmail: event.data.user.email });
    } else {
      absences.delete(id);
    }
  }

  /**
   * The documented reconciliation: each absence in the snapshot is applied
   * like an upsert (by version); the user's absences missing from it are
   * removed if older than the snapshot's version, and remembered as deleted at
   * that version so a late, older webhook cannot bring them back; the version
   * stays as the user's floor for absences this PBX has not seen at all.
   */
  function applySnapshot(event: UserSnapshot): void {
    const { user, version, absences: listed } = event.data;
    const floor = snapshotFloors.get(user.id) ?? 0;
    if (version < floor) return;
    snapshotFloors.set(user.id, version);
    const listedIds = new Set(listed.map((absence) => absence.id));
    for (const [id, held] of absences) {
      if (held.userEmail !== user.email || listedIds.has(id)) continue;
      if ((versions.get(id) ?? 0) < version) {
        absences.delete(id);
        versions.set(id, version);
      }
    }
    for (const absence of listed) {
      if (absence.version <= (versions.get(absence.id) ?? 0)) continue;
      versions.set(absence.id, absence.version);
      absences.set(absence.id, { ...absence, userEmail: user.email });
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (behaviour.down) {
      dropped++;
      request.socket.destroy();
      notify();
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const body = await readBody(request);
    if (body === undefined) {
      response.writeHead(413).end();
      return;
    }
    let payload: unknown;
    try {
      payload = verifier.verify(body, headerRecord(request));
    } catch (error) {
      rejected++;
      log(`✗ rejected webhook: ${error instanceof Error ? error.message : 'verification failed'}`);
      response.writeHead(401).end();
      notify();
      return;
    }
    const webhookId = String(request.headers['webhook-id']);
    if (appliedIds.has(webhookId)) {
      duplicates++;
      log(`↺ duplicate ${webhookId} acknowledged, not applied again`);
      response.writeHead(204).end();
      notify();
      return;
    }
    const parsed = pbxEventSchema.safeParse(payload);
    if (!parsed.success) {
      malformed++;
      log(
        `✗ malformed event ${webhookId}: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`,
      );
      response.writeHead(400, { 'content-type': 'text/plain' }).end('not a schema 1 absence event');
      notify();
      return;
    }
    if (behaviour.failFraction && dice() < behaviour.failFraction) {
      const failWith = behaviour.failWith ?? { status: 503 };
      failedOnPurpose++;
      log(`⚡ failing ${webhookId} with ${failWith.status} on purpose`);
      const headers: Record<string, string> =
        failWith.retryAfterSeconds !== undefined ? { 'retry-after': String(failWith.retryAfterSeconds) } : {};
      response.writeHead(failWith.status, headers).end();
      return;
    }
    appliedIds.add(webhookId);
    const timestamp = new Date(Number(request.headers['webhook-timestamp']) * 1000);
    const event = parsed.data;
    if (event.type === 'user.snapshot') snapshots.push({ webhookId, timestamp, event });
    else if (event.type === 'user.status') statuses.push({ webhookId, timestamp, event });
    else received.push({ webhookId, timestamp, event });
    apply(parsed.data);
    log(describeEvent(parsed.data));
    response.writeHead(204).end();
    notify();
  }

  function notify(): void {
    for (const listener of [...listeners]) listener();
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const sink: PbxSink = {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    snapshots,
    statuses,
    statusOf: (userId) => heldStatus.get(userId)?.status,
    get rejected() {
      return rejected;
    },
    get malformed() {
      return malformed;
    },
    get duplicates() {
      return duplicates;
    },
    get failedOnPurpose() {
      return failedOnPurpose;
    },
    get dropped() {
      return dropped;
    },
    state: () => new Map([...absences].map(([id, absence]) => [id, { ...absence }])),
    waitFor(predicate, timeoutMs) {
      if (predicate(sink)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const listener = () => {
          if (!predicate(sink)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`PBX sink: condition not met within ${timeoutMs} ms (${received.length} received)`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        listeners.add(listener);
      });
    },
    setBehaviour,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sink;
}

/** One readable line per applied event, e.g. `✔ absence.upserted alice@… Lunch 12:00–13:00 (information) v2`. */
export function describeEvent(event: PbxEvent): string {
  if (event.type === 'user.snapshot') {
    const { user, absences: listed, version } = event.data;
    const status = event.data.status ? `, ${event.data.status.announcement.text}` : '';
    return `⟳ user.snapshot ${user.email} ${listed.length} absence(s)${status} v${version}`;
  }
  if (event.type === 'user.status') {
    const { user, status, version } = event.data;
    return `◐ user.status ${user.email} ${status.announcement.text} v${version}`;
  }
  if (event.type === 'absence.deleted') {
    const { user, absence } = event.data;
    return `✖ absence.deleted ${user.email} ${absence.id} v${absence.version}`;
  }
  const { user } = event.data;
  const { start, end, reason, subject, callHandling, version } = event.data.absence;
  const label = subject ? `${reason.name} “${subject}”` : reason.name;
  return `✔ absence.upserted ${user.email} ${label} ${timeRange(start, end)} (${callHandling}) v${version}`;
}

/** Times in UTC; the date is shown only when the absence is not within one day. */
function timeRange(start: string, end: string): string {
  const [startDate, startTime] = [start.slice(0, 10), start.slice(11, 16)];
  const [endDate, endTime] = [end.slice(0, 10), end.slice(11, 16)];
  const sameDay = startDate === endDate;
  return sameDay
    ? `${startDate} ${startTime}–${endTime} UTC`
    : `${startDate} ${startTime} – ${endDate} ${endTime} UTC`;
}

function headerRecord(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `node dist/dev/pbxSink.js`: a standalone sink for manual runs; secret from PBX_SINK_SECRET. */
if (require.main === module) {
  const secret = process.env.PBX_SINK_SECRET ?? '';
  startPbxSink({ secret, port: Number(process.env.PBX_SINK_PORT ?? 0), log: (line) => console.log(line) })
    .then((sink) => console.log(`PBX sink listening on ${sink.url}`))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
