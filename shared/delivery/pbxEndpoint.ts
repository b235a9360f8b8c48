import { ConcurrencyError, type IntegrationRecord } from '../storage/records';
import type { IntegrationRepository } from '../storage/repositories';

export interface EndpointDeps {
  integrations: Pick<IntegrationRepository, 'get' | 'update'>;
  now: () => Date;
}

/** 410 Gone: stop sending until an operator says otherwise. Concurrent writers are retried a few times. */
export async function disablePbxEndpoint(
  integrationId: string,
  reason: string,
  deps: EndpointDeps,
): Promise<void> {
  await updateEndpoint(integrationId, deps, (record, now) =>
    record.pbxEndpoint?.state === 'disabled'
      ? undefined
      : { ...record, pbxEndpoint: { state: 'disabled', reason, since: now }, updatedAt: now },
  );
}

export type EnableResult = { kind: 'enabled'; wasDisabled: boolean } | { kind: 'notFound' };

/** The operator fixed the PBX: deliveries go out again (failed ones only when replayed). */
export async function enablePbxEndpoint(integrationId: string, deps: EndpointDeps): Promise<EnableResult> {
  let wasDisabled = false;
  const found = await updateEndpoint(integrationId, deps, (record, now) => {
    wasDisabled = record.pbxEndpoint?.state === 'disabled';
    if (!wasDisabled) return undefined;
    const { pbxEndpoint: _, ...rest } = record;
    return { ...rest, updatedAt: now };
  });
  return found ? { kind: 'enabled', wasDisabled } : { kind: 'notFound' };
}

async function updateEndpoint(
  integrationId: string,
  deps: EndpointDeps,
  change: (record: IntegrationRecord, now: string) => IntegrationRecord | undefined,
): Promise<boolean> {
  for (let round = 0; ; round++) {
    const current = await deps.integrations.get(integrationId);
    if (!current) return false;
    const next = change(current.value, deps.now().toISOString());
    if (!next) return true;
    try {
      await deps.integrations.update(next, current.etag);
      return true;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || round >= 4) throw error;
    }
  }
}
