// The Service Bus trigger settings of host.json, read for the local host so
// that the in-process queue schedules sessions with the values Azure uses:
// host.json stays the one place they are written down.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export interface ServiceBusHostSettings {
  maxConcurrentCalls: number;
  maxConcurrentSessions: number;
  sessionIdleTimeoutMs: number;
  maxAutoLockRenewalMs: number;
  functionTimeoutMs: number;
}

// .NET TimeSpan text as host.json takes it: [d.]hh:mm:ss[.fffffff].
const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Milliseconds of a TimeSpan such as `00:00:01` or `1.00:00:00.5`; throws on anything else. */
export function timeSpanMs(text: string): number {
  const match = TIME_SPAN.exec(text);
  if (!match) throw new Error(`not a TimeSpan (d.hh:mm:ss.fff): ${text}`);
  const [, days, hours, minutes, seconds, fraction] = match;
  if (Number(minutes) > 59 || Number(seconds) > 59) throw new Error(`not a TimeSpan: ${text}`);
  return (
    ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    Math.round(Number(`0.${fraction ?? '0'}`) * 1000)
  );
}

const timeSpan = z.string().transform((text, context) => {
  try {
    return timeSpanMs(text);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

// Defaults where host.json leaves a setting out are the extension's (5.x) and
// the plan's: https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
// and https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout (Flex Consumption: 30 min).
// With no sessionIdleTimeout the SDK waits its TryTimeout, 60 s by default
// (https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.servicebussessionprocessoroptions.sessionidletimeout).
const hostJsonSchema = z.object({
  functionTimeout: timeSpan.default(30 * 60_000),
  extensions: z
    .object({
      serviceBus: z
        .object({
          maxConcurrentCalls: z.number().int().positive().default(16),
          maxConcurrentSessions: z.number().int().positive().default(8),
          sessionIdleTimeout: timeSpan.default(60_000),
          maxAutoLockRenewalDuration: timeSpan.default(5 * 60_000),
        })
        .prefault({}),
    })
    .prefault({}),
});

/** The settings of a host.json text. */
export function parseServiceBusHostSettings(json: string): ServiceBusHostSettings {
  const parsed = hostJsonSchema.parse(JSON.parse(json));
  const serviceBus = parsed.extensions.serviceBus;
  return {
    maxConcurrentCalls: serviceBus.maxConcurrentCalls,
    maxConcurrentSessions: serviceBus.maxConcurrentSessions,
    sessionIdleTimeoutMs: serviceBus.sessionIdleTimeout,
    maxAutoLockRenewalMs: serviceBus.maxAutoLockRenewalDuration,
    functionTimeoutMs: parsed.functionTimeout,
  };
}

/**
 * The repository's host.json: beside `dev/` when run from the sources,
 * one folder further up when run from `dist/dev/`.
 */
export function hostJsonPath(from: string = __dirname): string {
  let folder = from;
  for (let up = 0; up < 4; up++) {
    folder = dirname(folder);
    const candidate = join(folder, 'host.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no host.json above ${from}`);
}

export function readServiceBusHostSettings(path: string = hostJsonPath()): ServiceBusHostSettings {
  return parseServiceBusHostSettings(readFileSync(path, 'utf8'));
}
