// What the management API reads of integrations, as views (never the PBX
// secret, nor where it is kept).
import { notFound, type Outcome, ok } from '../outcome';
import type { AdminDeps, IntegrationView } from './integrations';
import { integrationView } from './integrations';

export async function listIntegrations(
  deps: Pick<AdminDeps, 'repos' | 'publicBaseUrl'>,
): Promise<IntegrationView[]> {
  const all = await deps.repos.integrations.list();
  return all.map((record) => integrationView(record, deps.publicBaseUrl));
}

export async function readIntegration(
  id: string,
  deps: Pick<AdminDeps, 'repos' | 'publicBaseUrl'>,
): Promise<Outcome<IntegrationView>> {
  const stored = await deps.repos.integrations.get(id);
  return stored ? ok(integrationView(stored.value, deps.publicBaseUrl)) : notFound(`no integration ${id}`);
}
