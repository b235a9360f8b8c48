import type { Client } from '@microsoft/microsoft-graph-client';
import { classifyGraphError } from './graphErrors';
import { type GraphEvent, graphEventSchema } from './graphEvent';

/** A series master, or undefined when the series is gone (404). Times come back in UTC. */
export async function getEvent(
  client: Client,
  userId: string,
  eventId: string,
): Promise<GraphEvent | undefined> {
  try {
    const raw: unknown = await client
      .api(`/users/${encodeURIComponent(userId)}/events/${encodeURIComponent(eventId)}`)
      .header('Prefer', 'outlook.timezone="UTC"')
      .get();
    return graphEventSchema.parse(raw);
  } catch (error) {
    if (classifyGraphError(error)?.kind === 'notFound') return undefined;
    throw error;
  }
}
