// The consent sign-in's code redemption when the app cannot authenticate: a
// managed identity that gives no token (and no secret to fall back on) ends
// the sign-in with a refusal that names it, so the admin sees a page and the
// operator a code, instead of an internal error.

import { proveTenant } from '../../shared/graph/tenantProof';
import { ManagedIdentityUnavailable } from '../../shared/graph/tokenSource';

describe('the sign-in code redemption without a usable credential', () => {
  const settings = {
    authorityHost: 'http://127.0.0.1:9',
    callbackUrl: 'http://127.0.0.1:9/api/consent/callback',
  };
  const answer = { code: 'code', clientId: 'app', nonce: 'nonce' };

  it('refuses with managed_identity_unavailable when the identity gives no assertion', async () => {
    const proof = await proveTenant(answer, {
      ...settings,
      clientAuthFor: () =>
        Promise.reject(new ManagedIdentityUnavailable({ cause: new Error('no endpoint') })),
    });
    expect(proof).toEqual({ kind: 'refused', code: 'managed_identity_unavailable' });
  });

  it('refuses with app_not_deployed for an app the deployment does not have', async () => {
    expect(await proveTenant(answer, { ...settings, clientAuthFor: () => undefined })).toEqual({
      kind: 'refused',
      code: 'app_not_deployed',
    });
  });
});
