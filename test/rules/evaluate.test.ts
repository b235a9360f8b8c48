import { diffAbsences, sameAbsence } from '../../shared/domain/absenceDiff';
import type { CalendarEntry } from '../../shared/domain/calendarEntry';
import { absenceIdFor, type EvaluationContext, evaluate } from '../../shared/domain/rules/evaluate';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { type RuleSet, ruleSetSchema } from '../../shared/domain/rules/ruleSet';
import { entryFromGraphEvent } from '../../shared/graph/graphEvent';
import { explainGraphEvent } from '../../shared/management/explainEvent';
import { type GraphEventJson, graphEvent, stockholmContext } from './graphEventFixture';

function entryOf(json: GraphEventJson): CalendarEntry {
  const read = entryFromGraphEvent(json);
  if ('error' in read) throw new Error(read.error);
  return read.entry;
}

function absenceOf(json: GraphEventJson, rules: RuleSet, context: EvaluationContext = stockholmContext()) {
  const evaluation = evaluate(entryOf(json), rules, context);
  if (evaluation.outcome !== 'absence') throw new Error(`expected an absence, got skip: ${evaluation.why}`);
  return evaluation;
}

function withSubjects(rules: RuleSet): RuleSet {
  rules.settings.showSubjects = true;
  return rules;
}

/** Every kind of explicit rule matches "LUN: Lunch" tagged "Vacation", each with a different reason. */
function overlappingRules(): RuleSet {
  return ruleSetSchema.parse({
    reasons: [
      { code: 'P', name: 'from prefix' },
      { code: 'T', name: 'from trigger' },
      { code: 'U', name: 'from user trigger' },
      { code: 'C', name: 'from category' },
      { code: 'A', name: 'from availability' },
    ],
    availability: {
      free: { sync: false },
      tentative: { sync: true, reasonCode: 'A' },
      busy: { sync: true, reasonCode: 'A' },
      oof: { sync: true, reasonCode: 'A' },
      workingElsewhere: { sync: false },
      unknown: { sync: false },
    },
    prefixes: [{ prefix: 'LUN:', reasonCode: 'P', callHandling: 'diversion' }],
    triggers: [{ phrase: 'lunch', reasonCode: 'T', callHandling: 'diversion' }],
    categories: [{ category: 'Vacation', reasonCode: 'C', callHandling: 'information' }],
    settings: { showSubjects: true },
  });
}

describe('precedence: prefix, trigger, user trigger, category, availability', () => {
  const event = graphEvent({ subject: 'LUN: Lunch', categories: ['Vacation'] });
  const userTriggers = [{ phrase: 'Lunch', reasonCode: 'U', callHandling: 'diversion' as const }];

  it('walks down the order as the earlier rules are removed', () => {
    const rules = overlappingRules();
    const context = { ...stockholmContext(), userTriggers };
    const winners: string[] = [];
    winners.push(absenceOf(event, rules, context).decidedBy);
    rules.prefixes = [];
    winners.push(absenceOf(event, rules, context).decidedBy);
    rules.triggers = [];
    winners.push(absenceOf(event, rules, context).decidedBy);
    winners.push(absenceOf(event, rules, stockholmContext()).decidedBy);
    rules.categories = [];
    winners.push(absenceOf(event, rules, stockholmContext()).decidedBy);
    expect(winners).toEqual([
      'prefix:LUN:',
      'trigger:lunch',
      'userTrigger:Lunch',
      'category:Vacation',
      'availability:busy',
    ]);
  });

  it('lets a tentative entry follow its own availability row', () => {
    const rules = overlappingRules();
    const tentative = graphEvent({ subject: 'Workshop', showAs: 'tentative' });
    expect(absenceOf(tentative, rules)).toMatchObject({
      decidedBy: 'availability:tentative',
      absence: { reason: { code: 'A' } },
    });
    rules.availability.tentative = { sync: false, callHandling: 'information' };
    expect(evaluate(entryOf(tentative), rules, stockholmContext())).toEqual({
      outcome: 'skip',
      why: 'show as tentative is not synced',
    });
  });

  it('keeps the whole subject when a trigger decides and strips only a prefix', () => {
    const rules = overlappingRules();
    expect(absenceOf(event, rules).absence.subject).toBe('Lunch');
    rules.prefixes = [];
    expect(absenceOf(event, rules).absence.subject).toBe('LUN: Lunch');
  });

  it('passes over a user trigger whose reason left the catalogue', () => {
    const rules = overlappingRules();
    rules.prefixes = [];
    rules.triggers = [];
    const stale = [{ phrase: 'Lunch', reasonCode: 'gone', callHandling: 'diversion' as const }];
    expect(absenceOf(event, rules, { ...stockholmContext(), userTriggers: stale }).decidedBy).toBe(
      'category:Vacation',
    );
  });

  it('lets a user add words the integration does not have', () => {
    const rules = withSubjects(presetRuleSet('triggers-en-sv'));
    const padel = graphEvent({ subject: 'Padel med Erik', showAs: 'free' });
    expect(evaluate(entryOf(padel), rules, stockholmContext())).toEqual({
      outcome: 'skip',
      why: 'show as free is not synced',
    });
    const context = {
      ...stockholmContext(),
      userTriggers: [{ phrase: 'padel', reasonCode: 'lunch', callHandling: 'diversion' as const }],
    };
    expect(absenceOf(padel, rules, context)).toMatchObject({
      decidedBy: 'userTrigger:padel',
      absence: {
        reason: { code: 'lunch', name: 'Lunch' },
        callHandling: 'diversion',
        subject: 'Padel med Erik',
      },
    });
  });
});

