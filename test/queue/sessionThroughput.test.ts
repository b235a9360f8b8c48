// The bench's session row measures what the slots allow: about
// slots / (t + idle) users per second, not the handler's own pace.

import { sessionUsersPerSecond } from '../../dev/bench/sessionThroughput';

describe('bench: users per second under session semantics', () => {
  it('comes out near slots / (t + idle), scaled clock or not', async () => {
    const slots = 2;
    const idleMs = 200;
    const syncMs = 20;
    const bound = (slots * 1000) / (syncMs + idleMs);
    const plain = await sessionUsersPerSecond(slots, idleMs, syncMs, { rounds: 3, timeScale: 1 });
    const scaled = await sessionUsersPerSecond(slots, idleMs, syncMs, { rounds: 3, timeScale: 2 });
    for (const figure of [plain, scaled]) {
      // Timers only run late, so the figure sits at or a little under the bound.
      expect(figure).toBeLessThanOrEqual(bound * 1.05);
      expect(figure).toBeGreaterThan(bound * 0.75);
    }
  });
});
