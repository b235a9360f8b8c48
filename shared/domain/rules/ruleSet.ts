// An integration's rules: what a calendar entry means to the PBX. Stored as
// JSON with the integration and parsed with this schema whenever it is read
// or written, so a bad rule set is refused at the boundary.

import { z } from 'zod';
import { CALL_HANDLING_VALUES } from '../absence';
import { ANNOUNCEMENT_LANGUAGES } from '../announcement';
import { SHOW_AS_VALUES } from '../calendarEntry';
import { statusPrecedenceSchema } from '../statusPrecedence';
import { categoryKey, foldText, wordsOf } from './textMatching';

const callHandling = z.enum(CALL_HANDLING_VALUES);

/**
 * A name or phrase an operator types. Control characters and lone surrogates
 * are refused: no subject or category holds them, and stored as JSON each
 * one becomes six characters, which let a body of normal size outgrow its
 * table row.
 */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(
      (value) => !/[\p{Cc}\p{Cs}]/u.test(value),
      'may not contain control characters or lone surrogates',
    );
const reasonCode = text(64);

export const reasonSchema = z.object({
  code: reasonCode,
  name: text(100),
});

/** A match on the subject, a category or availability, and what it yields. */
const outcome = { reasonCode, callHandling };

export const availabilityRowSchema = z.object({
  sync: z.boolean(),
  reasonCode: reasonCode.optional(),
  callHandling: callHandling.default('information'),
});

export const prefixRuleSchema = z.object({ prefix: text(40), ...outcome });
export const triggerRuleSchema = z.object({ phrase: text(80), ...outcome });
export const categoryRuleSchema = z.object({ category: text(255), ...outcome });

export const PRIVATE_EVENT_MODES = ['skip', 'busyWithoutSubject'] as const;

export const ruleSettingsSchema = z.object({
  syncDaysForward: z.number().int().min(1).max(365).default(14),
  /** Off means "all meetings private": no subject ever leaves the service. */
  showSubjects: z.boolean().default(false),
  privateEvents: z.enum(PRIVATE_EVENT_MODES).default('skip'),
});

/**
 * How a user's status is worked out and told (issue 17; docs/rules.md,
 * "Status"). `send` off keeps the PBX on absence events alone; the status is
 * still shown in the console and answered by the PBX pull endpoint.
 */
export const statusSettingsSchema = z.object({
  send: z.boolean().default(true),
  /** Return times move to the next start of the mailbox's working hours. */
  useWorkingHours: z.boolean().default(true),
  /** The language of the announcement sentence sent with each status. */
  language: z.enum(ANNOUNCEMENT_LANGUAGES).default('en'),
  precedence: statusPrecedenceSchema.default({
    order: ['callHandling', 'reasonPriority', 'laterStart'],
    reasonPriority: {},
  }),
});
export type StatusSettings = z.infer<typeof statusSettingsSchema>;
export const DEFAULT_STATUS_SETTINGS: StatusSettings = statusSettingsSchema.parse({});

const ruleSetShape = z.object({
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
  /**
   * Outlook's automatic replies as an absence (docs/rules.md, "Outlook
   * automatic replies"). Off for rule sets saved before the row existed: a
   * default reason code might not be in their catalogue. The presets turn it on.
   */
  automaticReplies: availabilityRowSchema.default({ sync: false, callHandling: 'information' }),
  settings: ruleSettingsSchema.default({ syncDaysForward: 14, showSubjects: false, privateEvents: 'skip' }),
  status: statusSettingsSchema.default(DEFAULT_STATUS_SETTINGS),
});

type Issue = { path: (string | number)[]; message: string };

/** Rules listed later that can never win because an earlier one is the same once folded. */
function duplicates<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  label: (item: T) => string,
  path: (index: number) => (string | number)[],
): Issue[] {
  const firstAt = new Map<string, number>();
  const issues: Issue[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    const earlier = firstAt.get(key);
    if (earlier === undefined) firstAt.set(key, index);
    else issues.push({ path: path(index), message: `${label(item)} is the same as entry ${earlier}` });
  });
  return issues;
}

function unknownReasons(
  rules: readonly { reasonCode: string }[],
  known: ReadonlySet<string>,
  path: (index: number) => (string | number)[],
): Issue[] {
  return rules.flatMap((rule, index) =>
    known.has(rule.reasonCode)
      ? []
      : [{ path: path(index), message: `reason code "${rule.reasonCode}" is not in the reasons catalogue` }],
  );
}

