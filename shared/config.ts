// Every setting the service reads, parsed once. A missing or malformed setting
// stops start-up with a message naming it, instead of failing on first use.

import { z } from 'zod';
import { isTimeZone } from './domain/timeZone';
import { parseAllowedHosts } from './pbx/privateAddress';
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  parseRetrySchedule,
} from './pbx/retrySchedule';

/** Growing to half an hour: about 50 minutes in all before a message is given up on. */
const DEFAULT_QUEUE_RETRY_SCHEDULE_SECONDS = '10,60,300,900,1800';

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const positiveInt = z.coerce.number().int().positive();
const url = z.url();

const settingsSchema = z.object({
  /** Where Graph reaches this app from outside, e.g. https://contoso-pbxsync.azurewebsites.net */
  PUBLIC_BASE_URL: url,

  /** Multi-tenant Entra app that customers consent to. */
  GRAPH_CLIENT_ID: z.string().min(1),
  /**
   * Client id of the user-assigned managed identity registered as a federated
   * identity credential on the Graph app(s): the app proves itself with the
   * identity's token instead of a secret (docs/operations.md, "Graph
   * credential: federated (no secret)").
   */
  GRAPH_FEDERATED_IDENTITY_CLIENT_ID: z.string().min(1).optional(),
  /**
   * Optional beside the federated credential, which is tried first; then only
   * the fallback. Key Vault reference in Azure; plain text only locally.
   */
  GRAPH_CLIENT_SECRET: z.string().min(1).optional(),
  /**
   * Second multi-tenant app for the scoped consent mode: it asks for no
   * calendar permission (the Exchange admin grants one on a group of
   * mailboxes instead). Scoped integrations need it; it proves itself like
   * the main app (federated credential, its own secret, or both).
   */
  GRAPH_SCOPED_CLIENT_ID: z.string().min(1).optional(),
  GRAPH_SCOPED_CLIENT_SECRET: z.string().min(1).optional(),
  /** Graph host without version (v1.0 is appended): graph.microsoft.com in Azure, the simulator locally. */
  GRAPH_BASE_URL: url.default('https://graph.microsoft.com'),
  /** Token endpoint host; login.microsoftonline.com in Azure, the simulator locally. */
  GRAPH_AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
  /** Where the admin consent link sends the Microsoft 365 admin; the simulator locally. */
  CONSENT_AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
  /** How long a consent link's signed state stays valid after the admin opened the link. */
  CONSENT_LINK_MINUTES: positiveInt.max(1440).default(60),
  /** Requested subscription lifetime; Graph may grant less, and we keep what it grants. */
  SUBSCRIPTION_MAX_MINUTES: positiveInt.default(10080),
  /** Subscriptions expiring within this many minutes are renewed by the maintenance run. */
  SUBSCRIPTION_RENEW_MARGIN_MINUTES: positiveInt.default(1440),
  /** Graph allows 500 subscription writes per 20 s per app and tenant; one run stays below that. */
  SUBSCRIPTION_CREATES_PER_RUN: positiveInt.max(450).default(400),
  /** IANA zone for all-day entries when a mailbox's own zone cannot be read. */
  DEFAULT_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as Europe/Stockholm')
    .default('Europe/Stockholm'),
  /** Users not synced for this long get a catch-up sync (notifications can be lost). */
  CATCH_UP_MINUTES: positiveInt.default(60),
  /** Absences are kept this many days after they ended. */
  RETENTION_DAYS: positiveInt.default(30),
  /** Max page size asked of calendarView/delta. */
  DELTA_PAGE_SIZE: positiveInt.max(1000).default(100),
  /**
   * A sync asks a mailbox for its automatic replies once the last answer is
   * this old (0: every sync). The maintenance run asks every
   * mailbox every run and has a changed one asked at once, so this is only a
   * backstop, kept long: each ask is one more Graph request of a sync
   * (docs/rules.md, "Outlook automatic replies").
   */
  AUTOMATIC_REPLIES_MAX_AGE_MINUTES: z.coerce.number().int().min(0).max(1440).default(60),

  /** Table Storage: a connection string (Azurite locally) or an endpoint reached with the managed identity. */
  TABLES_CONNECTION_STRING: z.string().min(1).optional(),
  TABLES_ENDPOINT: url.optional(),
  TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,19}$/, 'letters and digits, starting with a letter')
    .default('pbxsync'),
  /**
   * `true` where the deployment created the tables (the Bicep does): start-up
   * then sends no create-table request, which would cost the first
   * notification after a scale-out time against Graph's deadline. Locally
   * and in tests the runtime creates what is missing.
   */
  STORAGE_TABLES_PROVISIONED: bool.default(false),

  /**
   * Seconds an instance serves the integration and user rows it read or wrote
   * without reading them again (its own changes show at once; another
   * instance's within this, and a user row's conditional writes notice them at
   * once). 0 reads them on every sync and delivery. See
   * shared/storage/integrationCache.ts and userCache.ts.
   */
  INTEGRATION_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(30),

  /** `servicebus` in Azure; `in-process` only in the local host, where one process runs everything. */
  QUEUE_MODE: z.enum(['servicebus', 'in-process']).default('servicebus'),
  /** Same setting name the Service Bus trigger reads, so sender and trigger agree. */
  ServiceBusConnection__fullyQualifiedNamespace: z.string().min(1).optional(),
  /** A burst of notifications for one user within this many seconds becomes one sync. */
  SYNC_COALESCE_SECONDS: z.coerce.number().min(0).max(60).default(2),

  /** Key Vault for run-time secrets; absent locally, where secrets stay in memory. */
  KEY_VAULT_URL: url.optional(),
  /** Client id of the user-assigned managed identity (Azure only). */
  AZURE_CLIENT_ID: z.string().min(1).optional(),
  /** Set in Azure: custom metrics go to this Application Insights resource; without it none are exported. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),

  /** PBX delivery. */
  PBX_TIMEOUT_MS: positiveInt.default(10000),
  PBX_ALLOW_INSECURE_LOOPBACK: bool.default(false),
  /** Comma-separated host names or IP literals a PBX URL may use although they are private addresses. */
  PBX_ALLOWED_PRIVATE_HOSTS: z.string().default(''),
  /**
   * Calls one integration's PBX may have in flight at once, across every
   * instance (each instance alone would take up to host.json's maxConcurrentCalls).
   */
  PBX_MAX_CONCURRENT_REQUESTS: positiveInt.max(100).default(4),
  /** Pauses before each delivery attempt, in seconds; its length is the number of attempts. */
  PBX_RETRY_SCHEDULE_SECONDS: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE_SECONDS.join(','))
    .transform((text, ctx) => {
      const schedule = parseRetrySchedule(text);
      if (schedule) return schedule;
      ctx.addIssue({ code: 'custom', message: 'comma-separated non-negative seconds (at most 50)' });
      return z.NEVER;
    }),
  /**
   * Pauses, in seconds, before a queue message whose handler failed is tried
   * again (sync and deliveries); its length + 1 is the number of attempts, after
   * which the message is dead-lettered (see shared/queue/queueRetries.ts).
   */
  QUEUE_RETRY_SCHEDULE_SECONDS: z
    .string()
    .default(DEFAULT_QUEUE_RETRY_SCHEDULE_SECONDS)
    .transform((text, ctx) => {
      const schedule = parseRetrySchedule(text);
      if (schedule) return schedule;
      ctx.addIssue({ code: 'custom', message: 'comma-separated non-negative seconds (at most 50)' });
      return z.NEVER;
    }),
  /**
   * Exchange Server integrations: let an EWS URL be plain http when its host
   * is loopback (127.0.0.1, ::1, localhost), for the local host's EWS
   * simulator and tests. Every other EWS URL must be https.
   */
  EXCHANGE_ALLOW_LOOPBACK_HTTP: bool.default(false),
  /** How long the previous PBX signing secret keeps signing after a rotation. */
  PBX_SECRET_ROTATION_HOURS: z.coerce.number().min(0).max(720).default(24),
  /** The booking API's rate limit per call-centre key and instance (shared/booking/bookingRateLimit.ts). */
  BOOKING_RATE_BURST: positiveInt.max(10_000).default(20),
  BOOKING_RATE_PER_MINUTE: positiveInt.max(100_000).default(60),
});

