import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

/** The explain route over HTTP: the rule forms PUT /rules takes, series masters, and refusals that name the field. */
describe('explain', () => {
  let manage: ReturnType<typeof managementClient>;
  const path = `manage/integrations/${DEMO_INTEGRATION_ID}/explain`;
  const at = (hours: number) => ({
    dateTime: new Date(Date.now() + hours * 3_600_000).toISOString().slice(0, 19),
    timeZone: 'UTC',
  });
  const lunch = { id: 'e1', subject: 'LUN: pizza', showAs: 'free', start: at(2), end: at(3) };

  const host = useTestHost();
  beforeAll(async () => {
    manage = managementClient(host);
  });

  it('tries a preset by name as well as a whole rule set', async () => {
    // The demo integration syncs by availability only, where free is not synced.
    const own = await manage('POST', path, { body: { event: lunch } });
    expect(own.json).toMatchObject({ evaluation: { outcome: 'skip', why: 'show as free is not synced' } });
    const preset = await manage('POST', path, { body: { event: lunch, rules: { preset: 'prefixes-sv' } } });
    expect(preset.status).toBe(200);
    expect(preset.json).toMatchObject({ evaluation: { outcome: 'absence', decidedBy: 'prefix:LUN:' } });
    const integration = (await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}`)).json as {
      ruleSet: Record<string, unknown>;
    };
    const whole = await manage('POST', path, { body: { event: lunch, rules: integration.ruleSet } });
    expect(whole.json).toEqual(own.json);
  });

  it('gives an absence the status it alone would give, in the language of the rules tried', async () => {
    const now = { ...lunch, id: 'e2', start: at(-1), end: at(1) };
    const integration = (await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}`)).json as {
      ruleSet: { status: Record<string, unknown> };
    };
    const rules = {
      ...integration.ruleSet,
      availability: {
        ...(integration.ruleSet as unknown as { availability: Record<string, unknown> }).availability,
        free: { sync: true, reasonCode: 'lunch', callHandling: 'diversion' },
      },
      status: { ...integration.ruleSet.status, language: 'sv' },
    };
    const answer = await manage('POST', path, { body: { event: now, rules } });
    expect(answer.status).toBe(200);
    const { evaluation, status } = answer.json as {
      evaluation: { absence: { id: string; end: string; reason: unknown } };
      status: { current: Record<string, unknown>; announcement: { language: string; text: string } };
    };
    expect(status.current).toMatchObject({
      status: 'away',
      reason: evaluation.absence.reason,
      callHandling: 'diversion',
      until: evaluation.absence.end,
      absenceIds: [evaluation.absence.id],
    });
    expect(Date.parse(String(status.current.returnAt))).toBeGreaterThanOrEqual(
      Date.parse(evaluation.absence.end),
    );
    expect(status.announcement.language).toBe('sv');
    expect(status.announcement.text).toContain('Lunch');
    // One that lies ahead gives its status from its start, as the PBX would hear it then.
    const later = await manage('POST', path, {
      body: { event: { ...now, start: at(2), end: at(3) }, rules },
    });
    const ahead = later.json as typeof answer.json & {
      evaluation: { absence: { start: string; end: string } };
      status: { current: Record<string, unknown> };
    };
    expect(ahead.status.current).toMatchObject({
      status: 'away',
      start: ahead.evaluation.absence.start,
      until: ahead.evaluation.absence.end,
    });
    // Nothing to say for an event that makes no absence.
    const skipped = await manage('POST', path, { body: { event: now } });
    expect(skipped.json).not.toHaveProperty('status');
  });

  it('names the field at fault in an inconsistent rule set, as PUT /rules does', async () => {
    const integration = (await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}`)).json as {
      ruleSet: Record<string, unknown>;
    };
    const bad = await manage('POST', path, {
      body: {
        event: lunch,
        rules: {
          ...integration.ruleSet,
          prefixes: [{ prefix: 'X:', reasonCode: 'no-such-reason', callHandling: 'information' }],
        },
      },
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toContain('rules.prefixes.0.reasonCode');
    const unknownPreset = await manage('POST', path, { body: { event: lunch, rules: { preset: 'nope' } } });
    expect(unknownPreset.status).toBe(400);
    expect((unknownPreset.json as { error: string }).error).toContain('rules.preset');
  });

  it('reads an occurrence that comes with its times only from the series master given with it', async () => {
    const occurrence = { id: 'o1', type: 'occurrence', seriesMasterId: 'm1', start: at(2), end: at(3) };
    const alone = await manage('POST', path, { body: { event: occurrence } });
    expect(alone.status).toBe(400);
    expect(alone.json).toMatchObject({ path: 'master' });
    const master = {
      id: 'm1',
      type: 'seriesMaster',
      subject: 'Planning',
      showAs: 'oof',
      start: at(0),
      end: at(1),
    };
    const filled = await manage('POST', path, { body: { event: occurrence, master } });
    expect(filled.status).toBe(200);
    expect(filled.json).toMatchObject({
      evaluation: { outcome: 'absence', absence: { eventId: 'o1', seriesMasterId: 'm1' } },
      entry: { showAs: 'oof' },
    });
  });

  it('refuses with the path of the field at fault, and 404 for an unknown integration', async () => {
    const windows = await manage('POST', path, {
      body: {
        event: { ...lunch, start: { dateTime: lunch.start.dateTime, timeZone: 'W. Europe Standard Time' } },
      },
    });
    expect(windows.status).toBe(400);
    expect(windows.json).toMatchObject({ path: 'event.start.timeZone' });
    const zone = await manage('POST', path, { body: { event: lunch, timeZone: 'Mars/Olympus' } });
    expect(zone.json).toEqual({ error: 'unknown time zone Mars/Olympus', path: 'timeZone' });
    const nobody = await manage('POST', 'manage/integrations/nobody/explain', { body: { event: lunch } });
    expect(nobody.status).toBe(404);
  });

  it('documents both rule forms in the OpenAPI document', async () => {
    const doc = (await manage('GET', 'manage/openapi.json')).json as {
      paths: Record<
        string,
        Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    const schema = doc.paths[`/manage/integrations/{id}/explain`]?.post?.requestBody.content[
      'application/json'
    ]?.schema as { properties: { rules: { anyOf: { required?: string[] }[] } } };
    expect(schema.properties.rules.anyOf.map((form) => form.required)).toEqual([
      ['preset'],
      expect.arrayContaining(['reasons', 'availability']),
    ]);
  });
});
