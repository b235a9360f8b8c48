import type { CallHandling } from '../../shared/domain/absence';
import { SHOW_AS_VALUES, type ShowAs } from '../../shared/domain/calendarEntry';
import { PRESET_NAMES, type PresetName, presetRuleSet } from '../../shared/domain/rules/presets';
import { ruleSetSchema } from '../../shared/domain/rules/ruleSet';
import { explainGraphEvent } from '../../shared/management/explainEvent';
import { type GraphEventJson, graphEvent, stockholmContext } from './graphEventFixture';

type Expected =
  | { absence: string; handling: CallHandling; decidedBy: string; subject?: string }
  | { skip: string };

interface Row {
  event: Partial<GraphEventJson>;
  expected: Expected;
}

function run(preset: PresetName, row: Row, showSubjects = true) {
  const rules = presetRuleSet(preset);
  rules.settings.showSubjects = showSubjects;
  const result = explainGraphEvent({ event: graphEvent(row.event) }, rules, stockholmContext());
  if (result.kind !== 'ok') throw new Error(result.reason);
  return result.value.evaluation;
}

function check(preset: PresetName, row: Row) {
  const evaluation = run(preset, row);
  if ('skip' in row.expected) {
    expect(evaluation).toEqual({ outcome: 'skip', why: row.expected.skip });
    return;
  }
  expect(evaluation.outcome).toBe('absence');
  if (evaluation.outcome !== 'absence') return;
  expect(evaluation.decidedBy).toBe(row.expected.decidedBy);
  expect(evaluation.absence.reason.code).toBe(row.expected.absence);
  expect(evaluation.absence.callHandling).toBe(row.expected.handling);
  expect(evaluation.absence.subject).toBe(row.expected.subject);
}

const availabilityRows: [ShowAs, Expected][] = [
  ['busy', { absence: 'busy', handling: 'information', decidedBy: 'availability:busy', subject: 'Planning' }],
  [
    'oof',
    { absence: 'out-of-office', handling: 'information', decidedBy: 'availability:oof', subject: 'Planning' },
  ],
  ['free', { skip: 'show as free is not synced' }],
  ['tentative', { skip: 'show as tentative is not synced' }],
  ['workingElsewhere', { skip: 'show as workingElsewhere is not synced' }],
  ['unknown', { skip: 'show as unknown is not synced' }],
];

describe.each(PRESET_NAMES)('preset %s', (preset) => {
  it('parses with the rule set schema and comes back unchanged', () => {
    const rules = presetRuleSet(preset);
    expect(ruleSetSchema.parse(rules)).toEqual(rules);
    expect(rules.preset).toBe(preset);
  });

  it('is a fresh copy every time', () => {
    const edited = presetRuleSet(preset);
    edited.reasons[0]!.name = 'Edited';
    edited.availability.free.sync = true;
    const fresh = presetRuleSet(preset);
    expect(fresh.reasons[0]!.name).not.toBe('Edited');
    expect(fresh.availability.free.sync).toBe(false);
  });

  it.each(availabilityRows)('keeps the default availability row for %s', (showAs, expected) => {
    check(preset, { event: { showAs }, expected });
  });

  it('covers every show-as value in the table above', () => {
    expect(availabilityRows.map(([showAs]) => showAs).sort()).toEqual([...SHOW_AS_VALUES].sort());
  });
});

