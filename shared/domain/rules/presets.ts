// Starting points for an integration's rules, each reproducing one of the
// calendar integrations customers are moving from (docs/rules.md has the
// tables). Reason codes are ours; an operator renames them to the PBX's own.

import type { CallHandling, Reason } from '../absence';
import { DEFAULT_STATUS_SETTINGS, type RuleSet } from './ruleSet';
import { wordsOf } from './textMatching';

export const PRESET_NAMES = ['availability-default', 'prefixes-sv', 'triggers-en-sv'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const REASON_CATALOGUE: readonly Reason[] = [
  { code: 'available', name: 'Available' },
  { code: 'busy', name: 'Busy' },
  { code: 'lunch', name: 'Lunch' },
  { code: 'meeting', name: 'Meeting' },
  { code: 'vacation', name: 'Vacation' },
  { code: 'sick', name: 'Sick' },
  { code: 'gone-for-the-day', name: 'Gone for the day' },
  { code: 'working-from-home', name: 'Working from home' },
  { code: 'do-not-disturb', name: 'Do not disturb' },
  { code: 'temporarily-out', name: 'Temporarily out' },
  { code: 'business-trip', name: 'Business trip' },
  { code: 'leave', name: 'Leave' },
  { code: 'parental-leave', name: 'Parental leave' },
  { code: 'out-of-office', name: 'Out of office' },
];

/**
 * Telenor's default template (seed 003): Busy and Out of office are shown as
 * information, nothing diverts calls, everything else is left alone.
 */
function availabilityDefault(): RuleSet {
  return {
    preset: 'availability-default',
    reasons: REASON_CATALOGUE.map((reason) => ({ ...reason })),
    availability: {
      free: { sync: false, callHandling: 'information' },
      tentative: { sync: false, callHandling: 'information' },
      busy: { sync: true, reasonCode: 'busy', callHandling: 'information' },
      oof: { sync: true, reasonCode: 'out-of-office', callHandling: 'information' },
      workingElsewhere: { sync: false, callHandling: 'information' },
      unknown: { sync: false, callHandling: 'information' },
    },
    prefixes: [],
    triggers: [],
    categories: [],
    // As the oof row: someone who only turns on "out of office" in Outlook is shown away too.
    automaticReplies: { sync: true, reasonCode: 'out-of-office', callHandling: 'information' },
    settings: { syncDaysForward: 14, showSubjects: false, privateEvents: 'skip' },
    status: structuredClone(DEFAULT_STATUS_SETTINGS),
  };
}

type Outcome = { reasonCode: string; callHandling: CallHandling };

/** Tagging an entry with a reason's display name as Outlook category means that reason. */
function categoriesFor(outcomes: readonly Outcome[]): RuleSet['categories'] {
  const seen = new Set<string>();
  return outcomes.flatMap(({ reasonCode, callHandling }) => {
    const reason = REASON_CATALOGUE.find((candidate) => candidate.code === reasonCode);
    if (!reason || seen.has(reasonCode)) return [];
    seen.add(reasonCode);
    return [{ category: reason.name, reasonCode, callHandling }];
  });
}

/**
 * Bredband2's subject prefixes (seed 002). Calls divert, except when working
 * from home: that person still answers.
 */
function prefixesSv(): RuleSet {
  const prefixes: RuleSet['prefixes'] = [
    { prefix: 'HEM:', reasonCode: 'working-from-home', callHandling: 'information' },
    { prefix: 'SJU:', reasonCode: 'sick', callHandling: 'diversion' },
    { prefix: 'SLU:', reasonCode: 'gone-for-the-day', callHandling: 'diversion' },
    { prefix: 'UPP:', reasonCode: 'busy', callHandling: 'diversion' },
    { prefix: 'LUN:', reasonCode: 'lunch', callHandling: 'diversion' },
    { prefix: 'MOT:', reasonCode: 'meeting', callHandling: 'diversion' },
    { prefix: 'UTE:', reasonCode: 'out-of-office', callHandling: 'diversion' },
    { prefix: 'SEM:', reasonCode: 'vacation', callHandling: 'diversion' },
  ];
  return {
    ...availabilityDefault(),
    preset: 'prefixes-sv',
    prefixes,
    categories: categoriesFor(prefixes),
    // UTE: diverts, and an Outlook "out of office" means the same.
    automaticReplies: { sync: true, reasonCode: 'out-of-office', callHandling: 'diversion' },
  };
}

/** Infracom's standard profiles and trigger words (seed 001), with the Swedish profile names as words too. */
const INFRACOM_PROFILES: readonly (Outcome & { phrases: readonly string[] })[] = [
  {
    reasonCode: 'gone-for-the-day',
    callHandling: 'diversion',
    phrases: ['Gone for the day', 'Gått för dagen', 'GFD'],
  },
  { reasonCode: 'lunch', callHandling: 'diversion', phrases: ['Lunch', 'LUN'] },
  { reasonCode: 'meeting', callHandling: 'diversion', phrases: ['Meeting', 'Möte', 'MÖT'] },
  { reasonCode: 'vacation', callHandling: 'diversion', phrases: ['Holiday', 'Semester', 'HOL'] },
  { reasonCode: 'sick', callHandling: 'diversion', phrases: ['Sick', 'Sjuk'] },
  { reasonCode: 'do-not-disturb', callHandling: 'diversion', phrases: ['Do not disturb', 'Stör ej', 'DND'] },
  {
    reasonCode: 'temporarily-out',
    callHandling: 'diversion',
    phrases: ['Temporarily unavailable', 'Tillfälligt ute', 'UTE'],
  },
  { reasonCode: 'available', callHandling: 'information', phrases: ['Available', 'Tillgänglig'] },
  {
    reasonCode: 'business-trip',
    callHandling: 'diversion',
    phrases: ['Away on business', 'Tjänsteresa', 'TJR'],
  },
  { reasonCode: 'leave', callHandling: 'diversion', phrases: ['On leave', 'Tjänstledig', 'TJL'] },
  { reasonCode: 'out-of-office', callHandling: 'diversion', phrases: ['Out of office', 'Ute på arbete'] },
  { reasonCode: 'parental-leave', callHandling: 'diversion', phrases: ['Parental leave', 'Föräldraledig'] },
];

/**
 * The first matching trigger wins, so longer phrases go first: "Ute på
 * arbete" must reach Out of office before the abbreviation UTE claims it.
 */
function triggersEnSv(): RuleSet {
  const triggers = INFRACOM_PROFILES.flatMap(({ reasonCode, callHandling, phrases }) =>
    phrases.map((phrase) => ({ phrase, reasonCode, callHandling })),
  ).sort((a, b) => wordsOf(b.phrase).length - wordsOf(a.phrase).length);
  return {
    ...availabilityDefault(),
    preset: 'triggers-en-sv',
    triggers,
    categories: categoriesFor(INFRACOM_PROFILES),
    // "Out of office" diverts in Infracom's profiles, and so does Outlook's.
    automaticReplies: { sync: true, reasonCode: 'out-of-office', callHandling: 'diversion' },
  };
}

const BUILDERS: Record<PresetName, () => RuleSet> = {
  'availability-default': availabilityDefault,
  'prefixes-sv': prefixesSv,
  'triggers-en-sv': triggersEnSv,
};

/** A fresh copy every call: the caller edits it into the integration's own rules. */
export function presetRuleSet(name: PresetName): RuleSet {
  return structuredClone(BUILDERS[name]());
}
