import { z } from 'zod';
import { INTEGRATION_ID_MAX_LENGTH } from '../domain/identifiers';
import { ADDRESS_MAX_OCTETS, parseMailAddress } from '../domain/mailAddress';
import { userTriggersSchema } from '../domain/rules/ruleSet';
import { isTimeZone } from '../domain/timeZone';
import { ruleChoiceSchema, rulesInputSchema } from './ruleChoice';

export { presetChoiceSchema, type RulesInput, rulesInputSchema } from './ruleChoice';

/**
 * Request bodies of the management API. Each is strict (an unknown field is
 * a typo the operator should hear about) and is also the source of the
 * OpenAPI document's schemas, so documentation and validation cannot drift.
 */
export const integrationIdSchema = z
  .string()
  .max(INTEGRATION_ID_MAX_LENGTH, `at most ${INTEGRATION_ID_MAX_LENGTH} characters`)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens')
  .refine((id) => id !== 'callback', 'callback is reserved by the consent route');

export const consentModeSchema = z
  .enum(['tenantWide', 'scoped'])
  .describe(
    'tenantWide: the consent grants calendar access to all mailboxes; scoped: the Exchange admin grants it on a group of mailboxes',
  );

/**
 * A mailbox address as RFC 5321/6531 allow it (internationalised too), turned
 * into its lookup form: lower case, NFC, the domain in ASCII. What cannot be
 * an address is refused with the reason.
 */
const emailSchema = z
  .string()
  // Octets are checked after parsing; this only keeps absurd input from being parsed at all.
  .max(ADDRESS_MAX_OCTETS * 4)
  .transform((text, ctx) => {
    const parsed = parseMailAddress(text);
    if (parsed.kind === 'address') return parsed.address;
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  })
  .meta({
    description:
      'A mailbox address; internationalised addresses and domains are accepted. Stored lower-case with the domain in its ASCII (xn--) form.',
  });

/** The same bounds as the PBX_MAX_CONCURRENT_REQUESTS setting (shared/config.ts). */
const pbxMaxConcurrentRequestsSchema = z.number().int().min(1).max(100).meta({
  description:
    "Webhooks in flight to this integration's PBX at once, across every instance; without it, the service's PBX_MAX_CONCURRENT_REQUESTS (default 4).",
});

/**
 * Exchange Server's connection. The password is write-only: it goes to the
 * secret store and no answer, log line or refusal carries it (a zod message
 * about it names only its length).
 */
const ewsUrlSchema = z.url().max(2000).meta({
  description: 'The EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx; https only',
});
const ewsUserNameSchema = z.string().trim().min(1).max(256).meta({
  description: 'The service account: a UPN (svc-pbx@example.com) or DOMAIN\\user',
});
const ewsPasswordSchema = z.string().min(1).max(256).meta({
  description: "The service account's password. Write-only: never returned, logged or put in an error",
  writeOnly: true,
});
const ewsAuthenticationSchema = z
  .enum(['basic', 'ntlm'])
  .describe('How the service account signs in: basic (over https) or ntlm');
const ewsAccessModeSchema = z
  .enum(['impersonation', 'folderPermission'])
  .describe(
    "impersonation: the account holds the ApplicationImpersonation role; folderPermission: it has Reviewer on each mailbox's calendar",
  );
const ewsTimeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'an IANA time zone such as Europe/Stockholm')
  .meta({
    description: "IANA zone of the mailboxes' all-day items; the service's DEFAULT_TIME_ZONE without it",
  });
const ewsTestMailboxSchema = emailSchema.meta({
  description:
    'A mailbox the service account can read: the connection is tried on it before anything is saved',
});

export const exchangeServerCreateSchema = z
  .object({
    ewsUrl: ewsUrlSchema,
    userName: ewsUserNameSchema,
    password: ewsPasswordSchema,
    authentication: ewsAuthenticationSchema,
    accessMode: ewsAccessModeSchema,
    timeZone: ewsTimeZoneSchema.optional(),
    testMailbox: ewsTestMailboxSchema,
  })
  .strict();

/** What a PATCH may change; a change to the connection or the password needs `testMailbox` to be tried on. */
export const exchangeServerChangeSchema = z
  .object({
    ewsUrl: ewsUrlSchema.optional(),
    userName: ewsUserNameSchema.optional(),
    password: ewsPasswordSchema.optional(),
    authentication: ewsAuthenticationSchema.optional(),
    accessMode: ewsAccessModeSchema.optional(),
    timeZone: ewsTimeZoneSchema.optional(),
    testMailbox: ewsTestMailboxSchema.optional(),
  })
  .strict()
  .refine(
    (body) => Object.keys(body).some((key) => key !== 'testMailbox'),
    'name at least one field to change',
  );

/** An Exchange Server integration has no tenant, no consent and no Entra group: those fields are Graph's. */
const GRAPH_ONLY_FIELDS = ['tenantId', 'consentMode', 'followGroupId'] as const;

