// How an operator names rules: a preset by name, or a whole rule set.
// Creating an integration, PUT /rules and the explain dry run take the same
// two forms, so rules that can be tried can also be saved.
import { z } from 'zod';
import { PRESET_NAMES, presetRuleSet } from '../domain/rules/presets';
import { type RuleSet, ruleSetSchema } from '../domain/rules/ruleSet';

export const presetChoiceSchema = z.object({ preset: z.enum(PRESET_NAMES) }).strict();

/** The two forms, as the OpenAPI document shows them. */
export const rulesInputSchema = z.union([presetChoiceSchema, ruleSetSchema]);
export type RulesInput = z.infer<typeof rulesInputSchema>;

/**
 * Validates the same two forms, but each with its own schema, so a refusal
 * names the field at fault instead of "matches neither"; documented as the
 * union.
 */
export const ruleChoiceSchema = z
  .unknown()
  .transform((value, ctx): RulesInput => {
    const isPreset =
      typeof value === 'object' && value !== null && 'preset' in value && !('reasons' in value);
    const parsed = (isPreset ? presetChoiceSchema : ruleSetSchema).safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  })
  .meta({ anyOf: z.toJSONSchema(rulesInputSchema, { io: 'input', unrepresentable: 'any' }).anyOf });

export function rulesFrom(input: RulesInput | undefined): RuleSet {
  if (input === undefined) return presetRuleSet('availability-default');
  return 'reasons' in input ? input : presetRuleSet(input.preset);
}
