// The kind a Graph request is counted under comes from its path alone, so a
// metric tells delta rounds from renewals without carrying the user or the URL.

import { graphRequestKind } from '../../shared/graph/graphClient';

describe('the kind of a Graph request', () => {
  const base = 'https://graph.microsoft.com/v1.0';
  const user = encodeURIComponent('anna@contoso.example');

  it.each([
    [`${base}/users/${user}/calendarView/delta?startDateTime=2026-01-01T00:00:00Z`, 'delta'],
    [`${base}/users/${user}/calendarView/delta?$deltatoken=abc`, 'delta'],
    [`${base}/users/${user}/events/AAMkAD%3D%3D`, 'events'],
    [`${base}/users/${user}/events/AAMkAD/instances?startDateTime=x`, 'events'],
    [`${base}/users/${user}/mailboxSettings`, 'mailbox'],
    [`${base}/subscriptions`, 'subscriptions'],
    [`${base}/subscriptions/7f105c7d-2dc5-4530-97cd-4e7ae6534c07`, 'subscriptions'],
    ['/subscriptions/7f105c7d-2dc5-4530-97cd-4e7ae6534c07', 'subscriptions'],
    [`${base}/$batch`, 'batch'],
    [`${base}/groups/0f2a/members?$select=id,mail&$top=999`, 'groups'],
    [`${base}/users/${user}?$select=id,mail`, 'users'],
    [`${base}/organization`, 'other'],
  ])('%s is %s', (url, kind) => {
    expect(graphRequestKind(url)).toBe(kind);
  });

  it('does not read the query: a user named like a kind stays a user', () => {
    expect(graphRequestKind(`${base}/users/${encodeURIComponent('delta@contoso.example')}?$select=id`)).toBe(
      'users',
    );
  });
});