/** Every app setting the service reads (the sample settings and the Bicep must name each one). */
export const SETTING_NAMES = Object.keys(settingsSchema.shape);

const configSchema = settingsSchema
  .superRefine((value, ctx) => {
    if (!value.TABLES_CONNECTION_STRING && !value.TABLES_ENDPOINT) {
      ctx.addIssue({
        code: 'custom',
        path: ['TABLES_ENDPOINT'],
        message: 'set TABLES_ENDPOINT (Azure) or TABLES_CONNECTION_STRING (local)',
      });
    }
    const federated = value.GRAPH_FEDERATED_IDENTITY_CLIENT_ID !== undefined;
    if (!federated && value.GRAPH_CLIENT_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['GRAPH_FEDERATED_IDENTITY_CLIENT_ID'],
        message:
          'the Graph app needs a credential: set GRAPH_FEDERATED_IDENTITY_CLIENT_ID (managed identity as federated credential) or GRAPH_CLIENT_SECRET',
      });
    }
    if (value.GRAPH_SCOPED_CLIENT_SECRET !== undefined && value.GRAPH_SCOPED_CLIENT_ID === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['GRAPH_SCOPED_CLIENT_ID'],
        message: 'GRAPH_SCOPED_CLIENT_SECRET is set but GRAPH_SCOPED_CLIENT_ID is not',
      });
    }
    if (
      value.GRAPH_SCOPED_CLIENT_ID !== undefined &&
      !federated &&
      value.GRAPH_SCOPED_CLIENT_SECRET === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['GRAPH_SCOPED_CLIENT_SECRET'],
        message:
          'the scoped Graph app needs a credential: set GRAPH_FEDERATED_IDENTITY_CLIENT_ID or GRAPH_SCOPED_CLIENT_SECRET',
      });
    }
    if (value.QUEUE_MODE === 'servicebus' && !value.ServiceBusConnection__fullyQualifiedNamespace) {
      ctx.addIssue({
        code: 'custom',
        path: ['ServiceBusConnection__fullyQualifiedNamespace'],
        message: 'required when QUEUE_MODE is servicebus',
      });
    }
  })
  // The shapes the code uses, derived once here so no handler re-parses a setting
  // (and no two handlers can read the same setting differently).
  .transform((settings) => ({
    ...settings,
    /** Where webhooks may go: one policy for saving a PBX URL and for sending to it. */
    pbxTarget: {
      timeoutMs: settings.PBX_TIMEOUT_MS,
      allowInsecureLoopback: settings.PBX_ALLOW_INSECURE_LOOPBACK,
      allowedPrivateHosts: parseAllowedHosts(settings.PBX_ALLOWED_PRIVATE_HOSTS),
    },
    pbxRetryPolicy: { ...DEFAULT_RETRY_POLICY, scheduleSeconds: settings.PBX_RETRY_SCHEDULE_SECONDS },
    /** How each Graph app proves itself to Entra ID: the federated credential, the secret, or both. */
    graphApps: {
      main: graphApp(
        settings.GRAPH_CLIENT_ID,
        settings.GRAPH_FEDERATED_IDENTITY_CLIENT_ID,
        settings.GRAPH_CLIENT_SECRET,
      ),
      ...(settings.GRAPH_SCOPED_CLIENT_ID
        ? {
            scoped: graphApp(
              settings.GRAPH_SCOPED_CLIENT_ID,
              settings.GRAPH_FEDERATED_IDENTITY_CLIENT_ID,
              settings.GRAPH_SCOPED_CLIENT_SECRET,
            ),
          }
        : {}),
    },
    /** Retries of a failing queue handler (shared/queue/queueRetries.ts). */
    queueRetryPolicy: { pausesSeconds: settings.QUEUE_RETRY_SCHEDULE_SECONDS, jitter: 0.2 },
  }));

/** One Graph app's credentials; the schema has made sure at least one of the two is there. */
function graphApp(
  clientId: string,
  federatedIdentityClientId: string | undefined,
  clientSecret: string | undefined,
): GraphAppCredentials {
  return {
    clientId,
    ...(federatedIdentityClientId ? { federatedIdentityClientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
  };
}

export type Config = z.output<typeof configSchema>;

/**
 * How one multi-tenant Graph app proves itself to Entra ID: with the token of
 * a user-assigned managed identity the app trusts as a federated identity
 * credential, with a client secret, or with both (the federated credential
 * first, the secret only when Entra finds no matching federated credential).
 */
export interface GraphAppCredentials {
  clientId: string;
  federatedIdentityClientId?: string;
  clientSecret?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses settings (process.env by default). Error messages name the setting but never echo its value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(settings)';
      const missing = issue.code === 'invalid_type' && env[name] === undefined;
      return `${name}: ${missing ? 'missing' : issue.message}`;
    }),
  );
}
