import fc from 'fast-check';
import { CALL_HANDLING_VALUES } from '../../shared/domain/absence';
import {
  type CalendarEntry,
  type EntryKind,
  RESPONSE_VALUES,
  type ResponseStatus,
  SENSITIVITY_VALUES,
  type Sensitivity,
  SHOW_AS_VALUES,
} from '../../shared/domain/calendarEntry';
import { type EvaluationContext, evaluate, isPrivate } from '../../shared/domain/rules/evaluate';
import { PRESET_NAMES, presetRuleSet, REASON_CATALOGUE } from '../../shared/domain/rules/presets';
import { PRIVATE_EVENT_MODES, type RuleSet, ruleSetSchema } from '../../shared/domain/rules/ruleSet';
import { syncWindowFor } from '../../shared/domain/syncWindow';

const KINDS: EntryKind[] = ['singleInstance', 'occurrence', 'exception', 'seriesMaster'];
const WORDS = [
  'LUN:',
  'lun:',
  'SEM:',
  'Lunch',
  'Möte',
  'Mo\u0308te',
  'UTE',
  'på',
  'GFD',
  'Sick',
  'DND',
  ' ',
  '',
  '–',
];
const codes = REASON_CATALOGUE.map((reason) => reason.code);

const instant = fc.date({
  min: new Date('2026-10-10T00:00:00Z'),
  max: new Date('2026-12-10T00:00:00Z'),
  noInvalidDate: true,
});
const dateOf = (date: Date) => date.toISOString().slice(0, 10);
const isoDate = instant.map(dateOf);
/** Mostly forwards, sometimes zero or backwards, up to five days. */
const span = fc
  .tuple(instant, fc.integer({ min: -60, max: 5 * 24 * 60 }))
  .map(([start, minutes]) => ({ start: iso(start), end: iso(new Date(start.getTime() + minutes * 60_000)) }));

/** Subjects built from words the presets react to, mixed with arbitrary text. */
const subject = fc.oneof(
  fc.string(),
  fc
    .array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: 5 })
    .map((parts) => parts.join(' ')),
  fc
    .tuple(fc.constantFrom('LUN:', 'sem:', 'HEM: ', 'Padel'), fc.string())
    .map(([start, rest]) => start + rest),
);

/** Mostly the usual value, sometimes anything: keeps cancelled, declined and masters from drowning the rest. */
function rarely<T>(usual: T, any: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(usual), weight }, { arbitrary: any, weight: 1 });
}

const entry: fc.Arbitrary<CalendarEntry> = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 20 }),
    kind: rarely<EntryKind>('singleInstance', fc.constantFrom(...KINDS)),
    seriesMasterId: fc.string({ minLength: 1, maxLength: 10 }),
    subject,
    showAs: fc.constantFrom(...SHOW_AS_VALUES),
    sensitivity: rarely<Sensitivity>('normal', fc.constantFrom(...SENSITIVITY_VALUES), 1),
    categories: fc.array(
      fc.oneof(fc.constantFrom(...REASON_CATALOGUE.map((reason) => reason.name)), fc.string()),
      {
        maxLength: 3,
      },
    ),
    isCancelled: rarely(false, fc.boolean()),
    responseStatus: rarely<ResponseStatus>('accepted', fc.constantFrom(...RESPONSE_VALUES)),
    timing: fc.oneof(
      { arbitrary: span.map((times) => ({ kind: 'timed' as const, ...times })), weight: 6 },
      {
        arbitrary: fc.record({ kind: fc.constant('timed' as const), start: fc.string(), end: fc.string() }),
        weight: 1,
      },
      {
        arbitrary: fc.tuple(instant, fc.integer({ min: 0, max: 5 })).map(([start, days]) => ({
          kind: 'allDay' as const,
          startDate: dateOf(start),
          endDate: dateOf(new Date(start.getTime() + days * 86_400_000)),
        })),
        weight: 3,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant('allDay' as const),
          startDate: fc.string(),
          endDate: isoDate,
        }),
        weight: 1,
      },
    ),
  },
  {
    requiredKeys: [
      'id',
      'kind',
      'subject',
      'showAs',
      'sensitivity',
      'categories',
      'isCancelled',
      'responseStatus',
      'timing',
    ],
  },
);

function iso(date: Date): string {
  return date.toISOString();
}

const outcome = fc.record({
  reasonCode: fc.constantFrom(...codes),
  callHandling: fc.constantFrom(...CALL_HANDLING_VALUES),
});

/** A preset as an admin might have edited it; kept only if the schema accepts it. */
const ruleSet: fc.Arbitrary<RuleSet> = fc
  .record({
    preset: fc.constantFrom(...PRESET_NAMES),
    showSubjects: fc.boolean(),
    privateEvents: fc.constantFrom(...PRIVATE_EVENT_MODES),
    rows: fc.array(fc.tuple(fc.constantFrom(...SHOW_AS_VALUES), outcome, fc.boolean()), { maxLength: 3 }),
    prefixes: fc.array(fc.tuple(fc.constantFrom(...WORDS, 'HEM:', 'X'), outcome), { maxLength: 2 }),
    triggers: fc.array(
      fc.tuple(fc.oneof(fc.constantFrom(...WORDS), fc.string({ minLength: 1, maxLength: 8 })), outcome),
      {
        maxLength: 2,
      },
    ),
    categories: fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), outcome), { maxLength: 2 }),
  })
  .map((edit) => {
    const rules = presetRuleSet(edit.preset);
    rules.settings.showSubjects = edit.showSubjects;
    rules.settings.privateEvents = edit.privateEvents;
    for (const [showAs, result, sync] of edit.rows) rules.availability[showAs] = { sync, ...result };
    rules.prefixes.push(...edit.prefixes.map(([prefix, result]) => ({ prefix, ...result })));
    rules.triggers.unshift(...edit.triggers.map(([phrase, result]) => ({ phrase, ...result })));
    rules.categories.push(...edit.categories.map(([category, result]) => ({ category, ...result })));
    return ruleSetSchema.safeParse(rules);
  })
  .filter((parsed) => parsed.success)
  .map((parsed) => parsed.data as RuleSet);

