// What ending an integration costs (shared/management/integrationEnding.ts):
// how long the operator's DELETE takes, the webhooks the PBX gets (one last
// snapshot per user) and the Table Storage requests from the DELETE until the
// integration is gone. `npm run bench -- --only ending` runs these rows alone.
import { DEMO_INTEGRATION_ID } from '../localHost/demoTenant';
import { addMailboxes, type BenchHost, provision } from './benchHost';

export interface EndingCost {
  users: number;
  /** The DELETE's answer time; it marks a first page of users itself. */
  deleteMs: number;
  /** From the DELETE until every user's last snapshot was verified by the PBX. */
  toldMs: number;
  /** Webhooks the PBX got from the DELETE on, per user. */
  webhooksPerUser: number;
  /** Table Storage requests from the DELETE until the integration is gone, per user. */
  tableRequestsPerUser: number;
}

export async function measureEndingCost(bench: BenchHost, users: number): Promise<EndingCost> {
  const { host } = bench;
  await provision(host, addMailboxes(host, 'e', users, 2));
  await host.settle();
  const sink = host.sink;
  if (!sink) throw new Error('the bench needs the PBX sink');
  const all = (await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID)).length;
  const webhooks = () => sink.received.length + sink.snapshots.length + sink.statuses.length;
  const before = webhooks();
  const snapshotsBefore = sink.snapshots.length;
  bench.tables.reset();
  const started = performance.now();
  const answer = await fetch(`${host.url}/api/manage/integrations/${DEMO_INTEGRATION_ID}`, {
    method: 'DELETE',
    headers: { 'x-functions-key': host.functionKey },
  });
  const deleteMs = performance.now() - started;
  if (answer.status !== 202) throw new Error(`the DELETE answered ${answer.status}`);
  // The first page went with the DELETE; the maintenance run marks the rest and, next time, removes it.
  await host.runTimer('maintenance');
  await sink.waitFor((s) => s.snapshots.length - snapshotsBefore >= all, 600_000);
  const toldMs = performance.now() - started;
  await host.settle();
  await host.runTimer('maintenance');
  if (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID, { fresh: true }))
    throw new Error('the integration was not removed');
  return {
    users: all,
    deleteMs,
    toldMs,
    webhooksPerUser: (webhooks() - before) / all,
    tableRequestsPerUser: bench.tables.count() / all,
  };
}
