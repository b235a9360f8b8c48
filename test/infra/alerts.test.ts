// The alert rules and the workbook of infra/modules/monitoring/, read from the
// compiled ARM template: each alert watches the signal docs/operations.md
// promises with the threshold it names, and every metric a query reads is one
// the service records (METRIC_NAMES), so renaming a metric cannot silence an
// alert unnoticed.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { METRIC_NAMES } from '../../shared/telemetry/openTelemetryMetrics';
import {
  asObject,
  flattenResources,
  type Json,
  loadCompiledTemplate,
  type PlacedResource,
  repoRoot,
  resolveParameter,
} from './compiledTemplate';

const source = loadCompiledTemplate();
if (source.kind === 'unavailable') console.warn(`alerts.test.ts skipped: ${source.reason}`);
const describeTemplate = source.kind === 'compiled' ? describe : describe.skip;
const root: Json = source.kind === 'compiled' ? source.template : { resources: {} };
const resources = flattenResources(root);

function only(type: string): PlacedResource {
  const matches = resources.filter((r) => r.type === type);
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0]!;
}

const props = (placed: PlacedResource): Json =>
  asObject(placed.resource.properties, `${placed.type} properties`);

interface LogAlert {
  key: string;
  query: string;
  measure: string;
  aggregation: string;
  threshold: unknown;
  window: string;
  dimensions: Json[];
}

/** The log search alerts are one copy loop over the module's `logAlerts` variable. */
function logAlerts(): { rule: PlacedResource; alerts: LogAlert[] } {
  const rule = only('Microsoft.Insights/scheduledQueryRules');
  const variables = asObject(rule.template.variables, 'alerts module variables');
  return { rule, alerts: variables.logAlerts as LogAlert[] };
}

function alert(key: string): LogAlert {
  const found = logAlerts().alerts.find((a) => a.key === key);
  if (!found) throw new Error(`no log alert ${key}`);
  return found;
}

/** Metric names a KQL query filters on: `name == "x"` and `name in ("x", "y")`. */
function metricNamesIn(query: string): string[] {
  const equal = [...query.matchAll(/\bname == "([^"]+)"/g)].map((m) => m[1]!);
  const listed = [...query.matchAll(/\bname in \(([^)]*)\)/g)].flatMap((m) =>
    [...m[1]!.matchAll(/"([^"]+)"/g)].map((n) => n[1]!),
  );
  return [...equal, ...listed];
}

const APP_INSIGHTS_ID =
  "[resourceId(subscription().subscriptionId, variables('names').resourceGroup, 'Microsoft.Insights/components', variables('names').applicationInsights)]";
const knownMetrics: string[] = Object.values(METRIC_NAMES);

/**
 * The resource a module's `[parameters('…Id')]` names: main passes an entry of
 * its `monitoredIds` variable, a resourceId() of a name from its `names`.
 */
function targetOf(placed: PlacedResource, expression: unknown): string {
  const passed = String(resolveParameter(placed, expression));
  const entry = /^\[variables\('monitoredIds'\)\.(\w+)\]$/.exec(passed)?.[1];
  if (!entry) throw new Error(`not one of main's monitored ids: ${passed}`);
  return String(asObject(asObject(root.variables, 'variables').monitoredIds, 'monitoredIds')[entry]);
}

/** What main.bicep passes a module's parameter (ARM expression text). */
function passedTo(moduleSymbol: string, name: string): unknown {
  const module = resources.find(
    (r) => r.type === 'Microsoft.Resources/deployments' && r.symbol === moduleSymbol,
  );
  const parameters = asObject(asObject(module?.resource.properties, moduleSymbol).parameters, 'parameters');
  return asObject(parameters[name], name).value;
}