describe('preset prefixes-sv (Bredband2 subject prefixes)', () => {
  const rows: [string, Row][] = [
    [
      'HEM:',
      {
        event: { subject: 'HEM: jobbar hemifrån', showAs: 'workingElsewhere' },
        expected: {
          absence: 'working-from-home',
          handling: 'information',
          decidedBy: 'prefix:HEM:',
          subject: 'jobbar hemifrån',
        },
      },
    ],
    [
      'SJU: in lower case',
      {
        event: { subject: 'sju: förkyld, åter på måndag' },
        expected: {
          absence: 'sick',
          handling: 'diversion',
          decidedBy: 'prefix:SJU:',
          subject: 'förkyld, åter på måndag',
        },
      },
    ],
    [
      'SLU:',
      {
        event: { subject: 'SLU:Tandläkare' },
        expected: {
          absence: 'gone-for-the-day',
          handling: 'diversion',
          decidedBy: 'prefix:SLU:',
          subject: 'Tandläkare',
        },
      },
    ],
    [
      'UPP:',
      {
        event: { subject: '  UPP: Budgetgenomgång' },
        expected: {
          absence: 'busy',
          handling: 'diversion',
          decidedBy: 'prefix:UPP:',
          subject: 'Budgetgenomgång',
        },
      },
    ],
    [
      'LUN: marked Free still counts',
      {
        event: { subject: 'LUN: pizza', showAs: 'free' },
        expected: { absence: 'lunch', handling: 'diversion', decidedBy: 'prefix:LUN:', subject: 'pizza' },
      },
    ],
    [
      'MOT:',
      {
        event: { subject: 'Mot: kund i Göteborg', showAs: 'tentative' },
        expected: {
          absence: 'meeting',
          handling: 'diversion',
          decidedBy: 'prefix:MOT:',
          subject: 'kund i Göteborg',
        },
      },
    ],
    [
      'UTE:',
      {
        event: { subject: 'UTE: kundbesök Västerås' },
        expected: {
          absence: 'out-of-office',
          handling: 'diversion',
          decidedBy: 'prefix:UTE:',
          subject: 'kundbesök Västerås',
        },
      },
    ],
    [
      'SEM:',
      {
        event: { subject: 'SEM: Mallorca', showAs: 'oof' },
        expected: {
          absence: 'vacation',
          handling: 'diversion',
          decidedBy: 'prefix:SEM:',
          subject: 'Mallorca',
        },
      },
    ],
    [
      'a prefix alone leaves no subject',
      {
        event: { subject: 'LUN:' },
        expected: { absence: 'lunch', handling: 'diversion', decidedBy: 'prefix:LUN:' },
      },
    ],
    [
      'a prefix in the middle is not a prefix',
      {
        event: { subject: 'Efter LUN: samtal', showAs: 'free' },
        expected: { skip: 'show as free is not synced' },
      },
    ],
    [
      'a category',
      {
        event: { subject: 'Anna och Erik', showAs: 'free', categories: ['Blue category', 'lunch'] },
        expected: {
          absence: 'lunch',
          handling: 'diversion',
          decidedBy: 'category:Lunch',
          subject: 'Anna och Erik',
        },
      },
    ],
  ];

  it.each(rows)('%s', (_name, row) => check('prefixes-sv', row));

  it('has a row above for every prefix of the preset', () => {
    const tested = new Set(
      rows.flatMap(([, row]) => ('decidedBy' in row.expected ? [row.expected.decidedBy] : [])),
    );
    for (const { prefix } of presetRuleSet('prefixes-sv').prefixes)
      expect(tested).toContain(`prefix:${prefix}`);
  });

  it.each(presetRuleSet('prefixes-sv').categories)('category $category counts on a Free entry', (rule) => {
    check('prefixes-sv', {
      event: { subject: 'Anna', showAs: 'free', categories: [rule.category.toUpperCase()] },
      expected: {
        absence: rule.reasonCode,
        handling: rule.callHandling,
        decidedBy: `category:${rule.category}`,
        subject: 'Anna',
      },
    });
  });
});

