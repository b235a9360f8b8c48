// Loggers for the local host, the benchmarks and the tests: plain lines, or
// nothing. Azure logs through the invocation (functions/http/invocationLogger.ts).
import type { Logger } from '../../shared/logger';

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Plain lines with a prefix; `write` lets the local host send them wherever its output goes. */
export function consoleLogger(prefix: string, write?: (line: string) => void): Logger {
  const line = (message: string, properties?: Record<string, unknown>) =>
    properties && Object.keys(properties).length > 0
      ? `${prefix} ${message} ${JSON.stringify(properties)}`
      : `${prefix} ${message}`;
  return {
    info: (m, p) => (write ?? console.log)(line(m, p)),
    warn: (m, p) => (write ?? console.warn)(line(m, p)),
    error: (m, p) => (write ?? console.error)(line(m, p)),
  };
}