describe('entries that are skipped', () => {
  const rules = presetRuleSet('prefixes-sv');
  const cases: [string, Partial<GraphEventJson>, string][] = [
    ['a cancelled meeting', { subject: 'LUN: team', isCancelled: true }, 'cancelled'],
    [
      'a meeting the user declined',
      { subject: 'MOT: Styrgrupp', isOrganizer: false, responseStatus: { response: 'declined' } },
      'declined by the user',
    ],
    [
      'a series master',
      { subject: 'LUN:', type: 'seriesMaster' },
      'series master (its occurrences are evaluated)',
    ],
    [
      'a private entry with a matching prefix',
      { subject: 'SJU: läkare', sensitivity: 'private' },
      'private (privateEvents: skip)',
    ],
    [
      'a confidential entry',
      { subject: 'Lönesamtal', sensitivity: 'confidential' },
      'private (privateEvents: skip)',
    ],
    [
      'an entry after the window',
      {
        start: { dateTime: '2026-12-20T10:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-12-20T11:00:00.0000000', timeZone: 'UTC' },
      },
      'outside the sync window',
    ],
    [
      'an entry that ends as the window starts',
      {
        start: { dateTime: '2026-11-24T23:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-11-25T00:00:00.0000000', timeZone: 'UTC' },
      },
      'outside the sync window',
    ],
    [
      'an entry that ends before it starts',
      {
        start: { dateTime: '2026-11-26T11:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-11-26T11:00:00.0000000', timeZone: 'UTC' },
      },
      'ends before it starts',
    ],
  ];
  it.each(cases)('%s', (_name, overrides, why) => {
    expect(evaluate(entryOf(graphEvent(overrides)), rules, stockholmContext())).toEqual({
      outcome: 'skip',
      why,
    });
  });

  it('skips an all-day entry when the mailbox zone is unknown', () => {
    const event = graphEvent({
      isAllDay: true,
      start: { dateTime: '2026-11-26T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-11-27T00:00:00.0000000', timeZone: 'UTC' },
    });
    const evaluation = evaluate(entryOf(event), rules, { ...stockholmContext(), timeZone: 'Mars/Olympus' });
    expect(evaluation).toEqual({
      outcome: 'skip',
      why: 'time zone "Mars/Olympus" is not known, so an all-day entry cannot be placed',
    });
  });
});

