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

  it('lists every setting the code reads in the sample', () => {
    const declared = SETTING_NAMES;
    expect(declared).toContain('PBX_ALLOWED_PRIVATE_HOSTS');
    const optionalInSample = ['TABLES_ENDPOINT', 'AZURE_CLIENT_ID', 'APPLICATIONINSIGHTS_CONNECTION_STRING'];
    for (const name of declared) {
      if (optionalInSample.includes(name as string)) continue;
      expect(Object.keys(sample.Values)).toContain(name);
    }
  });
});
