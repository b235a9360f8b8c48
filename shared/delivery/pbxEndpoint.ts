import { conflict, notFound, type Refusal } from '../outcome';
import { integrationRow, optimisticUpdate, settledOrThrow } from '../storage/optimisticUpdate';
import type { IntegrationRecord } from '../storage/records';
import type { IntegrationRepository } from '../storage/repositories';

export interface EndpointDeps {
  integrations: Pick<IntegrationRepository, 'get' | 'update'>;
  now: () => Date;
}

/** 410 Gone: stop sending until an operator says otherwise. */
export async function disablePbxEndpoint(
  integrationId: string,
  reason: string,
  deps: EndpointDeps,
): Promise<void> {
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.integrations, integrationId),
    (record): IntegrationRecord | undefined =>
      record.pbxEndpoint?.state === 'disabled'
        ? undefined
        : { ...record, pbxEndpoint: { state: 'disabled', reason, since: now }, updatedAt: now },
  );
  // Still enabled, the endpoint would get every webhook again: the delivery fails and its queue retries.
  settledOrThrow(outcome, `integration ${integrationId}`);
}

export type EnableResult = { kind: 'enabled'; wasDisabled: boolean } | Refusal;

/** The operator fixed the PBX: deliveries go out again (failed ones only when replayed). */
export async function enablePbxEndpoint(integrationId: string, deps: EndpointDeps): Promise<EnableResult> {
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(integrationRow(deps.integrations, integrationId), (record) => {
    if (record.pbxEndpoint?.state !== 'disabled') return undefined;
    const { pbxEndpoint: _, ...rest } = record;
    return { ...rest, updatedAt: now };
  });
  switch (outcome.kind) {
    case 'notFound':
      return notFound('no such integration');
    case 'conflict':
      return conflict('the integration kept changing; try again');
    default:
      return { kind: 'enabled', wasDisabled: outcome.kind === 'updated' };
  }
}
