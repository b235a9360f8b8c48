import { presetRuleSet } from '../../shared/domain/rules/presets';
import { type RuleSetInput, ruleSetSchema, userTriggerIssues } from '../../shared/domain/rules/ruleSet';

function issuesOf(input: unknown): { path: string; message: string }[] {
  const parsed = ruleSetSchema.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function edited(change: (rules: RuleSetInput) => void): RuleSetInput {
  const rules: RuleSetInput = presetRuleSet('prefixes-sv');
  change(rules);
  return rules;
}

describe('rule set schema', () => {
  it('refuses a rule that references an unknown reason code, naming the path', () => {
    const issues = issuesOf(edited((rules) => (rules.prefixes![2]!.reasonCode = 'ledig')));
    expect(issues).toEqual([
      {
        path: 'prefixes.2.reasonCode',
        message: 'prefixes.2.reasonCode: reason code "ledig" is not in the reasons catalogue',
      },
    ]);
  });

  it('checks triggers, categories and availability rows against the catalogue too', () => {
    const issues = issuesOf(
      edited((rules) => {
        rules.triggers = [{ phrase: 'Lunch', reasonCode: 'lunsj', callHandling: 'diversion' }];
        rules.categories![0]!.reasonCode = 'nope';
        rules.availability.oof.reasonCode = 'semester';
      }),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual([
      'availability.oof.reasonCode',
      'categories.0.reasonCode',
      'triggers.0.reasonCode',
    ]);
  });

  it('requires a reason on a synced availability row', () => {
    const issues = issuesOf(edited((rules) => (rules.availability.tentative = { sync: true })));
    expect(issues).toEqual([
      {
        path: 'availability.tentative.reasonCode',
        message: 'availability.tentative.reasonCode: show as tentative is synced, so it needs a reason code',
      },
    ]);
  });

  it('refuses prefixes, triggers and categories that repeat once case and Unicode form are ignored', () => {
    const issues = issuesOf(
      edited((rules) => {
        rules.prefixes!.push({ prefix: 'lun:', reasonCode: 'meeting', callHandling: 'information' });
        rules.categories!.push({ category: 'MO\u0308TE', reasonCode: 'meeting', callHandling: 'diversion' });
        rules.categories!.push({ category: 'Möte', reasonCode: 'meeting', callHandling: 'diversion' });
        rules.triggers = [
          { phrase: 'Stör ej', reasonCode: 'do-not-disturb', callHandling: 'diversion' },
          { phrase: 'stör-ej', reasonCode: 'busy', callHandling: 'information' },
        ];
      }),
    );
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['prefixes.8.prefix', 'triggers.1.phrase', 'categories.9.category']),
    );
    expect(issues).toHaveLength(3);
    expect(issues.find((issue) => issue.path === 'prefixes.8.prefix')?.message).toContain(
      'the same as entry 4',
    );
  });

  it('refuses duplicate reason codes and trigger phrases without words', () => {
    const issues = issuesOf(
      edited((rules) => {
        rules.reasons.push({ code: 'lunch', name: 'Lunch again' });
        rules.triggers = [{ phrase: '::', reasonCode: 'lunch', callHandling: 'diversion' }];
      }),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(['reasons.14.code', 'triggers.0.phrase']);
  });

  it('fills defaults for the optional lists and settings', () => {
    const parsed = ruleSetSchema.parse({
      reasons: [{ code: 'busy', name: 'Busy' }],
      availability: {
        free: { sync: false },
        tentative: { sync: false },
        busy: { sync: true, reasonCode: 'busy' },
        oof: { sync: false },
        workingElsewhere: { sync: false },
        unknown: { sync: false },
      },
    });
    expect(parsed.settings).toEqual({ syncDaysForward: 14, showSubjects: false, privateEvents: 'skip' });
    expect(parsed.prefixes).toEqual([]);
    expect(parsed.availability.busy.callHandling).toBe('information');
  });
});

describe('user triggers', () => {
  it('are checked against the integration catalogue', () => {
    const rules = presetRuleSet('triggers-en-sv');
    expect(
      userTriggerIssues([{ phrase: 'Padel', reasonCode: 'lunch', callHandling: 'diversion' }], rules),
    ).toEqual([]);
    expect(
      userTriggerIssues(
        [
          { phrase: 'Padel', reasonCode: 'sport', callHandling: 'diversion' },
          { phrase: '---', reasonCode: 'lunch', callHandling: 'diversion' },
        ],
        rules,
      ),
    ).toEqual([
      'userTriggers.0.reasonCode: reason code "sport" is not in the reasons catalogue',
      'userTriggers.1.phrase: phrase "---" has no letters or digits, so it can never match',
    ]);
  });
});
