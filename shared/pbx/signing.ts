// Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256
// over `${id}.${timestampSeconds}.${body}` with the decoded secret, sent as
// `v1,<base64>`. During a secret rotation we sign with every current secret,
// space-separated, so the PBX accepts the call whichever secret it holds.

import { createHmac, randomBytes } from 'node:crypto';

// A type alias, not an interface, so it fits where plain header records are expected (fetch, http).
export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export interface SignatureInput {
  /** Stable across retries of the same webhook, so the receiver can de-duplicate. */
  id: string;
  timestamp: Date;
  /** The exact bytes that go on the wire. */
  body: string;
  /** `whsec_<base64>`; several while a rotation is under way. */
  secrets: string[];
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Standard Webhooks asks for 24 to 64 random bytes. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

export function signWebhook(input: SignatureInput): SignatureHeaders {
  if (input.id.length === 0) throw new Error('A webhook id is required');
  const seconds = Math.floor(input.timestamp.getTime() / 1000);
  if (!Number.isFinite(seconds)) throw new Error('The webhook timestamp is not a valid date');
  if (input.secrets.length === 0) throw new Error('At least one signing secret is required');
  const keys = input.secrets.map((secret, index) => signingKey(secret, index));
  const signedContent = `${input.id}.${seconds}.${input.body}`;
  const signatures = keys.map(
    (key) => `v1,${createHmac('sha256', key).update(signedContent).digest('base64')}`,
  );
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
  };
}

export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** True when the text has the shape of a signing secret; for validating input without throwing. */
export function isSigningSecret(secret: string): boolean {
  return describeSecretProblem(secret) === undefined;
}

function signingKey(secret: string, index: number): Buffer {
  const problem = describeSecretProblem(secret);
  // The message says which secret and what is wrong, never what the secret is.
  if (problem) throw new Error(`Signing secret #${index + 1} is invalid: ${problem}`);
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

function describeSecretProblem(secret: string): string | undefined {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    return `expected "${SECRET_PREFIX}" followed by base64`;
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return `the part after "${SECRET_PREFIX}" is not valid base64`;
  const length = Buffer.from(encoded, 'base64').length;
  if (length < MIN_SECRET_BYTES || length > MAX_SECRET_BYTES) {
    return `it must decode to ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} bytes`;
  }
  return undefined;
}
