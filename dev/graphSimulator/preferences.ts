import type { SimRequest } from './exchange';

/** What the client asked for in `Prefer` headers (several may be folded into one, comma-separated). */
export interface Preferences {
  maxPageSize?: number;
  timeZone?: string;
}

export function preferencesOf(request: SimRequest): Preferences {
  const header = request.headers.prefer ?? '';
  const pageSize = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(header)?.[1];
  const timeZone = /outlook\.timezone\s*=\s*"([^"]+)"|outlook\.timezone\s*=\s*([^,;\s]+)/i.exec(header);
  return {
    maxPageSize: pageSize ? Number(pageSize) : undefined,
    timeZone: timeZone ? (timeZone[1] ?? timeZone[2]) : undefined,
  };
}

export function preferenceApplied(preferences: Preferences): Record<string, string> {
  const applied: string[] = [];
  if (preferences.maxPageSize) applied.push(`odata.maxpagesize=${preferences.maxPageSize}`);
  if (preferences.timeZone) applied.push(`outlook.timezone="${preferences.timeZone}"`);
  return applied.length ? { 'Preference-Applied': applied.join(', ') } : {};
}
