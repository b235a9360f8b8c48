import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, SETTING_NAMES } from '../../shared/config';

const sample = JSON.parse(readFileSync(join(__dirname, '../../local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};

describe('configuration', () => {
  it('accepts the sample local settings as they are', () => {
    const config = loadConfig(sample.Values);
    expect(config.GRAPH_BASE_URL).toBe('http://127.0.0.1:7072');
    expect(config.SYNC_COALESCE_SECONDS).toBe(2);
    expect(config.PBX_ALLOW_INSECURE_LOOPBACK).toBe(true);
  });

  it('names a missing setting', () => {
    const { PUBLIC_BASE_URL: _omitted, ...rest } = sample.Values;
    expect(() => loadConfig(rest)).toThrow(ConfigError);
    expect(() => loadConfig(rest)).toThrow(/PUBLIC_BASE_URL: missing/);
  });

  it('names a malformed setting without echoing its value', () => {
    const attempt = () => loadConfig({ ...sample.Values, DELTA_PAGE_SIZE: 'lots-of-secret-text' });
    expect(attempt).toThrow(/DELTA_PAGE_SIZE/);
    expect(attempt).not.toThrow(/lots-of-secret-text/);
  });

  it('requires a table location and a Service Bus namespace in servicebus mode', () => {
    const {
      TABLES_CONNECTION_STRING: _t,
      ServiceBusConnection__fullyQualifiedNamespace: _s,
      ...rest
    } = sample.Values;
    expect(() => loadConfig(rest)).toThrow(
      /TABLES_ENDPOINT.*\n.*ServiceBusConnection__fullyQualifiedNamespace/s,
    );
  });

  it('takes a federated identity, a secret or both for each Graph app, and names the gap when neither', () => {
    const {
      GRAPH_CLIENT_SECRET: _main,
      GRAPH_SCOPED_CLIENT_SECRET: _scoped,
      GRAPH_SCOPED_CLIENT_ID: _scopedId,
      ...secretless
    } = sample.Values;
    expect(() => loadConfig(secretless)).toThrow(/GRAPH_FEDERATED_IDENTITY_CLIENT_ID: .*GRAPH_CLIENT_SECRET/);
    const federated = loadConfig({ ...secretless, GRAPH_FEDERATED_IDENTITY_CLIENT_ID: 'identity-client-id' });
    expect(federated.graphApps).toEqual({
      main: { clientId: sample.Values.GRAPH_CLIENT_ID, federatedIdentityClientId: 'identity-client-id' },
    });
    // A scoped app needs a credential of its own kind too.
    expect(() => loadConfig({ ...secretless, GRAPH_SCOPED_CLIENT_ID: 'scoped-app' })).toThrow(
      /GRAPH_FEDERATED_IDENTITY_CLIENT_ID[\s\S]*GRAPH_SCOPED_CLIENT_SECRET: the scoped Graph app needs a credential/,
    );
    const both = loadConfig({
      ...sample.Values,
      GRAPH_FEDERATED_IDENTITY_CLIENT_ID: 'identity-client-id',
    });
    expect(both.graphApps.scoped).toEqual({
      clientId: sample.Values.GRAPH_SCOPED_CLIENT_ID,
      federatedIdentityClientId: 'identity-client-id',
      clientSecret: sample.Values.GRAPH_SCOPED_CLIENT_SECRET,
    });
    expect(() =>
      loadConfig({ ...secretless, GRAPH_CLIENT_SECRET: 's', GRAPH_SCOPED_CLIENT_SECRET: 's' }),
    ).toThrow(/GRAPH_SCOPED_CLIENT_ID: GRAPH_SCOPED_CLIENT_SECRET is set/);
  });

  it('reads the queue retry schedule, growing to half an hour by default, and refuses a malformed one', () => {
    const { QUEUE_RETRY_SCHEDULE_SECONDS: _default, ...rest } = sample.Values;
    expect(loadConfig(rest).queueRetryPolicy).toEqual({
      pausesSeconds: [10, 60, 300, 900, 1800],
      jitter: 0.2,
    });
    expect(
      loadConfig({ ...rest, QUEUE_RETRY_SCHEDULE_SECONDS: '0.5, 2' }).queueRetryPolicy.pausesSeconds,
    ).toEqual([0.5, 2]);
    expect(() => loadConfig({ ...rest, QUEUE_RETRY_SCHEDULE_SECONDS: 'soon' })).toThrow(
      /QUEUE_RETRY_SCHEDULE_SECONDS: comma-separated/,
    );
  });

  it('lists every setting the code reads in the sample', () => {
    const declared = SETTING_NAMES;
    expect(declared).toContain('PBX_ALLOWED_PRIVATE_HOSTS');
    // Azure only: the deployment sets them (STORAGE_TABLES_PROVISIONED where it created the tables);
    // the local sample signs in with the demo secret, the federated credential is Azure's (and the tests').
    const optionalInSample = [
      'TABLES_ENDPOINT',
      'AZURE_CLIENT_ID',
      'GRAPH_FEDERATED_IDENTITY_CLIENT_ID',
      'STORAGE_TABLES_PROVISIONED',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
    ];
    for (const name of declared) {
      if (optionalInSample.includes(name as string)) continue;
      expect(Object.keys(sample.Values)).toContain(name);
    }
  });
});