export const createIntegrationSchema = z
  .object({
    id: integrationIdSchema,
    name: z.string().trim().min(1).max(200),
    pbxUrl: z.url().max(2000),
    pbxMaxConcurrentRequests: pbxMaxConcurrentRequestsSchema.optional(),
    active: z.boolean().default(true),
    /** Microsoft 365 only; tenantWide when absent. */
    consentMode: consentModeSchema.optional(),
    /** Known already (e.g. a second instance for the same customer): consent then must come from this tenant. */
    tenantId: z.uuid().optional(),
    rules: rulesInputSchema.optional(),
    /** Mailboxes to add once the admin has consented (Exchange Server: once the connection is saved). */
    users: z.array(emailSchema).max(500).optional(),
    /** Follow this Entra security group: its members become the users (needs GroupMember.Read.All). */
    followGroupId: z.uuid().optional(),
    /** Present: an Exchange Server (on-premises) integration over EWS; absent: Microsoft 365 over Graph. */
    exchangeServer: exchangeServerCreateSchema
      .meta({
        description:
          'Makes this an Exchange Server (on-premises) integration read over EWS; without it the integration is Microsoft 365 over Graph',
      })
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (!body.exchangeServer) return;
    for (const name of GRAPH_ONLY_FIELDS) {
      if (body[name] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${name} is for Microsoft 365 integrations; an Exchange Server integration has none`,
        });
      }
    }
  });

export const updateIntegrationSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    active: z.boolean().optional(),
    pbxUrl: z.url().max(2000).optional(),
    /** null: back to the service's PBX_MAX_CONCURRENT_REQUESTS. */
    pbxMaxConcurrentRequests: pbxMaxConcurrentRequestsSchema.nullable().optional(),
    consentMode: consentModeSchema.optional(),
    /** null stops following; the users stay. */
    followGroupId: z.uuid().nullable().optional(),
    /** Exchange Server integrations only: the connection, the password, the time zone. */
    exchangeServer: exchangeServerChangeSchema.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change');

/** POST …/exchange/test: the mailbox to try the stored connection on. */
export const exchangeTestSchema = z.object({ mailbox: emailSchema }).strict();

export const addUserSchema = z.object({ email: emailSchema }).strict();

/** A user's own trigger phrases, on top of the integration's; they never override the admin's. */
export const userTriggersBodySchema = z.object({ triggers: userTriggersSchema }).strict();

/** Why the operator undoes a tenant binding; it goes to the log. */
export const unbindSchema = z.object({ reason: z.string().trim().min(3).max(500) }).strict();

export const explainSchema = z
  .object({
    /** A Graph event as Graph returns it. Never stored, never logged. */
    event: z.record(z.string(), z.unknown()),
    /** Its series master, for an occurrence that comes with its times only (as calendarView/delta sends them). */
    master: z.record(z.string(), z.unknown()).optional(),
    /** Rules to try instead of the integration's own: a whole rule set or `{ "preset": name }`, as PUT /rules takes. */
    rules: ruleChoiceSchema.optional(),
    /** Mailbox time zone for all-day events; a user's or Europe/Stockholm otherwise. */
    timeZone: z.string().min(1).max(64).optional(),
  })
  .strict();

/** PUT …/booking: call-centre booking on or off, and the group whose members may be booked. */
export const bookingSettingsSchema = z
  .object({
    enabled: z.boolean().meta({
      description:
        'true: the call centre may book (needs consent and a group); false: the booking API refuses every call, the group and keys are kept',
    }),
    groupId: z
      .uuid()
      .meta({
        description:
          'Entra object id of a mail-enabled security group: the members the call centre may book. Needed to turn booking on unless one is saved; checked with Graph',
      })
      .optional(),
  })
  .strict();

/** POST …/booking/credential. */
export const bookingCredentialSchema = z
  .object({
    overlap: z
      .boolean()
      .meta({
        description:
          'true: the key this one replaces keeps working for a day, for the hand-over; false or absent: it stops at once',
      })
      .optional(),
  })
  .strict();

/** GET …/booking/log?limit=N: how many of the newest lines the console shows by default, and at most. */
export const BOOKING_LOG_DEFAULT_LIMIT = 50;
export const BOOKING_LOG_MAX_LIMIT = 200;
export const bookingLogLimitSchema = z.coerce.number().int().min(1).max(BOOKING_LOG_MAX_LIMIT);

export type BookingSettingsInput = z.infer<typeof bookingSettingsSchema>;
export type BookingCredentialInput = z.infer<typeof bookingCredentialSchema>;
export type CreateIntegration = z.infer<typeof createIntegrationSchema>;
export type ExchangeServerInput = z.infer<typeof exchangeServerCreateSchema>;
export type ExchangeServerChange = z.infer<typeof exchangeServerChangeSchema>;
export type UpdateIntegration = z.infer<typeof updateIntegrationSchema>;
export type ExplainRequest = z.infer<typeof explainSchema>;
