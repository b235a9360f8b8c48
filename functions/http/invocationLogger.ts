import type { InvocationContext } from '@azure/functions';
import type { Logger } from '../../shared/logger';

/** Services log through the invocation so Application Insights ties lines to the invocation. */
export function invocationLogger(context: InvocationContext): Logger {
  const format = (message: string, properties?: Record<string, unknown>) =>
    properties && Object.keys(properties).length > 0 ? `${message} ${JSON.stringify(properties)}` : message;
  return {
    info: (m, p) => context.log(format(m, p)),
    warn: (m, p) => context.warn(format(m, p)),
    error: (m, p) => context.error(format(m, p)),
  };
}
