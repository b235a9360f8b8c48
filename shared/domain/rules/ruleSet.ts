import { z } from 'zod';
import { CALL_HANDLING_VALUES } from '../absence';
import { SHOW_AS_VALUES } from '../calendarEntry';

/**
 * An integration's rules: what a calendar entry means to the PBX. Stored as
 * JSON with the integration and parsed with this schema whenever it is read
 * or written, so a bad rule set is refused at the boundary.
 */
const callHandling = z.enum(CALL_HANDLING_VALUES);
const reasonCode = z.string().trim().min(1).max(64);

export const reasonSchema = z.object({
  code: reasonCode,
  name: z.string().trim().min(1).max(100),
});

/** A match on the subject, a category or availability, and what it yields. */
const outcome = { reasonCode, callHandling };

export const availabilityRowSchema = z.object({
  sync: z.boolean(),
  reasonCode: reasonCode.optional(),
  callHandling: callHandling.default('information'),
});

export const prefixRuleSchema = z.object({ prefix: z.string().trim().min(1).max(40), ...outcome });
export const triggerRuleSchema = z.object({ phrase: z.string().trim().min(1).max(80), ...outcome });
export const categoryRuleSchema = z.object({ category: z.string().trim().min(1).max(255), ...outcome });

export const PRIVATE_EVENT_MODES = ['skip', 'busyWithoutSubject'] as const;

export const ruleSettingsSchema = z.object({
  syncDaysForward: z.number().int().min(1).max(365).default(14),
  /** Off means "all meetings private": no subject ever leaves the service. */
  showSubjects: z.boolean().default(false),
  privateEvents: z.enum(PRIVATE_EVENT_MODES).default('skip'),
});

export const ruleSetSchema = z.object({
  /** Which preset this rule set started from; informational. */
  preset: z.string().max(64).optional(),
  reasons: z.array(reasonSchema).min(1).max(200),
  availability: z.object(
    Object.fromEntries(SHOW_AS_VALUES.map((value) => [value, availabilityRowSchema])) as Record<
      (typeof SHOW_AS_VALUES)[number],
      typeof availabilityRowSchema
    >,
  ),
  prefixes: z.array(prefixRuleSchema).max(200).default([]),
  triggers: z.array(triggerRuleSchema).max(500).default([]),
  categories: z.array(categoryRuleSchema).max(200).default([]),
  settings: ruleSettingsSchema.default({ syncDaysForward: 14, showSubjects: false, privateEvents: 'skip' }),
});

export type RuleSet = z.infer<typeof ruleSetSchema>;
export type RuleSetInput = z.input<typeof ruleSetSchema>;
export type AvailabilityRow = z.infer<typeof availabilityRowSchema>;
export type RuleSettings = z.infer<typeof ruleSettingsSchema>;