/** Trigger phrases are matched word by word, so one without a letter or digit is dead. */
function unmatchable(
  triggers: readonly { phrase: string }[],
  path: (index: number) => (string | number)[],
): Issue[] {
  return triggers.flatMap((trigger, index) =>
    wordsOf(trigger.phrase).length === 0
      ? [
          {
            path: path(index),
            message: `phrase "${trigger.phrase}" has no letters or digits, so it can never match`,
          },
        ]
      : [],
  );
}

/** Problems in a rule set that single fields cannot see; each names the path it concerns. */
export function ruleSetIssues(rules: z.infer<typeof ruleSetShape>): Issue[] {
  const known = new Set(rules.reasons.map((reason) => reason.code));
  const availabilityIssues = SHOW_AS_VALUES.flatMap((showAs): Issue[] => {
    const row = rules.availability[showAs];
    const path = ['availability', showAs, 'reasonCode'];
    if (row.reasonCode === undefined) {
      return row.sync ? [{ path, message: `show as ${showAs} is synced, so it needs a reason code` }] : [];
    }
    return known.has(row.reasonCode)
      ? []
      : [{ path, message: `reason code "${row.reasonCode}" is not in the reasons catalogue` }];
  });
  const replies = rules.automaticReplies;
  const repliesPath = ['automaticReplies', 'reasonCode'];
  const automaticRepliesIssues: Issue[] = [];
  if (replies.reasonCode === undefined && replies.sync)
    automaticRepliesIssues.push({
      path: repliesPath,
      message: 'automatic replies are synced, so they need a reason code',
    });
  if (replies.reasonCode !== undefined && !known.has(replies.reasonCode))
    automaticRepliesIssues.push({
      path: repliesPath,
      message: `reason code "${replies.reasonCode}" is not in the reasons catalogue`,
    });
  return [
    ...duplicates(
      rules.reasons,
      (reason) => reason.code,
      (reason) => `reason code "${reason.code}"`,
      (index) => ['reasons', index, 'code'],
    ),
    ...availabilityIssues,
    ...automaticRepliesIssues,
    ...Object.keys(rules.status.precedence.reasonPriority).flatMap((code) =>
      known.has(code)
        ? []
        : [
            {
              path: ['status', 'precedence', 'reasonPriority', code],
              message: `reason code "${code}" is not in the reasons catalogue`,
            },
          ],
    ),
    ...unknownReasons(rules.prefixes, known, (index) => ['prefixes', index, 'reasonCode']),
    ...unknownReasons(rules.triggers, known, (index) => ['triggers', index, 'reasonCode']),
    ...unknownReasons(rules.categories, known, (index) => ['categories', index, 'reasonCode']),
    ...duplicates(
      rules.prefixes,
      (rule) => foldText(rule.prefix),
      (rule) => `prefix "${rule.prefix}" (ignoring case and Unicode form)`,
      (index) => ['prefixes', index, 'prefix'],
    ),
    ...duplicates(
      rules.triggers,
      (rule) => wordsOf(rule.phrase).join(' '),
      (rule) => `trigger "${rule.phrase}" (ignoring case, punctuation and Unicode form)`,
      (index) => ['triggers', index, 'phrase'],
    ),
    ...unmatchable(rules.triggers, (index) => ['triggers', index, 'phrase']),
    ...duplicates(
      rules.categories,
      (rule) => categoryKey(rule.category),
      (rule) => `category "${rule.category}" (ignoring case and Unicode form)`,
      (index) => ['categories', index, 'category'],
    ),
  ];
}

export const ruleSetSchema = ruleSetShape.superRefine((rules, ctx) => {
  for (const issue of ruleSetIssues(rules)) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: `${issue.path.join('.')}: ${issue.message}` });
  }
});

/**
 * A user's own trigger phrases, kept with the user. They are checked against
 * the integration's catalogue when saved (`userTriggerIssues`); a reason
 * removed later makes the phrase inert rather than breaking the user's sync.
 */
export const userTriggersSchema = z.array(triggerRuleSchema).max(100);

export function userTriggerIssues(triggers: z.infer<typeof userTriggersSchema>, rules: RuleSet): string[] {
  const known = new Set(rules.reasons.map((reason) => reason.code));
  const path = (index: number) => ['userTriggers', index];
  return [
    ...unknownReasons(triggers, known, (index) => [...path(index), 'reasonCode']),
    ...unmatchable(triggers, (index) => [...path(index), 'phrase']),
    ...duplicates(
      triggers,
      (rule) => wordsOf(rule.phrase).join(' '),
      (rule) => `trigger "${rule.phrase}" (ignoring case, punctuation and Unicode form)`,
      (index) => [...path(index), 'phrase'],
    ),
  ].map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

export type RuleSet = z.infer<typeof ruleSetSchema>;
export type RuleSetInput = z.input<typeof ruleSetSchema>;
