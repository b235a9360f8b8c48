// The admin's browser on a consent link: every redirect followed by hand
// (link → Microsoft's consent screen → callback → Microsoft's sign-in →
// callback), so a test can look at, replay or tamper with each hop.
import type { LocalHost } from '../../dev/localHost/localHost';
import { fetchManual, managementClient } from '../admin/managementClient';

export interface Walk {
  /** Every URL the browser was sent to, in order, starting with the link. */
  hops: string[];
  /** The page it ended on. */
  page: Awaited<ReturnType<typeof fetchManual>>;
}

/** An operator mints a link through the management API. */
export async function mintLink(host: LocalHost, integrationId: string): Promise<string> {
  const answer = await managementClient(host)('POST', `manage/integrations/${integrationId}/consent-link`);
  if (answer.status !== 201) throw new Error(`consent-link answered ${answer.status}: ${answer.text}`);
  return (answer.json as { url: string }).url;
}

export async function walk(
  url: string,
  options: { language?: string; stopAt?: (url: string) => boolean } = {},
): Promise<Walk> {
  const headers: Record<string, string> = options.language ? { 'accept-language': options.language } : {};
  const hops = [url];
  let page = await fetchManual(url, headers);
  for (let hop = 0; page.status === 302 && page.location && hop < 10; hop++) {
    hops.push(page.location);
    if (options.stopAt?.(page.location)) break;
    page = await fetchManual(page.location, headers);
  }
  return { hops, page };
}

/** The callback that carries the sign-in's code: the last step, the one that binds the tenant. */
export const isCodeCallback = (url: string) =>
  url.includes('/api/consent/callback') && new URL(url).searchParams.has('code');
