// The directory's user routes and a mailbox's settings, as Graph answers them.

import type { SimUser } from './directory';
import { graphError, json, type SimResponse } from './exchange';
import type { GraphContext } from './graphContext';
import { mailboxOwner } from './graphContext';

function userJson(user: SimUser) {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    displayName: user.displayName,
    proxyAddresses: user.proxyAddresses,
  };
}

/**
 * `GET /users/{id | userPrincipalName}`: a primary SMTP address or alias that
 * is not the UPN is no key here and answers 404, as in Graph
 * (https://learn.microsoft.com/graph/api/user-get).
 */
export function getUser(context: GraphContext, idOrUpn: string): SimResponse {
  const user = context.directory.findUser(idOrUpn);
  if (!user || user.tenantId !== context.tenantId) {
    return graphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return json(200, {
    '@odata.context': `${context.graphBaseUrl}/$metadata#users/$entity`,
    ...userJson(user),
  });
}

type Clause =
  | { kind: 'eq'; property: 'mail' | 'userPrincipalName'; value: string }
  | { kind: 'anyEq'; value: string }
  | { kind: 'endsWith'; property: 'mail' | 'userPrincipalName' | 'proxyAddresses'; value: string };

const LITERAL = "'((?:[^']|'')*)'";
const CLAUSES: Array<{ pattern: RegExp; clause: (m: RegExpExecArray) => Clause }> = [
  {
    pattern: new RegExp(`(mail|userPrincipalName)\\s+eq\\s+${LITERAL}`, 'iy'),
    clause: (m) => ({ kind: 'eq', property: propertyName(m[1]!), value: unquote(m[2]!) }),
  },
  {
    pattern: new RegExp(`proxyAddresses/any\\((\\w+):\\s*\\1\\s+eq\\s+${LITERAL}\\)`, 'iy'),
    clause: (m) => ({ kind: 'anyEq', value: unquote(m[2]!) }),
  },
  {
    pattern: new RegExp(`endsWith\\((mail|userPrincipalName),\\s*${LITERAL}\\)`, 'iy'),
    clause: (m) => ({ kind: 'endsWith', property: propertyName(m[1]!), value: unquote(m[2]!) }),
  },
  {
    pattern: new RegExp(`proxyAddresses/any\\((\\w+):\\s*endsWith\\(\\1,\\s*${LITERAL}\\)\\)`, 'iy'),
    clause: (m) => ({ kind: 'endsWith', property: 'proxyAddresses', value: unquote(m[2]!) }),
  },
];

const propertyName = (raw: string) => (raw.toLowerCase() === 'mail' ? 'mail' : 'userPrincipalName');
const unquote = (literal: string) => literal.replaceAll("''", "'");

/** The `or`-joined clauses of a filter, or undefined when any part is not one the simulator models. */
function parseFilter(filter: string): Clause[] | undefined {
  const clauses: Clause[] = [];
  let at = 0;
  const text = filter.trim();
  for (;;) {
    const found = CLAUSES.map(({ pattern, clause }) => {
      pattern.lastIndex = at;
      const m = pattern.exec(text);
      return m ? { clause: clause(m), end: pattern.lastIndex } : undefined;
    }).find((match) => match !== undefined);
    if (!found) return undefined;
    clauses.push(found.clause);
    at = found.end;
    if (at === text.length) return clauses;
    const or = /\s+or\s+/iy;
    or.lastIndex = at;
    if (!or.exec(text)) return undefined;
    at = or.lastIndex;
  }
}

function matches(user: SimUser, clause: Clause): boolean {
  // Directory string comparisons ignore case, `SMTP:`/`smtp:` included.
  const value = clause.value.toLowerCase();
  switch (clause.kind) {
    case 'eq':
      return user[clause.property].toLowerCase() === value;
    case 'anyEq':
      return user.proxyAddresses.some((address) => address.toLowerCase() === value);
    case 'endsWith':
      return clause.property === 'proxyAddresses'
        ? user.proxyAddresses.some((address) => address.toLowerCase().endsWith(value))
        : user[clause.property].toLowerCase().endsWith(value);
  }
}

function queryValue(query: URLSearchParams, name: string): string | undefined {
  for (const [key, value] of query) if (key.toLowerCase() === name.toLowerCase()) return value;
  return undefined;
}

/**
 * `GET /users?$filter=…` for the clauses people use to find a user by
 * address. `eq` on mail and userPrincipalName, and `any(p:p eq …)` on
 * proxyAddresses, work by default; `endsWith` needs the advanced query
 * parameters (`ConsistencyLevel: eventual` and `$count=true`) and is refused
 * without them, as documented in
 * https://learn.microsoft.com/graph/aad-advanced-queries ("Support for filter
 * by properties of directory objects").
 */
export function listUsers(context: GraphContext): SimResponse {
  const { query, headers } = context.request;
  const filter = queryValue(query, '$filter');
  const advanced =
    headers.consistencylevel?.toLowerCase() === 'eventual' && queryValue(query, '$count') === 'true';
  const clauses = filter === undefined ? [] : parseFilter(filter);
  if (!clauses || (!advanced && clauses.some((clause) => clause.kind === 'endsWith'))) {
    return graphError(
      400,
      'Request_UnsupportedQuery',
      'Unsupported or invalid query filter clause specified for property of resource User.',
    );
  }
  const found = context.directory
    .usersOf(context.tenantId)
    .filter((user) => clauses.length === 0 || clauses.some((clause) => matches(user, clause)));
  return json(200, {
    '@odata.context': `${context.graphBaseUrl}/$metadata#users`,
    ...(queryValue(query, '$count') === 'true' ? { '@odata.count': found.length } : {}),
    value: found.map(userJson),
  });
}

/**
 * Exchange reports the Windows zone name ("W. Europe Standard Time") unless
 * the mailbox was set with an IANA name; the simulator returns the zone it
 * was given. `userPurpose` comes as `{"value":"user"}` (the example in
 * https://learn.microsoft.com/graph/api/user-get-mailboxsettings) unless the
 * user was made with the string shape of the resource's JSON representation
 * (https://learn.microsoft.com/graph/api/resources/mailboxsettings).
 */
export function getMailboxSettings(context: GraphContext, idOrUpn: string): SimResponse {
  const owner = mailboxOwner(context, idOrUpn);
  if (!owner.ok) return owner.response;
  const { user } = owner;
  return json(200, {
    '@odata.context': `${context.graphBaseUrl}/$metadata#users('${user.id}')/mailboxSettings`,
    timeZone: user.timeZone,
    userPurpose: user.purposeShape === 'string' ? user.mailboxPurpose : { value: user.mailboxPurpose },
    workingHours: user.workingHours,
    automaticRepliesSetting: user.automaticReplies,
  });
}

/** `GET /users/{id}/mailboxSettings/automaticRepliesSetting`, the one setting on its own (same permission). */
export function getAutomaticReplies(context: GraphContext, idOrUpn: string): SimResponse {
  const owner = mailboxOwner(context, idOrUpn);
  if (!owner.ok) return owner.response;
  return json(200, {
    '@odata.context': `${context.graphBaseUrl}/$metadata#users('${owner.user.id}')/mailboxSettings/automaticRepliesSetting`,
    ...owner.user.automaticReplies,
  });
}
