// The automatic replies' rules row and the entry the sync makes of the
// mailbox's setting: what the rules make of it, what a rule set may say, and
// which readings count as a change.

import {
  automaticRepliesEntry,
  automaticRepliesEventId,
  observedState,
  settingChanged,
} from '../../shared/domain/automaticReplies';
import { absenceIdFor, evaluate } from '../../shared/domain/rules/evaluate';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { type RuleSet, ruleSetSchema } from '../../shared/domain/rules/ruleSet';
import { syncWindowFor } from '../../shared/domain/syncWindow';

const NOW = new Date('2026-11-25T08:00:00Z');
const window = syncWindowFor(NOW, 14);
const context = { timeZone: 'Europe/Stockholm', window };
const scheduled = {
  status: 'scheduled',
  start: '2026-11-26T07:00:00.000Z',
  end: '2026-11-27T16:00:00.000Z',
} as const;

function entry(state: Parameters<typeof automaticRepliesEntry>[1]) {
  const made = automaticRepliesEntry('anna-id', state, window);
  if (!made) throw new Error('no entry');
  return made;
}

function issuesOf(input: unknown): string[] {
  const parsed = ruleSetSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
}

describe('automatic replies as an absence', () => {
  it('a scheduled reply is an absence over its schedule, by the row, with no subject even where subjects are shown', () => {
    const rules: RuleSet = presetRuleSet('prefixes-sv');
    rules.settings.showSubjects = true;
    const verdict = evaluate(entry(scheduled), rules, context);
    expect(verdict).toEqual({
      outcome: 'absence',
      decidedBy: 'automaticReplies',
      absence: {
        id: absenceIdFor(automaticRepliesEventId('anna-id')),
        eventId: automaticRepliesEventId('anna-id'),
        start: scheduled.start,
        end: scheduled.end,
        reason: { code: 'out-of-office', name: 'Out of office' },
        callHandling: 'diversion',
      },
    });
  });

  it('is not matched by prefixes, triggers or categories, and the row off means no absence', () => {
    const rules = presetRuleSet('availability-default');
    rules.triggers = [{ phrase: 'out', reasonCode: 'vacation', callHandling: 'diversion' }];
    expect(evaluate(entry(scheduled), rules, context)).toMatchObject({
      outcome: 'absence',
      absence: { reason: { code: 'out-of-office' }, callHandling: 'information' },
    });
    rules.automaticReplies = { sync: false, reasonCode: 'out-of-office', callHandling: 'information' };
    expect(evaluate(entry(scheduled), rules, context)).toEqual({
      outcome: 'skip',
      why: 'automatic replies are not synced',
    });
  });

  it('an always-on reply runs from when it was first seen to the end of the window; off makes no entry', () => {
    const since = '2026-11-25T07:59:00.000Z';
    expect(entry({ status: 'alwaysEnabled', since }).timing).toEqual({
      kind: 'timed',
      start: since,
      end: window.end,
    });
    expect(automaticRepliesEntry('anna-id', { status: 'disabled' }, window)).toBeUndefined();
  });

  it('keeps the first sighting of an always-on reply, and counts only real changes', () => {
    const first = observedState(undefined, { status: 'alwaysEnabled' }, NOW);
    expect(first).toEqual({ status: 'alwaysEnabled', since: NOW.toISOString() });
    expect(observedState(first, { status: 'alwaysEnabled' }, new Date('2026-11-30T00:00:00Z'))).toBe(first);
    expect(settingChanged(first, { status: 'alwaysEnabled' })).toBe(false);
    expect(settingChanged(undefined, { status: 'disabled' })).toBe(false);
    expect(settingChanged(undefined, { status: 'alwaysEnabled' })).toBe(true);
    expect(settingChanged(scheduled, { ...scheduled, end: '2026-11-27T17:00:00.000Z' })).toBe(true);
    expect(settingChanged(scheduled, { ...scheduled, start: '2026-11-26T07:00:00Z' })).toBe(false);
    expect(settingChanged(first, { status: 'disabled' })).toBe(true);
  });

  it('one id per mailbox, never one a Graph event could have', () => {
    expect(automaticRepliesEventId('anna-id')).not.toBe(automaticRepliesEventId('bo-id'));
    expect(automaticRepliesEventId('anna-id')).toContain('/');
  });
});

describe('the automaticReplies rules row', () => {
  it('is off in a rule set saved before it existed, and on in every preset', () => {
    const { automaticReplies: _dropped, ...old } = presetRuleSet('availability-default');
    expect(ruleSetSchema.parse(old).automaticReplies).toEqual({ sync: false, callHandling: 'information' });
    for (const preset of ['availability-default', 'prefixes-sv', 'triggers-en-sv'] as const) {
      expect(presetRuleSet(preset).automaticReplies).toMatchObject({
        sync: true,
        reasonCode: 'out-of-office',
      });
    }
  });

  it('needs a reason code from the catalogue when synced', () => {
    const rules = presetRuleSet('availability-default');
    rules.automaticReplies = { sync: true, callHandling: 'diversion' };
    expect(issuesOf(rules)).toEqual([
      'automaticReplies.reasonCode: automatic replies are synced, so they need a reason code',
    ]);
    rules.automaticReplies = { sync: false, reasonCode: 'ooo', callHandling: 'diversion' };
    expect(issuesOf(rules)).toEqual([
      'automaticReplies.reasonCode: reason code "ooo" is not in the reasons catalogue',
    ]);
  });
});
