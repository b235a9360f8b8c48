// What the secret store holds for an integration's PBX: the current signing
// secret and, during a rotation, the previous one with the instant it stops
// being used. Stored as JSON; a bare `whsec_...` (or several, space-separated,
// as written before rotation existed) is read as secrets without an end.

import { z } from 'zod';
import { isSigningSecret } from './signing';

export interface PbxSecret {
  current: string;
  previous?: { secret: string; until: string };
}

const signingSecret = z.string().refine(isSigningSecret, 'not a whsec_ signing secret');

const storedSchema = z.object({
  current: signingSecret,
  previous: z.object({ secret: signingSecret, until: z.iso.datetime({ offset: true }) }).optional(),
});

export type PbxSecretRead = { kind: 'ok'; secret: PbxSecret } | { kind: 'unreadable'; why: string };

export function readPbxSecret(stored: string): PbxSecretRead {
  const text = stored.trim();
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'unreadable', why: 'the stored PBX secret is not valid JSON' };
    }
    const parsed = storedSchema.safeParse(json);
    // Issue paths only: the message must never carry the secret's text.
    if (!parsed.success) {
      return {
        kind: 'unreadable',
        why: `the stored PBX secret is malformed at ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      };
    }
    return { kind: 'ok', secret: parsed.data };
  }
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length === 0 || !parts.every(isSigningSecret)) {
    return { kind: 'unreadable', why: 'the stored PBX secret is not a whsec_ signing secret' };
  }
  const [current, ...older] = parts as [string, ...string[]];
  // Legacy space-separated values have no end: keep signing with every one until rotated.
  return {
    kind: 'ok',
    secret: {
      current,
      ...(older[0] ? { previous: { secret: older[0], until: '9999-12-31T23:59:59Z' } } : {}),
    },
  };
}

export function writePbxSecret(secret: PbxSecret): string {
  return JSON.stringify(secret);
}

/** The secrets to sign with at `now`: the current one, plus the previous one until its window ends. */
export function signingSecretsAt(secret: PbxSecret, now: Date): string[] {
  const previous = secret.previous;
  return previous && Date.parse(previous.until) > now.getTime()
    ? [secret.current, previous.secret]
    : [secret.current];
}
