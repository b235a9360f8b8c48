import { grantedRoles, missingPermissions } from '../../shared/graph/appPermissions';

const token = (claims: Record<string, unknown>) =>
  ['{"typ":"JWT","alg":"RS256"}', JSON.stringify(claims)]
    .map((part) => Buffer.from(part).toString('base64url'))
    .concat('signature')
    .join('.');

describe('application permissions read from the token', () => {
  it('reads the roles claim, and no claim as nothing granted', () => {
    expect(grantedRoles(token({ roles: ['Calendars.Read', 'User.Read.All'] }))).toEqual([
      'Calendars.Read',
      'User.Read.All',
    ]);
    expect(grantedRoles(token({ tid: 't' }))).toEqual([]);
  });

  it('tells nothing about a token that is not a readable JWT', () => {
    for (const opaque of ['opaque-token', 'a.%%%.c', `x.${Buffer.from('[1]').toString('base64url')}.y`]) {
      expect(grantedRoles(opaque)).toBeUndefined();
      expect(missingPermissions(opaque, {})).toEqual([]);
    }
  });

  it('names Calendars.Read in tenant-wide mode, and only what the integration uses', () => {
    expect(missingPermissions(token({}), {})).toEqual(['Calendars.Read']);
    expect(missingPermissions(token({ roles: ['Calendars.ReadBasic.All'] }), {})).toEqual(['Calendars.Read']);
    expect(missingPermissions(token({ roles: ['Calendars.Read'] }), {})).toEqual([]);
    expect(missingPermissions(token({ roles: ['Calendars.Read'] }), { followGroupId: 'g' })).toEqual([
      'GroupMember.Read.All',
    ]);
    expect(
      missingPermissions(token({ roles: ['Calendars.Read', 'Group.Read.All'] }), { followGroupId: 'g' }),
    ).toEqual([]);
    // Scoped mode: calendar access is an Exchange role assignment, which no token shows.
    expect(missingPermissions(token({ roles: ['User.Read.All'] }), { consentMode: 'scoped' })).toEqual([]);
  });
});