describe('preset triggers-en-sv (Infracom trigger words)', () => {
  const absence = (
    code: string,
    phrase: string,
    subject: string,
    handling: CallHandling = 'diversion',
  ): Row => ({
    event: { subject, showAs: 'free' },
    // Subjects leave in NFC, whatever form the client typed them in.
    expected: { absence: code, handling, decidedBy: `trigger:${phrase}`, subject: subject.normalize('NFC') },
  });
  const rows: [string, Row][] = [
    ['Gone for the day', absence('gone-for-the-day', 'Gone for the day', 'Gone for the day, back tomorrow')],
    ['Gått för dagen', absence('gone-for-the-day', 'Gått för dagen', 'Gått för dagen – hämtar på förskolan')],
    ['GFD', absence('gone-for-the-day', 'GFD', 'gfd')],
    ['Lunch', absence('lunch', 'Lunch', 'Lunch with Anna')],
    ['LUN', absence('lunch', 'LUN', 'LUN Kvarnen')],
    ['Meeting', absence('meeting', 'Meeting', 'Project meeting')],
    ['Möte', absence('meeting', 'Möte', 'Möte med styrelsen')],
    ['Möte typed with a combining diaeresis', absence('meeting', 'Möte', 'Mo\u0308te med styrelsen')],
    ['MÖT', absence('meeting', 'MÖT', 'möt kund')],
    ['Holiday', absence('vacation', 'Holiday', 'Holiday in Spain')],
    ['Semester', absence('vacation', 'Semester', 'SEMESTER')],
    ['HOL', absence('vacation', 'HOL', 'HOL')],
    ['Sick', absence('sick', 'Sick', 'Sick')],
    ['Sjuk', absence('sick', 'Sjuk', 'Sjuk (VAB)')],
    ['Do not disturb', absence('do-not-disturb', 'Do not disturb', 'Do not disturb - focus time')],
    ['Stör ej', absence('do-not-disturb', 'Stör ej', 'Fokus: stör ej')],
    ['DND', absence('do-not-disturb', 'DND', 'DND')],
    [
      'Temporarily unavailable',
      absence('temporarily-out', 'Temporarily unavailable', 'Temporarily unavailable'),
    ],
    ['Tillfälligt ute', absence('temporarily-out', 'Tillfälligt ute', 'Tillfälligt ute, postkontoret')],
    ['UTE', absence('temporarily-out', 'UTE', 'Ute en stund')],
    ['Available', absence('available', 'Available', 'Available for calls', 'information')],
    ['Tillgänglig', absence('available', 'Tillgänglig', 'Tillgänglig', 'information')],
    ['Away on business', absence('business-trip', 'Away on business', 'Away on business: Oslo')],
    ['Tjänsteresa', absence('business-trip', 'Tjänsteresa', 'Tjänsteresa Oslo')],
    ['TJR', absence('business-trip', 'TJR', 'TJR Oslo')],
    ['On leave', absence('leave', 'On leave', 'On leave')],
    ['Tjänstledig', absence('leave', 'Tjänstledig', 'Tjänstledig')],
    ['TJL', absence('leave', 'TJL', 'TJL')],
    ['Out of office', absence('out-of-office', 'Out of office', 'Out of office')],
    [
      'Ute på arbete beats the abbreviation UTE',
      absence('out-of-office', 'Ute på arbete', 'Ute på arbete i Kista'),
    ],
    ['Parental leave', absence('parental-leave', 'Parental leave', 'Parental leave')],
    ['Föräldraledig', absence('parental-leave', 'Föräldraledig', 'FÖRÄLDRALEDIG')],
    [
      'Lunchmöte is one word and matches neither Lunch nor Möte',
      {
        event: { subject: 'Lunchmöte med teamet', showAs: 'free' },
        expected: { skip: 'show as free is not synced' },
      },
    ],
    [
      'Lunchroom booking does not match Lunch',
      {
        event: { subject: 'Lunchroom booking', showAs: 'free' },
        expected: { skip: 'show as free is not synced' },
      },
    ],
    [
      'a busy entry without trigger falls back to availability',
      {
        event: { subject: 'Lunchmöte med teamet', showAs: 'busy' },
        expected: {
          absence: 'busy',
          handling: 'information',
          decidedBy: 'availability:busy',
          subject: 'Lunchmöte med teamet',
        },
      },
    ],
    [
      'a category',
      {
        event: { subject: 'Anna och Erik', showAs: 'busy', categories: ['Parental leave'] },
        expected: {
          absence: 'parental-leave',
          handling: 'diversion',
          decidedBy: 'category:Parental leave',
          subject: 'Anna och Erik',
        },
      },
    ],
  ];

  it.each(rows)('%s', (_name, row) => check('triggers-en-sv', row));

  it('has a row above for every trigger of the preset', () => {
    const tested = new Set(
      rows.flatMap(([, row]) => ('decidedBy' in row.expected ? [row.expected.decidedBy] : [])),
    );
    for (const { phrase } of presetRuleSet('triggers-en-sv').triggers)
      expect(tested).toContain(`trigger:${phrase}`);
  });

  it('keeps subjects out when showSubjects is off, as the presets ship', () => {
    const evaluation = run(
      'triggers-en-sv',
      { event: { subject: 'Lunch with Anna' }, expected: { skip: '' } },
      false,
    );
    expect(evaluation).toMatchObject({ outcome: 'absence', decidedBy: 'trigger:Lunch' });
    expect(evaluation.outcome === 'absence' && 'subject' in evaluation.absence).toBe(false);
  });
});
