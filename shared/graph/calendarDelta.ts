import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { SyncWindow } from '../domain/syncWindow';
import { relativeGraphPath } from './graphClient';
import { type DeltaItem, parseDeltaItem } from './graphEvent';

const deltaPageSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});

export type DeltaStart = { kind: 'resume'; deltaLink: string } | { kind: 'fresh'; window: SyncWindow };

export interface DeltaRound {
  items: DeltaItem[];
  /** The whole link Graph gave for the next round; store it and replay it unchanged. */
  deltaLink: string;
  pages: number;
  /** Items that matched neither a removal nor an event shape (counted, not fatal), by the field at fault. */
  unreadable: Map<string, number>;
}

/**
 * Runs one calendarView delta round to the end: follows nextLinks until Graph
 * hands out a deltaLink. The window is frozen into the tokens, so a resumed
 * round sends the stored link and nothing else.
 */
export async function readCalendarDelta(
  client: Client,
  options: { baseUrl: string; userId: string; start: DeltaStart; pageSize: number; maxPages?: number },
): Promise<DeltaRound> {
  const maxPages = options.maxPages ?? 1000;
  const items: DeltaItem[] = [];
  const unreadable = new Map<string, number>();
  let path =
    options.start.kind === 'resume'
      ? relativeGraphPath(options.start.deltaLink, options.baseUrl)
      : `/users/${encodeURIComponent(options.userId)}/calendarView/delta?startDateTime=${encodeURIComponent(
          options.start.window.start,
        )}&endDateTime=${encodeURIComponent(options.start.window.end)}`;
  for (let pages = 1; pages <= maxPages; pages++) {
    const raw: unknown = await client
      .api(path)
      .header('Prefer', `odata.maxpagesize=${options.pageSize}, outlook.timezone="UTC"`)
      .get();
    const page = deltaPageSchema.parse(raw);
    for (const value of page.value) {
      const item = parseDeltaItem(value);
      if (item.kind === 'unreadable') unreadable.set(item.field, (unreadable.get(item.field) ?? 0) + 1);
      else items.push(item);
    }
    if (page['@odata.deltaLink']) {
      return { items, deltaLink: page['@odata.deltaLink'], pages, unreadable };
    }
    if (!page['@odata.nextLink']) throw new Error('Graph delta page had neither nextLink nor deltaLink');
    path = relativeGraphPath(page['@odata.nextLink'], options.baseUrl);
  }
  throw new Error(`Graph delta round did not finish within ${maxPages} pages`);
}
