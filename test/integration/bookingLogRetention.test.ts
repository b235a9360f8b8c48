// The booking log ages out like the delivery log: the maintenance run removes
// rows past RETENTION_DAYS with one query of each booking integration's
// partition, and sends the BookingLog table nothing for integrations that
// never had booking. Counted on the wire, through the benchmark's proxy.

import type { TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import type { LocalHost } from '../../dev/localHost/localHost';
import type { BookingLogEntry } from '../../shared/booking/bookingLogEntry';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { newBookingLogEntryId } from '../../shared/storage/bookingLogEntity';
import type { IntegrationRecord } from '../../shared/storage/records';
import { runMaintenance } from '../../shared/subscriptions/maintenanceRun';
import { startCountedHost } from '../support/countedHost';

const DAY = 24 * 3_600_000;

describe('booking log retention', () => {
  let tables: TableRequestCounter;
  let host: LocalHost;

  beforeAll(async () => {
    ({ tables, host } = await startCountedHost());
  });

  afterAll(async () => {
    await host?.stop();
    await tables?.stop();
  });

  it('purges each booking integration’s old rows in its own partition, and leaves other integrations unasked', async () => {
    const { repos } = host.runtime;
    const now = host.runtime.now().getTime();
    const integration = (id: string, extra: Partial<IntegrationRecord> = {}): IntegrationRecord => ({
      id,
      name: id,
      active: true,
      consentState: 'pending',
      pbxUrl: 'https://pbx.example/hook',
      pbxSecretName: `pbx-${id}`,
      ruleSet: presetRuleSet('availability-default'),
      rulesVersion: 1,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
      ...extra,
    });
    await repos.integrations.create(integration('booking-on', { booking: { enabled: true } }));
    await repos.integrations.create(integration('booking-was-on', { booking: { enabled: false } }));
    const entry = (integrationId: string, daysAgo: number): BookingLogEntry => {
      const at = new Date(now - daysAgo * DAY);
      return {
        integrationId,
        entryId: newBookingLogEntryId(at),
        at: at.toISOString(),
        credentialId: '0123456789ab',
        credential: 'current',
        action: 'book',
        result: 'done',
      };
    };
    const young = entry('booking-on', 29);
    for (const row of [entry('booking-on', 31), entry('booking-on', 45), young, entry('booking-was-on', 31)])
      await repos.bookingLog.record(row);

    tables.reset();
    const report = await runMaintenance(host.runtime.maintenance(silentLogger));
    expect(report.errors).toEqual([]);
    expect(report.purgedBookingLog).toBe(3);
    // One keyed query per integration with booking settings; the demo integration has none and is not asked.
    const queries = tables.requests().filter((request) => /^GET .*BookingLog\(\)\?/.test(request));
    expect(queries).toHaveLength(2);
    expect(queries.map((request) => /PartitionKey eq '([^']+)'/.exec(request)?.[1]).sort()).toEqual([
      'booking-on',
      'booking-was-on',
    ]);
    expect(await repos.bookingLog.listRecent('booking-on', 10)).toEqual([young]);
    expect(await repos.bookingLog.listRecent('booking-was-on', 10)).toEqual([]);
  });
});