describe('privacy', () => {
  it('syncs a private entry as its availability alone with busyWithoutSubject', () => {
    const rules = withSubjects(presetRuleSet('prefixes-sv'));
    rules.settings.privateEvents = 'busyWithoutSubject';
    const event = graphEvent({ subject: 'SJU: läkare', sensitivity: 'private', categories: ['Sick'] });
    const { decidedBy, absence } = absenceOf(event, rules);
    expect(decidedBy).toBe('availability:busy');
    expect(absence.reason).toEqual({ code: 'busy', name: 'Busy' });
    expect(absence.callHandling).toBe('information');
    expect(absence).not.toHaveProperty('subject');
  });

  it('gives the same verdict for a private entry whatever its subject and categories say', () => {
    const rules = withSubjects(presetRuleSet('triggers-en-sv'));
    rules.settings.privateEvents = 'busyWithoutSubject';
    const base = { id: 'same-id', sensitivity: 'private' as const, showAs: 'busy' as const };
    const plain = evaluate(entryOf(graphEvent({ ...base, subject: 'x' })), rules, stockholmContext());
    const loaded = evaluate(
      entryOf(graphEvent({ ...base, subject: 'Lunch', categories: ['Lunch'] })),
      rules,
      stockholmContext(),
    );
    expect(plain).toMatchObject({ outcome: 'absence', decidedBy: 'availability:busy' });
    expect(loaded).toEqual(plain);
  });

  it('syncs a personal entry by its rules but never shows its subject', () => {
    const rules = withSubjects(presetRuleSet('prefixes-sv'));
    const { decidedBy, absence } = absenceOf(
      graphEvent({ subject: 'LUN: mamma', sensitivity: 'personal' }),
      rules,
    );
    expect(decidedBy).toBe('prefix:LUN:');
    expect(absence).not.toHaveProperty('subject');
  });

  it('sends no subject when showSubjects is off', () => {
    const rules = presetRuleSet('prefixes-sv');
    expect(rules.settings.showSubjects).toBe(false);
    expect(absenceOf(graphEvent({ subject: 'LUN: pizza' }), rules).absence).not.toHaveProperty('subject');
  });
});

describe('timing', () => {
  it('places an all-day vacation on the local days across the October DST change in Stockholm', () => {
    const rules = presetRuleSet('prefixes-sv');
    const vacation = graphEvent({
      subject: 'SEM: Mallorca',
      showAs: 'oof',
      isAllDay: true,
      start: { dateTime: '2026-10-24T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-10-27T00:00:00.0000000', timeZone: 'UTC' },
    });
    const context = stockholmContext(new Date('2026-10-20T06:00:00Z'));
    const { decidedBy, absence } = absenceOf(vacation, rules, context);
    expect(decidedBy).toBe('prefix:SEM:');
    expect(absence.reason.code).toBe('vacation');
    expect(absence.start).toBe('2026-10-23T22:00:00.000Z');
    expect(absence.end).toBe('2026-10-26T23:00:00.000Z');
  });

  it('keeps the real start of an entry that began before the window', () => {
    const rules = presetRuleSet('availability-default');
    const overnight = graphEvent({
      start: { dateTime: '2026-11-24T22:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-11-25T02:00:00.0000000', timeZone: 'UTC' },
    });
    const { absence } = absenceOf(overnight, rules);
    expect(absence.start).toBe('2026-11-24T22:00:00.000Z');
    expect(absence.end).toBe('2026-11-25T02:00:00.000Z');
  });

  it('keeps the real end of a 3-week vacation that runs past the window', () => {
    const rules = presetRuleSet('availability-default');
    const context = stockholmContext();
    const vacation = graphEvent({
      showAs: 'oof',
      start: { dateTime: '2026-12-01T08:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-12-22T17:00:00.0000000', timeZone: 'UTC' },
    });
    expect(context.window.end < '2026-12-22').toBe(true);
    const { absence } = absenceOf(vacation, rules, context);
    expect([absence.start, absence.end]).toEqual(['2026-12-01T08:00:00.000Z', '2026-12-22T17:00:00.000Z']);
  });

  it('ends an all-day vacation past the window at local midnight of its last day, in the mailbox zone', () => {
    const rules = presetRuleSet('prefixes-sv');
    const vacation = graphEvent({
      subject: 'SEM: jul',
      showAs: 'oof',
      isAllDay: true,
      start: { dateTime: '2026-12-07T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2027-01-04T00:00:00.0000000', timeZone: 'UTC' },
    });
    const { absence } = absenceOf(vacation, rules);
    expect(absence.end).toBe('2027-01-03T23:00:00.000Z');
  });

  it('is the same absence when the window has moved a day on, so the diff sends nothing', () => {
    const rules = presetRuleSet('availability-default');
    const vacation = graphEvent({
      showAs: 'oof',
      start: { dateTime: '2026-11-24T08:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-12-15T17:00:00.0000000', timeZone: 'UTC' },
    });
    const today = absenceOf(vacation, rules, stockholmContext(new Date('2026-11-25T08:00:00Z'))).absence;
    const tomorrow = absenceOf(vacation, rules, stockholmContext(new Date('2026-11-26T08:00:00Z'))).absence;
    expect(sameAbsence(today, tomorrow)).toBe(true);
    const known = [{ ...today, version: 5, deleted: false }];
    expect(diffAbsences(known, [tomorrow], { kind: 'full' }, 10)).toEqual({ upserted: [], deleted: [] });
  });
});

