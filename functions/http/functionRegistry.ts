// Every function registers through here. In Azure it goes straight to the
// Functions host; the local host (LOCAL_HOST=1) reads the same definitions and
// drives the same handlers over HTTP, its in-process queue and timers.

import {
  app,
  type HttpFunctionOptions,
  type ServiceBusQueueFunctionOptions,
  type TimerFunctionOptions,
} from '@azure/functions';
import { flushMetrics } from '../../shared/telemetry/azureMonitor';

export type FunctionDefinition =
  | { kind: 'http'; name: string; options: HttpFunctionOptions }
  | { kind: 'serviceBusQueue'; name: string; options: ServiceBusQueueFunctionOptions }
  | { kind: 'timer'; name: string; options: TimerFunctionOptions };

const definitions: FunctionDefinition[] = [];

const inLocalHost = () => process.env.LOCAL_HOST === '1';
let flushesOnTerminate = false;

/**
 * Whether this is the Azure host (not the local host), which on the first
 * registration also gets the hook that sends the last minute's buffered
 * metrics during its graceful shutdown, when an instance is taken away.
 */
function inAzure(): boolean {
  if (inLocalHost()) return false;
  if (!flushesOnTerminate) {
    app.hook.appTerminate(() => flushMetrics());
    flushesOnTerminate = true;
  }
  return true;
}

/**
 * The Functions host keeps every route and function name starting with
 * "admin" for its own admin API (such functions fail to load in Azure), so
 * the operator API lives under /api/manage. Refusing here makes the local
 * host and the tests fail the way Azure would.
 */
function assertNotReserved(name: string, route: string | undefined): void {
  const reserved = /^admin/i;
  if (reserved.test(name) || reserved.test((route ?? '').replace(/^\/+/, ''))) {
    throw new Error(
      `Function "${name}" (route "${route ?? name}"): Azure Functions reserves names and routes starting with "admin"; use "manage/..." for the operator API`,
    );
  }
}

export function registerHttp(name: string, options: HttpFunctionOptions): void {
  assertNotReserved(name, options.route);
  definitions.push({ kind: 'http', name, options });
  if (inAzure()) app.http(name, options);
}

export function registerQueue(name: string, options: ServiceBusQueueFunctionOptions): void {
  definitions.push({ kind: 'serviceBusQueue', name, options });
  if (inAzure()) app.serviceBusQueue(name, options);
}

export function registerTimer(name: string, options: TimerFunctionOptions): void {
  definitions.push({ kind: 'timer', name, options });
  if (inAzure()) app.timer(name, options);
}

export function registeredFunctions(): readonly FunctionDefinition[] {
  return definitions;
}