describeTemplate('alerts and workbook (infra/modules/monitoring/)', () => {
  it('alerts on dead letters in any queue with the Service Bus platform metric, above zero', () => {
    const rule = only('Microsoft.Insights/metricAlerts');
    const properties = props(rule);
    expect(targetOf(rule, (properties.scopes as unknown[])[0])).toBe(
      "[resourceId(subscription().subscriptionId, variables('names').resourceGroup, 'Microsoft.ServiceBus/namespaces', variables('names').serviceBus)]",
    );
    // The very namespace the serviceBus module creates.
    expect(passedTo('serviceBus', 'name')).toBe("[variables('names').serviceBus]");
    const [criterion] = asObject(properties.criteria, 'criteria').allOf as Json[];
    expect(criterion).toMatchObject({
      metricNamespace: 'Microsoft.ServiceBus/namespaces',
      metricName: 'DeadletteredMessages',
      operator: 'GreaterThan',
      threshold: 0,
      timeAggregation: 'Maximum',
      dimensions: [{ name: 'EntityName', operator: 'Include', values: ['*'] }],
    });
  });

  it('runs every log search alert on the Application Insights resource', () => {
    const { rule } = logAlerts();
    const properties = props(rule);
    expect(targetOf(rule, (properties.scopes as unknown[])[0])).toBe(APP_INSIGHTS_ID);
    expect(passedTo('monitoring', 'applicationInsightsName')).toBe(
      "[variables('names').applicationInsights]",
    );
    expect(rule.resource.kind).toBe('LogAlert');
    const [criterion] = asObject(properties.criteria, 'criteria').allOf as Json[];
    expect(criterion).toMatchObject({ operator: 'GreaterThan' });
  });

  it('alerts on any failed or gone webhook', () => {
    const webhooks = alert('webhook-failures');
    expect(metricNamesIn(webhooks.query)).toEqual([METRIC_NAMES.webhooks]);
    expect(webhooks.query).toMatch(/customDimensions\.outcome\) in \("failed", "gone"\)/);
    expect(webhooks.query).toContain(`summarize ${webhooks.measure} = sum(valueSum)`);
    expect(webhooks.threshold).toBe(0);
  });

  it('alerts per state when every maintenance run of an hour left subscriptions expiring or missing', () => {
    const atRisk = alert('subscriptions-at-risk');
    expect(metricNamesIn(atRisk.query)).toEqual([METRIC_NAMES.subscriptionsAtRisk]);
    expect(atRisk.window).toBe('PT1H');
    expect(atRisk.query).toContain(`summarize ${atRisk.measure} = min(perRun) by state`);
    expect(atRisk.dimensions).toEqual([{ name: 'state', operator: 'Include', values: ['*'] }]);
    expect(atRisk.threshold).toBe(0);
  });

  it('alerts on any integration that lost consent or a permission', () => {
    const consent = alert('consent-lost');
    expect(metricNamesIn(consent.query)).toEqual([METRIC_NAMES.consentLost]);
    expect(consent.query).toContain(`summarize ${consent.measure} = sum(valueSum) by reason`);
    expect(consent.threshold).toBe(0);
  });

  it('alerts on 5xx answers of the notification functions, from the requests the host records', () => {
    const errors = alert('notification-errors');
    const { rule } = logAlerts();
    expect(resolveParameter(rule, errors.threshold)).toBe(0);
    expect(errors.query).toMatch(/^requests\n/);
    expect(errors.query).toContain('toint(resultCode) >= 500');
    // The request names are the function names the host records.
    for (const file of ['graphNotifications', 'graphLifecycle']) {
      const text = readFileSync(path.join(repoRoot, 'functions', `${file}.ts`), 'utf8');
      expect(text).toContain(`registerHttp('${file}'`);
    }
    expect(errors.query).toContain('name in ("graphNotifications", "graphLifecycle")');
  });

  it('mails the alerts only when an address is given', () => {
    const group = only('Microsoft.Insights/actionGroups');
    expect(String(group.resource.condition)).toBe("[not(empty(parameters('alertEmail')))]");
    const [receiver] = props(group).emailReceivers as Json[];
    expect(receiver?.emailAddress).toBe("[parameters('alertEmail')]");
    const { rule } = logAlerts();
    expect(asObject(props(rule).actions, 'actions').actionGroups).toBe("[variables('actionGroupIds')]");
    expect(String(asObject(rule.template.variables, 'variables').actionGroupIds)).toMatch(
      /^\[if\(empty\(parameters\('alertEmail'\)\), createArray\(\), createArray\(resourceId\('Microsoft.Insights\/actionGroups'/,
    );
    // main.bicep hands its own alertEmail parameter to the module.
    const passed = asObject(asObject(group.module?.properties, 'module').parameters, 'parameters');
    expect(passed.alertEmail).toEqual({ value: "[parameters('alertEmail')]" });
    expect(
      resolveParameter({ ...group, module: undefined, template: root }, "[parameters('alertEmail')]"),
    ).toBe('');
  });

  it('reads only metrics the service records, in the alerts and in the workbook', () => {
    const workbook = only('Microsoft.Insights/workbooks');
    const charts = asObject(workbook.template.variables, 'workbook variables').charts as Json[];
    const queries = [...logAlerts().alerts.map((a) => a.query), ...charts.map((c) => String(c.query))];
    const read = queries.filter((query) => query.startsWith('customMetrics')).flatMap(metricNamesIn);
    expect(read.filter((name) => !knownMetrics.includes(name))).toEqual([]);
    // The workbook charts every metric the service records.
    expect(knownMetrics.filter((name) => !read.includes(name))).toEqual([]);
  });

  it('keeps a shared workbook on the Application Insights resource, its content serialized from the module', () => {
    const workbook = only('Microsoft.Insights/workbooks');
    expect(workbook.resource.kind).toBe('shared');
    const properties = props(workbook);
    expect(properties.category).toBe('workbook');
    expect(targetOf(workbook, properties.sourceId)).toBe(APP_INSIGHTS_ID);
    expect(properties.serializedData).toBe("[string(variables('content'))]");
    const content = asObject(asObject(workbook.template.variables, 'variables').content, 'content');
    expect(content.version).toBe('Notebook/1.0');
  });
});