describe('a recurring lunch', () => {
  // Weekdays 11:30–12:15 Stockholm (10:30Z in winter). Wednesday was deleted, so delta does not
  // return it; Thursday was moved to 12:30 and renamed, so it is an exception with its own properties.
  const master = graphEvent({
    id: 'series-lunch',
    type: 'seriesMaster',
    subject: 'LUN: lunch med teamet',
    showAs: 'busy',
    recurrence: {
      pattern: { type: 'weekly', daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] },
    },
    start: { dateTime: '2026-11-30T10:30:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-11-30T11:15:00.0000000', timeZone: 'UTC' },
  });
  /** Delta returns an occurrence with only id, type, seriesMasterId, start and end; the sync fills the rest from the master. */
  const occurrence = (id: string, day: string): GraphEventJson => ({
    ...master,
    id,
    type: 'occurrence',
    seriesMasterId: 'series-lunch',
    start: { dateTime: `${day}T10:30:00.0000000`, timeZone: 'UTC' },
    end: { dateTime: `${day}T11:15:00.0000000`, timeZone: 'UTC' },
  });
  const moved = graphEvent({
    id: 'lunch-thursday',
    type: 'exception',
    seriesMasterId: 'series-lunch',
    subject: 'LUN: med kund på Operakällaren',
    start: { dateTime: '2026-12-03T11:30:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-12-03T12:30:00.0000000', timeZone: 'UTC' },
  });
  const delta = [
    master,
    occurrence('lunch-monday', '2026-11-30'),
    occurrence('lunch-tuesday', '2026-12-01'),
    moved,
    occurrence('lunch-friday', '2026-12-04'),
  ];

  it('yields one absence per remaining occurrence, each carrying the series master id', () => {
    const rules = withSubjects(presetRuleSet('prefixes-sv'));
    const evaluations = delta.map((event) => explainGraphEvent({ event }, rules, stockholmContext()));
    const absences = evaluations.flatMap((result) =>
      result.kind === 'ok' && result.value.evaluation.outcome === 'absence'
        ? [result.value.evaluation.absence]
        : [],
    );
    expect(evaluations[0]).toMatchObject({ kind: 'ok', value: { evaluation: { outcome: 'skip' } } });
    expect(
      absences.map(({ eventId, seriesMasterId, start, end, subject, reason }) => ({
        eventId,
        seriesMasterId,
        start,
        end,
        subject,
        reason: reason.code,
      })),
    ).toEqual([
      {
        eventId: 'lunch-monday',
        seriesMasterId: 'series-lunch',
        start: '2026-11-30T10:30:00.000Z',
        end: '2026-11-30T11:15:00.000Z',
        subject: 'lunch med teamet',
        reason: 'lunch',
      },
      {
        eventId: 'lunch-tuesday',
        seriesMasterId: 'series-lunch',
        start: '2026-12-01T10:30:00.000Z',
        end: '2026-12-01T11:15:00.000Z',
        subject: 'lunch med teamet',
        reason: 'lunch',
      },
      {
        eventId: 'lunch-thursday',
        seriesMasterId: 'series-lunch',
        start: '2026-12-03T11:30:00.000Z',
        end: '2026-12-03T12:30:00.000Z',
        subject: 'med kund på Operakällaren',
        reason: 'lunch',
      },
      {
        eventId: 'lunch-friday',
        seriesMasterId: 'series-lunch',
        start: '2026-12-04T10:30:00.000Z',
        end: '2026-12-04T11:15:00.000Z',
        subject: 'lunch med teamet',
        reason: 'lunch',
      },
    ]);
    expect(new Set(absences.map((absence) => absence.id)).size).toBe(4);
    expect(absences[0]!.id).toBe(absenceIdFor('lunch-monday'));
  });
});

