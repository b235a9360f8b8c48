import type { AbsenceDeleted, AbsenceUpserted, DeliveryRequest } from '../../shared/pbx/pbxEvent';

export const ALICE = { id: 'user-alice', email: 'alice@contoso.example' };

export function upserted(
  absenceId: string,
  version: number,
  overrides: Partial<AbsenceUpserted['data']['absence']> = {},
): AbsenceUpserted {
  return {
    type: 'absence.upserted',
    schemaVersion: 1,
    timestamp: '2026-11-25T08:00:00.000Z',
    integrationId: 'integration-1',
    data: {
      user: ALICE,
      absence: {
        id: absenceId,
        version,
        start: '2026-11-25T12:00:00.000Z',
        end: '2026-11-25T13:00:00.000Z',
        reason: { code: 'LUN', name: 'Lunch' },
        callHandling: 'information',
        ...overrides,
      },
    },
  };
}

export function deleted(absenceId: string, version: number): AbsenceDeleted {
  return {
    type: 'absence.deleted',
    schemaVersion: 1,
    timestamp: '2026-11-25T08:05:00.000Z',
    integrationId: 'integration-1',
    data: { user: ALICE, absence: { id: absenceId, version } },
  };
}

export function deliveryOf(
  event: AbsenceUpserted | AbsenceDeleted,
  webhookId = `wh-${event.data.absence.id}-v${event.data.absence.version}`,
): DeliveryRequest {
  return { webhookId, integrationId: event.integrationId, event };
}
