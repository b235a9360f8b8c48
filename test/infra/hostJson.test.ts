// host.json as Azure reads it: the settings that decide how many users one
// instance syncs per second and whether a long sync keeps its session lock.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseServiceBusHostSettings, timeSpanMs } from '../../dev/localHost/hostSettings';
import { ConfigError, loadConfig } from '../../shared/config';

const hostJsonText = readFileSync(path.join(__dirname, '../../host.json'), 'utf8');
const hostJson = JSON.parse(hostJsonText) as {
  version?: unknown;
  functionTimeout?: unknown;
  extensionBundle?: { id?: unknown; version?: unknown };
  extensions?: { serviceBus?: Record<string, unknown> };
};
const settings = parseServiceBusHostSettings(hostJsonText);

/** The production default of SYNC_COALESCE_SECONDS (the template leaves it to the code). */
function defaultCoalesceSeconds(): number {
  const env: Record<string, string> = {};
  for (let round = 0; round < 10; round++) {
    try {
      return loadConfig(env).SYNC_COALESCE_SECONDS;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Every required setting accepts a URL; none of them touches the coalescing default.
      for (const problem of error.problems)
        env[problem.slice(0, problem.indexOf(':'))] = 'https://placeholder.example/';
    }
  }
  throw new Error('loadConfig kept asking for more settings');
}

describe('host.json', () => {
  it('is a Functions 2.0+ host file on the extension bundle Microsoft still supports', () => {
    // https://learn.microsoft.com/azure/azure-functions/functions-host-json: "version": "2.0" for runtime 2.x and later.
    expect(hostJson.version).toBe('2.0');
    // https://learn.microsoft.com/azure/azure-functions/extension-bundles: 4.x is the active bundle,
    // written "[4.0.0, 5.0.0)" or "[4.*, 5.0.0)"; 1.x to 3.x are deprecated.
    expect(hostJson.extensionBundle?.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
    const range = /^\[(\d+)\.(?:\*|0\.0), (\d+)\.0\.0\)$/.exec(String(hostJson.extensionBundle?.version));
    expect(range).not.toBeNull();
    const [, from, below] = range ?? [];
    expect(Number(from)).toBeGreaterThanOrEqual(4);
    expect(Number(below)).toBe(Number(from) + 1);
  });

  it('writes every duration as a TimeSpan the host can parse', () => {
    const serviceBus = hostJson.extensions?.serviceBus ?? {};
    for (const value of [
      hostJson.functionTimeout,
      serviceBus.sessionIdleTimeout,
      serviceBus.maxAutoLockRenewalDuration,
    ]) {
      expect(typeof value).toBe('string');
      expect(timeSpanMs(String(value))).toBeGreaterThan(0);
    }
    expect(() => timeSpanMs('5 minutes')).toThrow(/TimeSpan/);
    expect(timeSpanMs('1.00:00:00.5')).toBe(86_400_500);
  });

  it('renews a session lock for at least as long as a function may run', () => {
    // A sync that outlives the renewal loses its session lock; Service Bus then hands the
    // session to another receiver and a second sync of the same user starts beside it
    // (test/queue/sessionScheduling.test.ts shows it). The extension renews for
    // maxAutoLockRenewalDuration, default 5 min
    // (https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings);
    // functionTimeout defaults to 30 min on Flex Consumption and has no maximum there
    // (https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout).
    expect(settings.functionTimeoutMs).toBeGreaterThan(0);
    expect(settings.maxAutoLockRenewalMs).toBeGreaterThanOrEqual(settings.functionTimeoutMs);
  });

  it('lets a session slot go before the user it served can have another message', () => {
    // Each user is a session with, usually, one message per coalescing bucket: the message
    // of a burst is scheduled at the bucket's end, so the user's next one comes a bucket
    // later at the earliest. A slot holds its session for sessionIdleTimeout after the
    // message, so per instance users/s <= maxConcurrentSessions / (t + idle). Holding on
    // for the next bucket would idle the slot for no gain (any slot takes that message
    // when it comes); for a sync of up to half a bucket, a hold of at most half a bucket
    // always ends first. docs/performance.md ("Session slots") states the rule.
    const bucketMs = defaultCoalesceSeconds() * 1000;
    expect(bucketMs).toBeGreaterThan(0);
    expect(settings.sessionIdleTimeoutMs).toBeGreaterThan(0);
    expect(settings.sessionIdleTimeoutMs).toBeLessThanOrEqual(bucketMs / 2);
    // More slots than the extension's default 8, so an instance does not idle on I/O-bound syncs.
    expect(settings.maxConcurrentSessions).toBeGreaterThanOrEqual(8);
  });
});
