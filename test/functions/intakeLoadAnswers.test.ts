// What Graph sees of our notification endpoint while it is busy: the bench's
// intake load, with the simulator delivering genuine notifications beside it
// and counting answers over 2.9 s, the share at which Graph throttles and
// then drops an endpoint's notifications
// (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks#throttling).

import { type BenchHost, startBenchHost } from '../../dev/bench/benchHost';
import { measureGraphAnswersUnderIntake } from '../../dev/bench/graphAnswers';
import { testTablesConnectionString } from '../support/tables';

describe("Graph's view of the intake under load", () => {
  let bench: BenchHost;

  beforeAll(async () => {
    bench = await startBenchHost(testTablesConnectionString(), 0.2);
  });
  afterAll(() => bench?.stop());

  it('answers every notification of Graph in time: no slow answer, none to redeliver', async () => {
    const g = await measureGraphAnswersUnderIntake(bench, 400, 8, 40);
    expect(g.changes).toBeGreaterThanOrEqual(10);
    expect(g.answers).toBeGreaterThanOrEqual(g.changes);
    expect(g.slow).toBe(0);
    expect(g.notAccepted).toBe(0);
    expect(g.throttledUrls).toEqual([]);
    expect(g.slowestMs).toBeGreaterThan(0);
  });
});
