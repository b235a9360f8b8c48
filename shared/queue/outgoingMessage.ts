// Queue bodies travel as JSON on Service Bus. Refusing anything that would not
// survive the trip (dates, class instances, NaN, functions...) at send time
// keeps local runs honest: what a handler receives here is what it would
// receive in Azure.

import type { OutgoingMessage } from './queuePort';

/** Service Bus limits both ids to 128 characters. */
/** Service Bus message and session ids: at most 128 characters (service-bus-quotas). */
export const SERVICE_BUS_ID_MAX = 128;
const MAX_ID_LENGTH = SERVICE_BUS_ID_MAX;

/**
 * Service Bus Standard takes messages up to 256 KB (headers and properties
 * included); the in-process queue refuses bodies near that too, so a message
 * that could never be sent in Azure fails locally as well.
 */
export const MAX_BODY_BYTES = 250 * 1024;

/** Checks a message as Service Bus would at send time and returns its body as JSON text. */
export function serializeOutgoingMessage(message: OutgoingMessage): string {
  const { messageId, sessionId, scheduledEnqueueTime } = message;
  if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > MAX_ID_LENGTH) {
    throw new TypeError(`messageId must be 1-${MAX_ID_LENGTH} characters`);
  }
  if (sessionId !== undefined && (sessionId.length === 0 || sessionId.length > MAX_ID_LENGTH)) {
    throw new TypeError(`Message ${messageId}: sessionId must be 1-${MAX_ID_LENGTH} characters`);
  }
  if (scheduledEnqueueTime !== undefined && Number.isNaN(scheduledEnqueueTime.getTime())) {
    throw new TypeError(`Message ${messageId}: scheduledEnqueueTime is not a valid date`);
  }
  const problem = jsonProblem(message.body, 'body');
  if (problem) throw new TypeError(`Message ${messageId}: ${problem}`);
  const json = JSON.stringify(message.body);
  if (Buffer.byteLength(json) > MAX_BODY_BYTES) {
    throw new RangeError(`Message ${messageId} is too large for one Service Bus message`);
  }
  return json;
}

function jsonProblem(value: unknown, path: string, ancestors = new Set<object>()): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot carry`;
  }
  if (typeof value !== 'object') {
    return `${path} is ${value === undefined ? 'undefined' : `a ${typeof value}`}, which JSON cannot carry`;
  }
  if (ancestors.has(value)) return `${path} refers back to itself`;
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    return `${path} is a ${value.constructor?.name ?? 'non-plain object'}; send plain JSON (e.g. ISO strings for dates)`;
  }
  ancestors.add(value);
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [`[${index}]`, item])
    : Object.entries(value).map(([key, item]) => [`.${key}`, item]);
  for (const [step, item] of entries) {
    // An absent optional field is fine: JSON drops it, and so does the handler's parser.
    if (item === undefined && !Array.isArray(value)) continue;
    const problem = jsonProblem(item, `${path}${step}`, ancestors);
    if (problem) return problem;
  }
  ancestors.delete(value);
  return undefined;
}
