/** The HTTP status of a failed Table Storage call, read structurally so any copy of the SDK's RestError matches. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

/** Deleting what is already gone is success: every handler may run twice. */
export async function ignoringNotFound(operation: () => Promise<unknown>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}
