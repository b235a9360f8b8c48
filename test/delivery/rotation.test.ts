import { consoleLogger } from '../../dev/localHost/consoleLogger';
import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import { rotatePbxSecret } from '../../shared/delivery/pbxSecretRotation';
import { readPbxSecret } from '../../shared/pbx/pbxSecret';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';
import { useTestPbx } from '../support/testPbx';
import { capturingQueue, deliveryDeps, integrationFor, NOW, requestFor } from './deliveryFixtures';

let repos: Repositories;
beforeAll(async () => {
  repos = await createTestRepositories();
});

describe('PBX secret rotation', () => {
  const pbx = useTestPbx();

  it('during the window a PBX with only the old secret and one with only the new both verify', async () => {
    const { record, secret: oldSecret, secrets } = await integrationFor(repos, pbx.url);
    const lines: string[] = [];
    const rotated = await rotatePbxSecret(record.id, {
      integrations: repos.integrations,
      secrets,
      now: () => NOW,
      windowHours: 24,
      log: consoleLogger('[test]', (line) => lines.push(line)),
    });
    if (rotated.kind !== 'rotated') throw new Error('not rotated');
    const newSecret = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.previousValidUntil).toBe('2026-11-26T08:00:00.000Z');
    // The log says that it happened, never what the secrets are.
    expect(lines.join('\n')).not.toContain(newSecret.slice(6));
    expect(lines.join('\n')).not.toContain(oldSecret.slice(6));

    const inWindow = new Date('2026-11-26T07:59:00.000Z');
    await handleDelivery(
      requestFor(record.id, 'abs_in', 1),
      deliveryDeps(repos, secrets, capturingQueue(), { now: () => inWindow }),
    );
    const during = pbx.requests[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => during.verify(oldSecret)).not.toThrow();
    expect(() => during.verify(newSecret)).not.toThrow();

    const afterWindow = new Date('2026-11-26T08:00:01.000Z');
    await handleDelivery(
      requestFor(record.id, 'abs_after', 1),
      deliveryDeps(repos, secrets, capturingQueue(), { now: () => afterWindow }),
    );
    const after = pbx.requests[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => after.verify(oldSecret)).toThrow();
    expect(() => after.verify(newSecret)).not.toThrow();
  });

  it('a second rotation keeps only the secret it replaces; an unknown integration is not found', async () => {
    const { record, secret: first, secrets } = await integrationFor(repos, 'https://pbx.example.com/hooks');
    const deps = {
      integrations: repos.integrations,
      secrets,
      now: () => NOW,
      windowHours: 24,
      log: consoleLogger('', () => {}),
    };
    const second = await rotatePbxSecret(record.id, deps);
    const third = await rotatePbxSecret(record.id, deps);
    if (second.kind !== 'rotated' || third.kind !== 'rotated') throw new Error('not rotated');
    const stored = readPbxSecret((await secrets.get(record.pbxSecretName)) ?? '');
    expect(stored).toEqual({
      kind: 'ok',
      secret: {
        current: third.secret,
        previous: { secret: second.secret, until: '2026-11-26T08:00:00.000Z' },
      },
    });
    expect(JSON.stringify(stored)).not.toContain(first);
    expect(await rotatePbxSecret('no-such-integration', deps)).toEqual({
      kind: 'notFound',
      reason: 'no such integration',
    });
  });
});
