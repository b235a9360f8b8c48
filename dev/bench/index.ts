import { startAzuriteTables } from '../azurite';
import { measureBurstCost } from './burstCost';
import { measureRenewalCost } from './renewalCost';

/**
 * `npm run bench`: costs as counts beside their lower bounds, so the figures
 * mean the same on a noisy 2-core machine as on a fast one.
 */
async function main(): Promise<void> {
  const renewals = Number(process.env.BENCH_RENEWAL_N ?? 10_000);
  const burst = Number(process.env.BENCH_BURST_K ?? 50);
  const tables = await startAzuriteTables();
  const rows: string[][] = [['measure', 'count', 'bound / baseline', 'ratio']];
  try {
    const b = await measureBurstCost(burst, tables.connectionString);
    rows.push([
      `Graph requests for a burst of ${b.changes} changes to one user`,
      String(b.graphRequests),
      `bound ${b.lowerBound} (one delta round)`,
      ratio(b.graphRequests, b.lowerBound),
    ]);
    rows.push([
      '  same burst, naive one GET per notification',
      String(b.naiveBaseline),
      `ours ${b.graphRequests}`,
      `${ratio(b.naiveBaseline, b.graphRequests)} more`,
    ]);
    const r = await measureRenewalCost(renewals, tables.connectionString);
    rows.push([
      `Graph requests to renew ${r.subscriptions} subscriptions`,
      String(r.graphRequests),
      `bound ${r.lowerBound} (⌈N/20⌉ $batch)`,
      ratio(r.graphRequests, r.lowerBound),
    ]);
    if (r.renewed !== r.subscriptions)
      rows.push(['  renewed', String(r.renewed), `of ${r.subscriptions}`, '']);
  } finally {
    await tables.stop();
  }
  print(rows);
}

function ratio(value: number, bound: number): string {
  return bound > 0 ? `${(value / bound).toFixed(2)}×` : 'n/a';
}

function print(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const [index, row] of rows.entries()) {
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

main().then(
  // Keep-alive sockets of the SDK's fetch would hold the process open for a while; the figures are printed.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
