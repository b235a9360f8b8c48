import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUTE } from '../../functions/http/managementRoutes';
import { ConfigError, loadConfig } from '../../shared/config';
import { QUEUE_NAMES } from '../../shared/queue/queuePort';
import { TABLE_NAMES } from '../../shared/storage/tableClients';
import {
  asObject,
  flattenResources,
  type Json,
  loadCompiledTemplate,
  type PlacedResource,
  repoRoot,
  resolveParameter,
} from './compiledTemplate';

// Built-in role ids as documented by Azure (same in every subscription).
const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419',
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};
// Roles far broader than the app needs; none may appear anywhere. (Service Bus Data
// Owner is broad too, but the scaler needs its Manage right: checked on its own below.)
const BROAD_ROLES = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
};

const source = loadCompiledTemplate();
if (source.kind === 'unavailable') {
  console.warn(`armTemplate.test.ts skipped: ${source.reason}`);
}
const describeTemplate = source.kind === 'compiled' ? describe : describe.skip;
const root: Json = source.kind === 'compiled' ? source.template : { resources: {} };
const resources = flattenResources(root);
const templateText = JSON.stringify(root);

/** main and every module's template, by module symbol. */
function everyTemplate(): [string, Json][] {
  return [
    ['main', root],
    ...resources
      .filter((r) => r.type === 'Microsoft.Resources/deployments')
      .map((r): [string, Json] => [
        r.symbol,
        asObject(asObject(r.resource.properties, 'properties').template, 'template'),
      ]),
  ];
}

function only(type: string, symbol?: string): PlacedResource {
  const matches = resources.filter((r) => r.type === type && (symbol === undefined || r.symbol === symbol));
  if (matches.length !== 1) throw new Error(`expected one ${type} ${symbol ?? ''}, found ${matches.length}`);
  return matches[0]!;
}

function props(placed: PlacedResource): Json {
  return asObject(placed.resource.properties, `${placed.type} properties`);
}

function moduleNamed(symbol: string): Json {
  return only('Microsoft.Resources/deployments', symbol).resource;
}

function moduleParameter(symbol: string, name: string): unknown {
  const parameters = asObject(
    asObject(moduleNamed(symbol).properties, 'properties').parameters,
    'parameters',
  );
  const entry = asObject(parameters[name], `${symbol}.${name}`);
  return 'value' in entry ? entry.value : entry;
}

/** `[parameters('x')]` of the root template, resolved to its default. */
function rootDefault(expression: unknown): unknown {
  return resolveParameter(
    { symbol: '', type: '', resource: {}, module: undefined, template: root },
    expression,
  );
}

