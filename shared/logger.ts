/** The logging the services need; the Functions InvocationContext and console both fit. */
export interface Logger {
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
}

/**
 * What an unexpected failure may put in a log: its name, its code (SDKs put
 * the service's error code or HTTP status there) and where it was thrown.
 * Never the message: SDK messages can quote request URLs, headers or the
 * payload, which may hold a secret or a private subject. The stack's first
 * line repeats the message, so only its frames are kept.
 */
export function failureForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: typeof error };
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .map((line) => line.trim())
    .slice(0, 12);
  return {
    error: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof statusCode === 'number' ? { status: statusCode } : {}),
    ...(frames.length > 0 ? { stack: frames } : {}),
  };
}
