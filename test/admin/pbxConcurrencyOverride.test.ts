// One integration's own cap on calls in flight to its PBX, set through the
// management API: validated, shown, honoured by the delivery, and removed
// again with null (back to PBX_MAX_CONCURRENT_REQUESTS).

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import { requestFor } from '../delivery/deliveryFixtures';
import { useTestHost } from '../support/localHostHarness';
import { useTestPbx } from '../support/testPbx';
import { managementClient } from './managementClient';

describe("an integration's own PBX concurrency cap", () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const pbx = useTestPbx();
  const path = `manage/integrations/${DEMO_INTEGRATION_ID}`;

  it('is refused outside 1 to 100 with the field named', async () => {
    for (const value of [0, 101, 2.5, '3']) {
      const created = await manage('POST', 'manage/integrations', {
        body: { id: 'capped', name: 'x', pbxUrl: pbx.url, pbxMaxConcurrentRequests: value },
      });
      expect([value, created.status]).toEqual([value, 400]);
      expect((created.json as { error: string }).error).toContain('at pbxMaxConcurrentRequests');
      const changed = await manage('PATCH', path, { body: { pbxMaxConcurrentRequests: value } });
      expect([value, changed.status]).toEqual([value, 400]);
    }
  });

  it('is shown, holds the delivery to that many calls at once, and goes with null', async () => {
    const set = await manage('PATCH', path, { body: { pbxUrl: pbx.url, pbxMaxConcurrentRequests: 1 } });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ pbxMaxConcurrentRequests: 1 });

    pbx.answer(204, { delayMs: 100 });
    const results = await Promise.all(
      [...Array(6).keys()].map((i) =>
        handleDelivery(requestFor(DEMO_INTEGRATION_ID, `capped_${i}`), host.runtime.delivery(silentLogger)),
      ),
    );
    expect(results.map((result) => result.kind)).toEqual(Array(6).fill('delivered'));
    // The service's own default (4) would have let them overlap.
    expect(pbx.maxInFlight).toBe(1);

    const unset = await manage('PATCH', path, { body: { pbxMaxConcurrentRequests: null } });
    expect(unset.status).toBe(200);
    expect(unset.json).not.toHaveProperty('pbxMaxConcurrentRequests');
    const read = await manage('GET', path);
    expect(read.json).not.toHaveProperty('pbxMaxConcurrentRequests');
  });
});