const context: fc.Arbitrary<EvaluationContext> = fc.record({
  timeZone: fc.constantFrom(
    'Europe/Stockholm',
    'UTC',
    'America/Santiago',
    'Pacific/Chatham',
    'Asia/Kolkata',
    'Nowhere/Atlantis',
  ),
  window: fc
    .tuple(
      fc.date({
        min: new Date('2026-10-15T00:00:00Z'),
        max: new Date('2026-11-15T00:00:00Z'),
        noInvalidDate: true,
      }),
      fc.integer({ min: 1, max: 60 }),
    )
    .map(([now, days]) => syncWindowFor(now, days)),
  userTriggers: fc.array(
    fc
      .tuple(
        fc.constantFrom(...WORDS, 'Padel'),
        fc.record({
          reasonCode: fc.constantFrom(...codes, 'gone'),
          callHandling: fc.constantFrom(...CALL_HANDLING_VALUES),
        }),
      )
      .map(([phrase, result]) => ({ phrase, ...result })),
    { maxLength: 2 },
  ),
});

const runs = { numRuns: 300 };

describe('evaluate, for any entry and any valid rule set', () => {
  it('never throws and gives the same answer twice', () => {
    fc.assert(
      fc.property(entry, ruleSet, context, (anyEntry, rules, ctx) => {
        expect(evaluate(anyEntry, rules, ctx)).toEqual(
          evaluate(structuredClone(anyEntry), structuredClone(rules), ctx),
        );
      }),
      runs,
    );
  });

  it('never lets a subject out of a private, confidential or personal entry, nor when subjects are off', () => {
    fc.assert(
      fc.property(entry, ruleSet, context, (anyEntry, rules, ctx) => {
        const evaluation = evaluate(anyEntry, rules, ctx);
        if (evaluation.outcome !== 'absence') return;
        if (anyEntry.sensitivity !== 'normal' || !rules.settings.showSubjects) {
          expect(evaluation.absence).not.toHaveProperty('subject');
        } else if ('subject' in evaluation.absence) {
          expect(evaluation.absence.subject).not.toBe('');
          expect(evaluation.absence.subject).toBe(evaluation.absence.subject?.trim());
        }
      }),
      runs,
    );
  });

  it('only yields absences that start before they end, overlap the window and keep their own times', () => {
    fc.assert(
      fc.property(entry, ruleSet, context, (anyEntry, rules, ctx) => {
        const evaluation = evaluate(anyEntry, rules, ctx);
        if (evaluation.outcome !== 'absence') return;
        const { start, end } = evaluation.absence;
        expect(Date.parse(start)).toBeLessThan(Date.parse(end));
        expect(Date.parse(start)).toBeLessThan(Date.parse(ctx.window.end));
        expect(Date.parse(end)).toBeGreaterThan(Date.parse(ctx.window.start));
        // The window picks entries, it does not shape them: a wider one gives the very same absence.
        const wider = { start: '2000-01-01T00:00:00.000Z', end: '2100-01-01T00:00:00.000Z' };
        expect(evaluate(anyEntry, rules, { ...ctx, window: wider })).toEqual(evaluation);
        expect(anyEntry.isCancelled).toBe(false);
        expect(anyEntry.responseStatus).not.toBe('declined');
        expect(anyEntry.kind).not.toBe('seriesMaster');
      }),
      runs,
    );
  });

  it('decides a private entry by availability alone, or skips it', () => {
    fc.assert(
      fc.property(entry, ruleSet, context, subject, (anyEntry, rules, ctx, otherSubject) => {
        fc.pre(isPrivate(anyEntry.sensitivity));
        const evaluation = evaluate(anyEntry, rules, ctx);
        const disguised = evaluate({ ...anyEntry, subject: otherSubject, categories: ['Lunch'] }, rules, ctx);
        expect(disguised).toEqual(evaluation);
        if (rules.settings.privateEvents === 'skip') expect(evaluation.outcome).toBe('skip');
        if (evaluation.outcome === 'absence')
          expect(evaluation.decidedBy).toBe(`availability:${anyEntry.showAs}`);
      }),
      runs,
    );
  });
});

describe('the generators above', () => {
  it('reach the interesting cases, so the properties are not vacuous', () => {
    const samples = fc.sample(fc.tuple(entry, ruleSet, context), { numRuns: 400, seed: 42 });
    const evaluations = samples.map(([anyEntry, rules, ctx]) => ({
      anyEntry,
      evaluation: evaluate(anyEntry, rules, ctx),
    }));
    const absences = evaluations.flatMap(({ anyEntry, evaluation }) =>
      evaluation.outcome === 'absence' ? [{ anyEntry, evaluation }] : [],
    );
    const decidedBy = new Set(absences.map(({ evaluation }) => evaluation.decidedBy.split(':')[0]));
    expect(decidedBy).toEqual(new Set(['prefix', 'trigger', 'userTrigger', 'category', 'availability']));
    expect(absences.some(({ evaluation }) => evaluation.absence.subject !== undefined)).toBe(true);
    expect(absences.some(({ anyEntry }) => isPrivate(anyEntry.sensitivity))).toBe(true);
    expect(absences.some(({ anyEntry }) => anyEntry.timing.kind === 'allDay')).toBe(true);
  });
});