/** Top-level arguments of the first `fn(...)` call in an ARM expression. */
function callArguments(expression: string, fn: string): string[] {
  const open = expression.indexOf(`${fn}(`);
  if (open < 0) return [];
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of expression.slice(open + fn.length + 1)) {
    if (char === "'") quoted = !quoted;
    if (!quoted && char === '(') depth += 1;
    if (!quoted && char === ')') {
      if (depth === 0) break;
      depth -= 1;
    }
    if (!quoted && depth === 0 && char === ',') {
      args.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  return [...args, current.trim()];
}

/** `createObject('a', x, 'b', y)` as name → expression text. */
function createdObject(expression: string): Map<string, string> {
  const args = callArguments(expression, 'createObject');
  const entries = new Map<string, string>();
  for (let i = 0; i + 1 < args.length; i += 2) entries.set(args[i]!.replace(/^'|'$/g, ''), args[i + 1]!);
  return entries;
}

/** Every app setting: those main passes in, plus the ones the module adds itself (ARM expressions as text). */
function appSettings(): Map<string, string> {
  const passed = asObject(moduleParameter('functionApp', 'appSettings'), 'appSettings');
  const settings = new Map(Object.entries(passed).map(([name, value]) => [name, String(value)]));
  const own = String(only('Microsoft.Web/sites/config', 'settings').resource.properties);
  expect(own).toMatch(
    /^\[union\(parameters\('appSettings'\), parameters\('optionalAppSettings'\), createObject\(/,
  );
  for (const [name, value] of createdObject(own)) settings.set(name, value);
  return settings;
}

/** Settings only some deployments have: one `if(condition, a, b)` of main's optionalAppSettings union. */
interface ConditionalSettings {
  condition: string;
  whenTrue: Map<string, string>;
  whenFalse: Map<string, string>;
}

/**
 * main passes `union(if(…), if(…), …)` as optionalAppSettings: the scoped consent
 * mode's app, the Graph secret fallback, the federated credential's identity.
 */
function conditionalAppSettings(): ConditionalSettings[] {
  const expression = String(moduleParameter('functionApp', 'optionalAppSettings'));
  expect(expression).toMatch(/^\[union\(if\(/);
  return callArguments(expression, 'union').map((part) => {
    const [condition, whenTrue, whenFalse] = callArguments(part, 'if');
    return {
      condition: condition ?? '',
      whenTrue: createdObject(whenTrue ?? ''),
      whenFalse: createdObject(whenFalse ?? ''),
    };
  });
}

/** The conditional part that can set `name`, and the branch that sets it. */
function conditionalSetting(name: string): { condition: string; when: boolean; value: string } {
  const matches = conditionalAppSettings().flatMap((part) => [
    ...(part.whenTrue.has(name)
      ? [{ condition: part.condition, when: true, value: part.whenTrue.get(name)! }]
      : []),
    ...(part.whenFalse.has(name)
      ? [{ condition: part.condition, when: false, value: part.whenFalse.get(name)! }]
      : []),
  ]);
  if (matches.length !== 1) throw new Error(`expected one conditional ${name}, found ${matches.length}`);
  return matches[0]!;
}

/** Every setting a conditional part can add. */
function allConditionalSettings(): [string, string][] {
  return conditionalAppSettings().flatMap((part) => [...part.whenTrue, ...part.whenFalse]);
}

/** Settings functionApp.bicep's comment says rely on the code's defaults. */
function settingsLeftToDefaults(): string[] {
  const text = readFileSync(path.join(repoRoot, 'infra/modules/web/functionApp.bicep'), 'utf8');
  const comment = /\/\/ Settings left to the code's defaults[\s\S]*?\nresource settings /.exec(text);
  if (!comment)
    throw new Error("functionApp.bicep lost its comment naming the settings left to the code's defaults");
  return [...comment[0].matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((match) => match[0]);
}

/** Names loadConfig insists on, found by filling in what each of its errors names until it accepts. */
function settingsTheCodeRequires(): { onEmpty: string[]; all: string[] } {
  const env: Record<string, string> = {};
  let onEmpty: string[] | undefined;
  for (let round = 0; round < 10; round += 1) {
    try {
      loadConfig(env);
      return { onEmpty: onEmpty ?? [], all: Object.keys(env) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const names = error.problems.map((problem) => problem.slice(0, problem.indexOf(':')));
      onEmpty ??= names;
      // A URL passes every required setting's schema (URLs and non-empty strings).
      for (const name of names) env[name] = 'https://placeholder.example/';
    }
  }
  throw new Error('loadConfig kept asking for more settings');
}

/** Whether App Service Authentication's excluded path (exact, or `prefix/*`) covers a request path. */
function excludes(pattern: string, requestPath: string): boolean {
  return pattern.endsWith('/*') ? requestPath.startsWith(pattern.slice(0, -1)) : pattern === requestPath;
}

describeTemplate('compiled ARM template (infra/main.bicep)', () => {
  it('contains no account keys, SAS or connection strings', () => {
    expect(templateText).not.toMatch(/listKeys|listConnectionStrings|listAccountSas|listServiceSas/i);
    expect(templateText).not.toMatch(/AccountKey=|SharedAccessKey|SharedAccessSignature/i);
  });

  it('holds no secret literal: secure parameters default to empty, and stored secrets only come from them', () => {
    // Any list*() call (listKeys, listSecrets, listCredentials, …) would read a key at deploy time.
    expect(templateText).not.toMatch(/\blist[A-Z]\w*\(/);
    expect(templateText).not.toMatch(/primaryKey|secondaryKey|primaryMasterKey|DefaultEndpointsProtocol/i);
    for (const [where, template] of everyTemplate()) {
      for (const [name, parameter] of Object.entries(asObject(template.parameters ?? {}, 'parameters'))) {
        const declared = asObject(parameter, name);
        if (declared.type !== 'securestring' && declared.type !== 'secureObject') continue;
        expect({ where, name, defaultValue: declared.defaultValue ?? '' }).toEqual({
          where,
          name,
          defaultValue: '',
        });
      }
    }
    const secrets = resources.filter((r) => r.type === 'Microsoft.KeyVault/vaults/secrets');
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      const value = String(props(secret).value);
      const parameter = /^\[parameters\('(\w+)'\)\]$/.exec(value)?.[1];
      expect({ secret: secret.symbol, fromParameter: parameter !== undefined }).toEqual({
        secret: secret.symbol,
        fromParameter: true,
      });
      const declared = asObject(
        asObject(secret.template.parameters, 'parameters')[parameter ?? ''] ?? {},
        'parameter',
      );
      expect(declared.type).toBe('securestring');
    }
    // No parameter file sets a secret other than from the (unset by default) environment.
    const files = [
      'infra/main.bicepparam',
      ...readdirSync(path.join(repoRoot, 'infra/customers'))
        .filter((file) => file.endsWith('.bicepparam'))
        .map((file) => `infra/customers/${file}`),
    ];
    for (const file of files) {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      for (const match of text.matchAll(/^param (\w*[Ss]ecret\w*) = (.*)$/gm)) {
        expect({ file, param: match[1], value: match[2] }).toEqual({
          file,
          param: match[1],
          value: expect.stringMatching(/^readEnvironmentVariable\('[A-Z_]+', ''\)$/),
        });
      }
    }
  });

  it('describes every parameter and output, in main and in every module', () => {
    for (const [where, template] of everyTemplate()) {
      for (const kind of ['parameters', 'outputs'] as const) {
        for (const [name, entry] of Object.entries(asObject(template[kind] ?? {}, kind))) {
          const description = asObject(asObject(entry, name).metadata ?? {}, 'metadata').description;
          const described = typeof description === 'string' && description.length > 0;
          expect({ where, name, described }).toEqual({ where, name, described: true });
        }
      }
    }
  });

  it('grants no broad role anywhere', () => {
    for (const [name, id] of Object.entries(BROAD_ROLES)) {
      expect({ name, found: templateText.includes(id) }).toEqual({ name, found: false });
    }
  });

  describe('Function App', () => {
    // Looked up lazily: with the template unavailable the suite is skipped, not failed.
    const site = () => only('Microsoft.Web/sites');
    const plan = () => only('Microsoft.Web/serverfarms');

    it('runs Node 22 on the Flex Consumption plan', () => {
      expect(plan().resource.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
      const config = asObject(props(site()).functionAppConfig, 'functionAppConfig');
      expect(config.runtime).toEqual({ name: 'node', version: '22' });
      const storage = asObject(asObject(config.deployment, 'deployment').storage, 'deployment storage');
      expect(storage.type).toBe('blobContainer');
      expect(asObject(storage.authentication, 'authentication')).toEqual({
        type: 'UserAssignedIdentity',
        userAssignedIdentityResourceId: "[parameters('identityResourceId')]",
      });
      expect(asObject(config.scaleAndConcurrency, 'scale')).toHaveProperty('maximumInstanceCount');
    });

    it('keeps always-ready instances for the HTTP group only when the parameter asks for them (default none)', () => {
      const config = asObject(props(site()).functionAppConfig, 'functionAppConfig');
      const scale = asObject(config.scaleAndConcurrency, 'scale');
      // `http` is Flex Consumption's name for the group of all HTTP-triggered functions.
      expect(scale.alwaysReady).toBe(
        "[if(greater(parameters('alwaysReadyHttpInstances'), 0), createArray(createObject('name', 'http', 'instanceCount', parameters('alwaysReadyHttpInstances'))), createArray())]",
      );
      expect(moduleParameter('functionApp', 'alwaysReadyHttpInstances')).toBe(
        "[parameters('alwaysReadyHttpInstances')]",
      );
      const declared = asObject(
        asObject(root.parameters, 'parameters').alwaysReadyHttpInstances,
        'alwaysReadyHttpInstances',
      );
      expect(declared).toMatchObject({ type: 'int', defaultValue: 0, minValue: 0 });
    });

    it('is HTTPS only with TLS 1.2 and basic publishing credentials off, and sets nothing Flex refuses', () => {
      expect(props(site()).httpsOnly).toBe(true);
      const siteConfig = asObject(props(site()).siteConfig, 'siteConfig');
      expect(siteConfig.minTlsVersion).toBe('1.2');
      // Flex Consumption has no FTP(S); newer regions refuse ftpsState at deploy time (error 51021).
      expect(siteConfig).not.toHaveProperty('ftpsState');
      const policies = resources.filter(
        (r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies',
      );
      expect(policies.map((p) => p.resource.name).sort()).toEqual([
        "[format('{0}/{1}', parameters('name'), 'ftp')]",
        "[format('{0}/{1}', parameters('name'), 'scm')]",
      ]);
      for (const policy of policies) expect(props(policy).allow).toBe(false);
    });

    it('runs as the user-assigned identity and resolves Key Vault references with it', () => {
      const identity = asObject(site().resource.identity, 'identity');
      expect(identity.type).toBe('UserAssigned');
      expect(Object.keys(asObject(identity.userAssignedIdentities, 'identities'))).toEqual([
        "[format('{0}', parameters('identityResourceId'))]",
      ]);
      expect(props(site()).keyVaultReferenceIdentity).toBe("[parameters('identityResourceId')]");
      expect(moduleParameter('functionApp', 'identityResourceId')).toBe(
        "[reference('identity').outputs.resourceId.value]",
      );
      expect(only('Microsoft.ManagedIdentity/userAssignedIdentities').module).toBe(moduleNamed('identity'));
    });

    it('sets every setting the app reads, with identity-based connections', () => {
      const settings = appSettings();
      for (const name of [
        'PUBLIC_BASE_URL',
        'GRAPH_CLIENT_ID',
        'GRAPH_BASE_URL',
        'GRAPH_AUTHORITY_HOST',
        'CONSENT_AUTHORITY_HOST',
        'SUBSCRIPTION_MAX_MINUTES',
        'DEFAULT_TIME_ZONE',
        'TABLES_ENDPOINT',
        'TABLE_PREFIX',
        'QUEUE_MODE',
        'ServiceBusConnection__fullyQualifiedNamespace',
        'ServiceBusConnection__credential',
        'ServiceBusConnection__clientId',
        'KEY_VAULT_URL',
        'AZURE_CLIENT_ID',
        'PBX_TIMEOUT_MS',
        'PBX_ALLOW_INSECURE_LOOPBACK',
        'PBX_ALLOWED_PRIVATE_HOSTS',
        'AzureWebJobsStorage__accountName',
        'AzureWebJobsStorage__credential',
        'AzureWebJobsStorage__clientId',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
      ]) {
        expect({ name, present: settings.has(name) }).toEqual({ name, present: true });
      }
      expect(settings.get('QUEUE_MODE')).toBe('servicebus');
      expect(settings.get('PBX_ALLOW_INSECURE_LOOPBACK')).toBe('false');
      expect(settings.get('ServiceBusConnection__credential')).toBe('managedidentity');
      expect(settings.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
      expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toContain('Authorization=AAD');
      // Connection-string forms must not exist at all.
      expect(settings.has('AzureWebJobsStorage')).toBe(false);
      expect(settings.has('TABLES_CONNECTION_STRING')).toBe(false);
      expect(settings.has('ServiceBusConnection')).toBe(false);
    });

    it('sets every setting the code requires without a default', () => {
      const required = settingsTheCodeRequires();
      // What loadConfig({}) names first, then what its cross-checks add for Azure
      // (a table endpoint, a Service Bus namespace in the default servicebus mode).
      expect(required.onEmpty).toEqual(expect.arrayContaining(['PUBLIC_BASE_URL', 'GRAPH_CLIENT_ID']));
      expect(required.all).toEqual(
        expect.arrayContaining(['TABLES_ENDPOINT', 'ServiceBusConnection__fullyQualifiedNamespace']),
      );
      const settings = appSettings();
      // The Graph credential is one requirement met by either setting: the
      // federated identity when its parameter is on, the secret otherwise (or
      // as a fallback when one is given).
      const graphCredential = ['GRAPH_CLIENT_SECRET', 'GRAPH_FEDERATED_IDENTITY_CLIENT_ID'];
      for (const name of required.all) {
        const set =
          settings.has(name) || (graphCredential.includes(name) && conditionalSetting(name).value !== '');
        expect({ name, set }).toEqual({ name, set: true });
      }
      const federated = conditionalSetting('GRAPH_FEDERATED_IDENTITY_CLIENT_ID');
      const secret = conditionalSetting('GRAPH_CLIENT_SECRET');
      expect(federated.condition).toContain("parameters('graphFederatedCredential')");
      // Without the federated credential the secret is always there.
      expect(secret.condition).toContain("not(parameters('graphFederatedCredential'))");
    });

    it('accounts for every setting of the sample: set, left to its default, or local only', () => {
      const sample = JSON.parse(readFileSync(path.join(repoRoot, 'local.settings.sample.json'), 'utf8')) as {
        Values: Record<string, string>;
      };
      // Azure has the identity-based forms instead; Flex sets the runtime in functionAppConfig.
      const localOnly = new Set([
        'FUNCTIONS_WORKER_RUNTIME',
        'AzureWebJobsStorage',
        'TABLES_CONNECTION_STRING',
        // An http:// EWS URL on 127.0.0.1 is for the local host's simulator only; Azure keeps the default (false).
        'EXCHANGE_ALLOW_LOOPBACK_HTTP',
      ]);
      const set = new Set([...appSettings().keys(), ...allConditionalSettings().map(([name]) => name)]);
      const leftToDefaults = settingsLeftToDefaults();
      const withDefaults = loadConfig(
        Object.fromEntries(
          settingsTheCodeRequires().all.map((name) => [name, 'https://placeholder.example/']),
        ),
      );
      expect(leftToDefaults.length).toBeGreaterThan(0);
      for (const name of leftToDefaults) {
        // Only a setting with a code default may be left out, and never one the template sets anyway.
        expect({ name, hasDefault: name in withDefaults, alsoSet: set.has(name) }).toEqual({
          name,
          hasDefault: true,
          alsoSet: false,
        });
      }
      for (const name of Object.keys(sample.Values)) {
        const accounted = set.has(name) || leftToDefaults.includes(name) || localOnly.has(name);
        expect({ name, accounted }).toEqual({ name, accounted: true });
      }
    });

    it('sets the scoped Graph app only when its client id is given, the secret as a Key Vault reference', () => {
      const scoped = conditionalAppSettings().find((part) => part.whenFalse.has('GRAPH_SCOPED_CLIENT_ID'));
      if (!scoped) throw new Error('no conditional settings for the scoped app');
      expect(scoped.condition).toBe("empty(parameters('graphScopedClientId'))");
      expect(scoped.whenTrue.size).toBe(0);
      expect([...scoped.whenFalse.keys()].sort()).toEqual([
        'GRAPH_SCOPED_CLIENT_ID',
        'GRAPH_SCOPED_CLIENT_SECRET',
      ]);
      expect(scoped.whenFalse.get('GRAPH_SCOPED_CLIENT_ID')).toBe("parameters('graphScopedClientId')");
      // From the credentials vault, which the app can read but not write.
      expect(scoped.whenFalse.get('GRAPH_SCOPED_CLIENT_SECRET')).toBe(
        "format('@Microsoft.KeyVault(SecretUri={0}secrets/{1})', reference('credentialsVault').outputs.vaultUri.value, reference('credentialsVault').outputs.graphScopedClientSecretName.value)",
      );
      // Never among the always-present settings, so a deployment without the scoped app has neither.
      expect(appSettings().has('GRAPH_SCOPED_CLIENT_ID')).toBe(false);
      expect(appSettings().has('GRAPH_SCOPED_CLIENT_SECRET')).toBe(false);
      // The secret itself only reaches Key Vault, and only as a secure parameter.
      const parameters = asObject(root.parameters, 'parameters');
      expect(asObject(parameters.graphScopedClientSecret, 'graphScopedClientSecret').type).toBe(
        'securestring',
      );
      expect(rootDefault("[parameters('graphScopedClientId')]")).toBe('');
    });

    it('sets the Graph secret only as the fallback: when one is given, or when there is no federated credential', () => {
      expect(appSettings().has('GRAPH_CLIENT_SECRET')).toBe(false);
      const secret = conditionalSetting('GRAPH_CLIENT_SECRET');
      expect(secret).toEqual({
        condition:
          "or(not(empty(parameters('graphClientSecret'))), not(parameters('graphFederatedCredential')))",
        when: true,
        value:
          "format('@Microsoft.KeyVault(SecretUri={0}secrets/{1})', reference('credentialsVault').outputs.vaultUri.value, reference('credentialsVault').outputs.graphClientSecretName.value)",
      });
      // And the secret itself only when one is given, only as a secure parameter.
      const stored = resources.find(
        (r) =>
          r.type === 'Microsoft.KeyVault/vaults/secrets' &&
          r.module === moduleNamed('credentialsVault') &&
          r.symbol === 'graphSecret',
      );
      expect(stored?.resource.condition).toBe("[not(empty(parameters('graphClientSecret')))]");
      expect(moduleParameter('credentialsVault', 'graphClientSecret')).toBe(
        "[parameters('graphClientSecret')]",
      );
      const parameters = asObject(root.parameters, 'parameters');
      expect(asObject(parameters.graphClientSecret, 'graphClientSecret')).toMatchObject({
        type: 'securestring',
        defaultValue: '',
      });
    });

    it('names the identity the app signs in to Graph with as a federated credential, on by default', () => {
      expect(conditionalSetting('GRAPH_FEDERATED_IDENTITY_CLIENT_ID')).toEqual({
        condition: "parameters('graphFederatedCredential')",
        when: true,
        value: "reference('identity').outputs.clientId.value",
      });
      const declared = asObject(
        asObject(root.parameters, 'parameters').graphFederatedCredential,
        'graphFederatedCredential',
      );
      expect(declared).toMatchObject({ type: 'bool', defaultValue: true });
      // What the operator adds to the Graph app registration: Entra's documented values for a
      // user-assigned managed identity as a federated identity credential.
      const outputs = asObject(root.outputs, 'outputs');
      const value = (name: string) => asObject(outputs[name], name).value;
      expect(value('GRAPH_FEDERATED_CREDENTIAL_ISSUER')).toBe(
        "[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]",
      );
      // The object (principal) id, not the client id.
      expect(value('GRAPH_FEDERATED_CREDENTIAL_SUBJECT')).toBe(
        "[reference('identity').outputs.principalId.value]",
      );
      expect(value('GRAPH_FEDERATED_CREDENTIAL_AUDIENCE')).toBe('api://AzureADTokenExchange');
    });

    it('defaults Graph settings to what the app expects', () => {
      const app = loadConfig({
        PUBLIC_BASE_URL: 'https://app.example',
        GRAPH_CLIENT_ID: 'id',
        GRAPH_CLIENT_SECRET: 'x',
        TABLES_ENDPOINT: 'https://st.table.core.windows.net/',
        ServiceBusConnection__fullyQualifiedNamespace: 'sb.servicebus.windows.net',
      });
      const settings = appSettings();
      expect(rootDefault(settings.get('GRAPH_BASE_URL'))).toBe(app.GRAPH_BASE_URL);
      expect(rootDefault(settings.get('TABLE_PREFIX'))).toBe(app.TABLE_PREFIX);
      expect(rootDefault(settings.get('DEFAULT_TIME_ZONE'))).toBe(app.DEFAULT_TIME_ZONE);
      expect(app.DEFAULT_TIME_ZONE).toBe('Europe/Stockholm');
      // Consent goes to the Entra endpoint the tokens come from.
      expect(settings.get('CONSENT_AUTHORITY_HOST')).toBe(settings.get('GRAPH_AUTHORITY_HOST'));
    });

    it('passes every secret-like setting as a Key Vault reference', () => {
      // The Application Insights connection string names the resource and its
      // ingestion endpoint; with local auth off (checked below) it grants nothing.
      const notSecret = new Set(['APPLICATIONINSIGHTS_CONNECTION_STRING']);
      const secretLike = [...appSettings(), ...allConditionalSettings()].filter(
        ([name]) =>
          /SECRET|PASSWORD|PWD|TOKEN|SAS|(^|_)KEY$|CONNECTION_?STRING/i.test(name) && !notSecret.has(name),
      );
      expect(secretLike.map(([name]) => name)).toEqual(
        expect.arrayContaining(['GRAPH_CLIENT_SECRET', 'GRAPH_SCOPED_CLIENT_SECRET']),
      );
      for (const [name, value] of secretLike) {
        expect({ name, value }).toEqual({
          name,
          value: expect.stringContaining('@Microsoft.KeyVault(SecretUri='),
        });
      }
      const insights = only('Microsoft.Insights/components');
      expect(props(insights).DisableLocalAuth).toBe(true);
    });
  });

  it('turns on Entra ID authentication by default, except for the Graph, consent, Exchange push, PBX pull and booking routes', () => {
    const auth = only('Microsoft.Web/sites/config', 'auth');
    expect(auth.resource.condition).toBe("[parameters('enableEntraAuth')]");
    expect(rootDefault(moduleParameter('functionApp', 'enableEntraAuth'))).toBe(true);
    const validation = asObject(props(auth).globalValidation, 'globalValidation');
    expect(validation.requireAuthentication).toBe(true);
    expect(validation.unauthenticatedClientAction).toBe('Return401');
    // A variable of the module, not a parameter: no caller can widen what skips sign-in.
    expect(validation.excludedPaths).toBe("[variables('unauthenticatedPaths')]");
    const excluded = asObject(auth.template.variables, 'variables').unauthenticatedPaths as string[];
    expect(excluded).toEqual([
      '/api/graph/notifications',
      '/api/graph/lifecycle',
      '/api/consent/callback',
      '/api/consent/*',
      '/api/pbx/*',
      '/api/exchange/notifications/*',
      '/api/booking/*',
    ]);
    const open = (requestPath: string) => excluded.some((pattern) => excludes(pattern, requestPath));
    for (const requestPath of [
      '/api/graph/notifications',
      '/api/graph/lifecycle',
      '/api/consent/contoso',
      '/api/consent/callback',
      '/api/pbx/v1/users/alice@contoso.example/status',
      '/api/exchange/notifications/0123456789abcdef',
      '/api/booking/v1/free-time',
      '/api/booking/v1/bookings/b-1',
      '/api/booking/v1/openapi.json',
    ]) {
      expect({ requestPath, open: open(requestPath) }).toEqual({ requestPath, open: true });
    }
    // Every management route (as the code declares them) and the console stay behind sign-in.
    const signedIn = [
      ...Object.values(ROUTE).map((route) => `/api/${route.replace(/\{(\w+)\}/g, 'x')}`),
      '/api/console',
      '/api/console/assets/console.js',
    ];
    expect(signedIn).toContain('/api/manage/integrations');
    for (const requestPath of signedIn) {
      expect({ requestPath, open: open(requestPath) }).toEqual({ requestPath, open: false });
    }
  });

  it('keeps storage keyless, private and on TLS 1.2', () => {
    const account = props(only('Microsoft.Storage/storageAccounts'));
    expect(account).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
    });
  });

  describe('static outbound IP (staticOutboundIp)', () => {
    const network = () => moduleNamed('network');
    const inNetwork = (type: string) => {
      const placed = only(type);
      expect(placed.module).toBe(network());
      return placed;
    };

    it('is off by default and builds its network only when turned on', () => {
      const declared = asObject(asObject(root.parameters, 'parameters').staticOutboundIp, 'staticOutboundIp');
      expect(declared).toMatchObject({ type: 'bool', defaultValue: false });
      expect(network().condition).toBe("[parameters('staticOutboundIp')]");
    });

    it('has a NAT gateway with a Standard static public IP on a subnet delegated to Flex Consumption', () => {
      const ip = inNetwork('Microsoft.Network/publicIPAddresses');
      expect(asObject(ip.resource.sku, 'sku').name).toBe('Standard');
      expect(props(ip).publicIPAllocationMethod).toBe('Static');
      const gateway = inNetwork('Microsoft.Network/natGateways');
      expect(asObject(gateway.resource.sku, 'sku').name).toBe('Standard');
      expect(props(gateway).publicIpAddresses).toEqual([
        { id: "[resourceId('Microsoft.Network/publicIPAddresses', parameters('publicIpName'))]" },
      ]);
      const vnet = inNetwork('Microsoft.Network/virtualNetworks');
      const subnets = props(vnet).subnets as Json[];
      expect(subnets).toHaveLength(1);
      const subnet = asObject(subnets[0]!.properties, 'subnet properties');
      expect(subnet.delegations).toEqual([
        expect.objectContaining({ properties: { serviceName: 'Microsoft.App/environments' } }),
      ]);
      expect(subnet.natGateway).toEqual({
        id: "[resourceId('Microsoft.Network/natGateways', parameters('natGatewayName'))]",
      });
    });

    it('integrates the app with that subnet and routes all its outbound traffic there', () => {
      const passed = asObject(
        asObject(moduleNamed('functionApp').properties, 'properties').parameters,
        'parameters',
      );
      expect(passed.virtualNetworkSubnetId).toBe(
        "[if(parameters('staticOutboundIp'), createObject('value', reference('network').outputs.appSubnetId.value), createObject('value', ''))]",
      );
      const site = props(only('Microsoft.Web/sites'));
      expect(site.virtualNetworkSubnetId).toBe(
        "[if(empty(parameters('virtualNetworkSubnetId')), null(), parameters('virtualNetworkSubnetId'))]",
      );
      // Not only private ranges: public destinations (PBXes, Graph) too.
      expect(site.outboundVnetRouting).toBe(
        "[if(empty(parameters('virtualNetworkSubnetId')), null(), createObject('applicationTraffic', true()))]",
      );
      const outbound = asObject(asObject(root.outputs, 'outputs').OUTBOUND_IP_ADDRESS, 'OUTBOUND_IP_ADDRESS');
      expect(outbound.value).toBe(
        "[if(parameters('staticOutboundIp'), reference('network').outputs.outboundIpAddress.value, '')]",
      );
    });
  });

  describe('tables, created by the deployment', () => {
    const tables = () => only('Microsoft.Storage/storageAccounts/tableServices/tables');

    it('creates every table the code uses, under the same prefix the app is given', () => {
      const placed = tables();
      expect(placed.module).toBe(moduleNamed('storage'));
      // One resource per entry of the module's tableNames, named prefix + name.
      expect(asObject(placed.resource.copy, 'copy').count).toBe("[length(parameters('tableNames'))]");
      expect(placed.resource.name).toBe(
        "[format('{0}/{1}/{2}', parameters('name'), 'default', format('{0}{1}', parameters('tablePrefix'), parameters('tableNames')[copyIndex()]))]",
      );
      const passed = moduleParameter('storage', 'tableNames');
      const match = /^\[variables\('(\w+)'\)\]$/.exec(String(passed));
      if (!match) throw new Error(`storage tableNames is ${String(passed)}, not a variable of main`);
      const listed = asObject(root.variables, 'variables')[match[1]!];
      expect(listed).toEqual([...TABLE_NAMES]);
      // The tables' prefix and the app's TABLE_PREFIX are the same parameter.
      expect(moduleParameter('storage', 'tablePrefix')).toBe("[parameters('tablePrefix')]");
      expect(appSettings().get('TABLE_PREFIX')).toBe("[parameters('tablePrefix')]");
    });

    it('tells the app the tables exist, so a cold start skips creating them', () => {
      expect(appSettings().get('STORAGE_TABLES_PROVISIONED')).toBe('true');
    });
  });

  describe('Service Bus', () => {
    const namespace = () => only('Microsoft.ServiceBus/namespaces');
    const queue = (name: string) => {
      const placed = resources.find(
        (r) =>
          r.type === 'Microsoft.ServiceBus/namespaces/queues' &&
          String(r.resource.name).includes(`'${name}'`),
      );
      if (!placed) throw new Error(`queue ${name} missing`);
      return Object.fromEntries(
        Object.entries(props(placed)).map(([k, v]) => [k, resolveParameter(placed, v)]),
      );
    };

    it('is Standard with local auth off and TLS 1.2', () => {
      expect(asObject(namespace().resource.sku, 'sku').name).toBe('Standard');
      expect(props(namespace())).toMatchObject({ disableLocalAuth: true, minimumTlsVersion: '1.2' });
    });

    it('has a session queue `sync` with duplicate detection and dead-lettering', () => {
      expect(queue('sync')).toMatchObject({
        requiresSession: true,
        requiresDuplicateDetection: true,
        duplicateDetectionHistoryTimeWindow: 'PT10M',
        lockDuration: expect.stringMatching(/^PT\d+M$/),
        maxDeliveryCount: 10,
        deadLetteringOnMessageExpiration: true,
      });
    });

    it('has exactly the queues the code sends to, sessions where the trigger expects them', () => {
      const queues = resources.filter((r) => r.type === 'Microsoft.ServiceBus/namespaces/queues');
      const names = queues.map((r) => /'([a-z]+)'\)\]$/.exec(String(r.resource.name))?.[1]).sort();
      expect(names).toEqual([...QUEUE_NAMES].sort());
      for (const file of ['functions/syncUser.ts', 'functions/deliverWebhook.ts']) {
        const text = readFileSync(path.join(repoRoot, file), 'utf8');
        const name = /queueName: '([a-z]+)'/.exec(text)?.[1] ?? '';
        const sessions = /isSessionsEnabled: true/.test(text);
        expect({ file, name, requiresSession: queue(name).requiresSession }).toEqual({
          file,
          name,
          requiresSession: sessions,
        });
      }
    });

    it('has a `deliveries` queue with duplicate detection and dead-lettering', () => {
      expect(queue('deliveries')).toMatchObject({
        requiresDuplicateDetection: true,
        duplicateDetectionHistoryTimeWindow: 'PT10M',
        maxDeliveryCount: 10,
        deadLetteringOnMessageExpiration: true,
      });
    });
  });

  it('keeps Key Vault on RBAC with soft delete and purge protection', () => {
    const vaults = resources.filter((r) => r.type === 'Microsoft.KeyVault/vaults');
    expect(vaults).toHaveLength(2);
    for (const vault of vaults) {
      expect(props(vault)).toMatchObject({
        enableRbacAuthorization: true,
        enablePurgeProtection: true,
        enableSoftDelete: true,
      });
    }
  });

  it('can bring back the soft-deleted vault when an environment is redeployed after azd down', () => {
    // Purge protection keeps a deleted vault (and its name) for 90 days; a plain create then fails
    // with "exists in deleted state", so the deployment takes createMode from a parameter.
    const vaults = resources.filter((r) => r.type === 'Microsoft.KeyVault/vaults');
    expect(vaults.map((vault) => vault.module)).toEqual(
      expect.arrayContaining([moduleNamed('keyVault'), moduleNamed('credentialsVault')]),
    );
    // Each vault takes its module's parameter, which main passes from its own.
    for (const vault of vaults) {
      expect(resolveParameter(vault, props(vault).createMode)).toBe("[parameters('keyVaultCreateMode')]");
    }
    const declared = asObject(
      asObject(root.parameters, 'parameters').keyVaultCreateMode,
      'keyVaultCreateMode',
    );
    expect(declared).toMatchObject({ defaultValue: 'default', allowedValues: ['default', 'recover'] });
  });

  describe('role assignments', () => {
    const assignments = resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    const builtInRoles = () => asObject(asObject(root.variables, 'variables').builtInRoles, 'builtInRoles');

    /** Role GUIDs main passes to a module's roleAssignments parameter. */
    const rolesGrantedBy = (symbol: string): string[] =>
      [
        ...JSON.stringify(moduleParameter(symbol, 'roleAssignments')).matchAll(
          /variables\('builtInRoles'\)\.(\w+)/g,
        ),
      ]
        .map((match) => String(builtInRoles()[match[1]!]))
        .sort();

    it('let the Functions scaler and the dashboard read queue counts: Data Owner (Manage) on the namespace, for the app only', () => {
      // Target-based scaling needs the Manage right; with Listen only it falls back to incremental scale.
      const granted = moduleParameter('serviceBus', 'roleAssignments');
      if (!Array.isArray(granted)) throw new Error('serviceBus roleAssignments is not a list');
      const owners = (granted as Json[]).filter(
        (entry) => entry.roleDefinitionId === "[variables('builtInRoles').serviceBusDataOwner]",
      );
      expect(owners).toEqual([
        expect.objectContaining({
          principalId: "[reference('identity').outputs.principalId.value]",
          principalType: 'ServicePrincipal',
        }),
      ]);
      const onNamespace = assignments.filter((r) => r.module === moduleNamed('serviceBus'));
      expect(onNamespace).toHaveLength(1);
      expect(String(onNamespace[0]!.resource.scope)).toBe(
        "[resourceId('Microsoft.ServiceBus/namespaces', parameters('name'))]",
      );
      // Nowhere else: the id appears in the role table and the one namespace grant only.
      const mentions = templateText.split(ROLE.serviceBusDataOwner).length - 1;
      expect(mentions).toBe(1);
    });

    it('split the vaults: the app only reads the Graph secrets, and writes only the PBX signing secrets', () => {
      const granted = (symbol: string) => {
        const list = moduleParameter(symbol, 'roleAssignments');
        // With principalId set, main concatenates the operator's grant: concat(createArray(app), if(…)).
        return JSON.stringify(list);
      };
      const appGrant = (role: string) =>
        `"principalId":"[reference('identity').outputs.principalId.value]","principalType":"ServicePrincipal","roleDefinitionId":"[variables('builtInRoles').${role}]"`;
      const operatorGrant =
        "createObject('principalId', parameters('principalId'), 'principalType', parameters('principalType'), 'roleDefinitionId', variables('builtInRoles').keyVaultSecretsOfficer";
      expect(granted('keyVault')).toContain(appGrant('keyVaultSecretsOfficer'));
      expect(granted('keyVault')).not.toContain('keyVaultSecretsUser');
      expect(granted('keyVault')).not.toContain("parameters('principalId')");
      const credentials = granted('credentialsVault');
      expect(credentials).toContain(
        "createObject('principalId', reference('identity').outputs.principalId.value, 'principalType', 'ServicePrincipal', 'roleDefinitionId', variables('builtInRoles').keyVaultSecretsUser",
      );
      expect(credentials).not.toContain(
        "reference('identity').outputs.principalId.value, 'principalType', 'ServicePrincipal', 'roleDefinitionId', variables('builtInRoles').keyVaultSecretsOfficer",
      );
      expect(credentials).toContain(operatorGrant);
      // The app writes PBX secrets to the signing vault (KEY_VAULT_URL), not to the credentials vault.
      expect(appSettings().get('KEY_VAULT_URL')).toBe("[reference('keyVault').outputs.vaultUri.value]");
      const outputs = asObject(root.outputs, 'outputs');
      for (const name of [
        'credentialsKeyVaultName',
        'AZURE_CREDENTIALS_KEY_VAULT_NAME',
        'AZURE_CREDENTIALS_KEY_VAULT_ENDPOINT',
      ]) {
        expect(String(asObject(outputs[name], name).value)).toContain("reference('credentialsVault')");
      }
    });

    it('uses the documented built-in role ids', () => {
      for (const [name, id] of Object.entries(ROLE)) {
        expect({ name, id: builtInRoles()[name] }).toEqual({ name, id });
      }
    });

    it('are each scoped to one resource and named guid(scope, principal, role)', () => {
      expect(assignments.length).toBeGreaterThanOrEqual(4);
      for (const placed of assignments) {
        expect(placed.module).toBeDefined();
        const scope = String(placed.resource.scope);
        expect(scope).toMatch(
          /^\[resourceId\('Microsoft\.(Storage|ServiceBus|KeyVault|Insights)\/[A-Za-z]+'/,
        );
        expect(scope).not.toMatch(/subscription\(\)|resourceGroup\(\)/);
        const inner = scope.slice(1, -1);
        expect(placed.resource.name).toBe(
          `[guid(${inner}, parameters('roleAssignments')[copyIndex()].principalId, parameters('roleAssignments')[copyIndex()].roleDefinitionId)]`,
        );
        expect(props(placed).roleDefinitionId).toBe(
          "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleAssignments')[copyIndex()].roleDefinitionId)]",
        );
      }
    });

    it('grant each resource only the roles the app needs there', () => {
      expect(rolesGrantedBy('storage')).toEqual(
        [ROLE.storageTableDataContributor, ROLE.storageBlobDataOwner].sort(),
      );
      // Data Owner alone: it includes send and receive.
      expect(rolesGrantedBy('serviceBus')).toEqual([ROLE.serviceBusDataOwner]);
      // The signing vault: Officer for the app, which writes the PBX signing secrets; nobody else.
      expect(rolesGrantedBy('keyVault')).toEqual([ROLE.keyVaultSecretsOfficer]);
      // The credentials vault: Secrets User (read only) for the app, Officer for the operator.
      expect(rolesGrantedBy('credentialsVault')).toEqual(
        [ROLE.keyVaultSecretsUser, ROLE.keyVaultSecretsOfficer].sort(),
      );
      expect(rolesGrantedBy('monitoring')).toEqual([ROLE.monitoringMetricsPublisher]);
    });
  });

  it('outputs what the operator needs next', () => {
    const outputs = asObject(root.outputs, 'outputs');
    for (const name of [
      'notificationUrl',
      'lifecycleNotificationUrl',
      'consentLinkBase',
      'consentCallbackUrl',
      'managementApiUrl',
      'consoleUrl',
      'keyVaultName',
      'functionAppName',
      'AZURE_LOCATION',
      'AZURE_TENANT_ID',
    ]) {
      expect({ name, present: name in outputs }).toEqual({ name, present: true });
    }
    const value = (name: string) => String(asObject(outputs[name], name).value);
    expect(value('notificationUrl')).toContain('/api/graph/notifications');
    expect(value('lifecycleNotificationUrl')).toContain('/api/graph/lifecycle');
    expect(value('consentLinkBase')).toMatch(/^\[format\('\{0\}\/api\/consent\/', /);
    expect(value('consentCallbackUrl')).toMatch(/^\[format\('\{0\}\/api\/consent\/callback', /);
    expect(value('managementApiUrl')).toMatch(/^\[format\('\{0\}\/api\/manage', /);
    expect(value('consoleUrl')).toMatch(/^\[format\('\{0\}\/api\/console', /);
  });
});