describe('explain', () => {
  const rules = presetRuleSet('prefixes-sv');

  it('reports what is wrong with the pasted event instead of evaluating it', () => {
    expect(explainGraphEvent({ event: { subject: 'LUN:' } }, rules, stockholmContext())).toEqual({
      kind: 'invalid',
      reason: expect.stringContaining('id: '),
      path: 'event.id',
    });
    // A missing showAs is no error: it reads as busy, as in the sync.
    expect(explainGraphEvent({ event: { id: 'e', subject: 'LUN:' } }, rules, stockholmContext())).toEqual({
      kind: 'invalid',
      reason: 'start: required',
      path: 'event.start',
    });
  });

  it('asks for the series master of an occurrence that comes with its times only', () => {
    const {
      subject: _,
      showAs: _showAs,
      ...timesOnly
    } = graphEvent({ type: 'occurrence', seriesMasterId: 'm' });
    expect(explainGraphEvent({ event: timesOnly }, rules, stockholmContext())).toMatchObject({
      kind: 'invalid',
      path: 'master',
    });
    const master = graphEvent({ id: 'm', type: 'seriesMaster', subject: 'LUN: pizza', showAs: 'busy' });
    expect(explainGraphEvent({ event: timesOnly, master }, rules, stockholmContext())).toMatchObject({
      kind: 'ok',
      value: { evaluation: { outcome: 'absence', decidedBy: 'prefix:LUN:' }, entry: { seriesMasterId: 'm' } },
    });
  });
});

describe('the examples in docs/rules.md', () => {
  const rules = withSubjects(presetRuleSet('prefixes-sv'));
  const sharing = withSubjects(presetRuleSet('prefixes-sv'));
  sharing.settings.privateEvents = 'busyWithoutSubject';
  const declined = { isOrganizer: false, responseStatus: { response: 'declined' as const } };
  const examples: [Partial<GraphEventJson>, RuleSet, object][] = [
    [
      { subject: 'LUN: pizza', showAs: 'free' },
      rules,
      {
        decidedBy: 'prefix:LUN:',
        absence: { reason: { code: 'lunch' }, callHandling: 'diversion', subject: 'pizza' },
      },
    ],
    [
      { subject: 'sju: förkyld' },
      rules,
      { absence: { reason: { code: 'sick' }, callHandling: 'diversion', subject: 'förkyld' } },
    ],
    [
      { subject: 'Efter LUN: samtal', showAs: 'free' },
      rules,
      { outcome: 'skip', why: 'show as free is not synced' },
    ],
    [
      { subject: 'Styrgrupp', categories: ['meeting'] },
      rules,
      { decidedBy: 'category:Meeting', absence: { reason: { code: 'meeting' }, callHandling: 'diversion' } },
    ],
    [
      { subject: 'Styrgrupp' },
      rules,
      { decidedBy: 'availability:busy', absence: { reason: { code: 'busy' }, callHandling: 'information' } },
    ],
    [
      { subject: 'SJU: läkare', sensitivity: 'private' },
      rules,
      { outcome: 'skip', why: 'private (privateEvents: skip)' },
    ],
    [
      { subject: 'SJU: läkare', sensitivity: 'private' },
      sharing,
      { decidedBy: 'availability:busy', absence: { reason: { code: 'busy' }, callHandling: 'information' } },
    ],
    [{ subject: 'MOT: Styrgrupp', ...declined }, rules, { outcome: 'skip', why: 'declined by the user' }],
  ];
  it.each(examples)('%j', (overrides, ruleSet, expected) => {
    expect(evaluate(entryOf(graphEvent(overrides)), ruleSet, stockholmContext())).toMatchObject(expected);
  });
});
