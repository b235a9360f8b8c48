// The console's copy of the management API's answers (console/apiTypes.ts)
// against the types the server builds them from. The browser build cannot
// import shared/, so the copy is written by hand; this file keeps it honest.
// It is never run: `tsc -p tsconfig.test.json` (part of `npm run lint`) fails
// here, naming the fields that differ, as soon as either side changes alone.
//
// Each pair must be the same shape: every field on both sides, optional on
// both or neither, with the same type. Fields of the server's answer that the
// console does not read are left out here, by name (`Unread`), so a new server
// field fails the check until it is either copied or named as unread.
import type * as Console from '../../console/apiTypes';
import type { BOOKING_ACTIONS, BOOKING_LOG_RESULTS } from '../../shared/booking/bookingLogEntry';
import type { DeliverySummary } from '../../shared/delivery/deliveryLog';
import type { SnapshotResult } from '../../shared/delivery/snapshotOnDemand';
import type { CALL_HANDLING_VALUES } from '../../shared/domain/absence';
import type { SHOW_AS_VALUES } from '../../shared/domain/calendarEntry';
import type { PRESET_NAMES } from '../../shared/domain/rules/presets';
import type { PRIVATE_EVENT_MODES, RuleSet } from '../../shared/domain/rules/ruleSet';
import type { CalendarSystem } from '../../shared/exchange/exchangeServerIntegration';
import type {
  BookingLogView,
  BookingSettingsView,
  MintedBookingKey,
} from '../../shared/management/bookingSettings';
import type { Dashboard, DeploymentDashboard } from '../../shared/management/dashboard';
import type { ExchangeTestResult } from '../../shared/management/exchangeServerSetup';
import type { Explanation } from '../../shared/management/explainEvent';
import type { IntegrationView } from '../../shared/management/integrationViews';
import type { UserView } from '../../shared/management/mailboxUsers';
import type { MintedPbxApiKey } from '../../shared/management/pbxApiKeys';
import type { UserStatusPanel } from '../../shared/management/userStatusPanel';
import type { MintedLink } from '../../shared/onboarding/consentFlow';
import type { PbxStatus } from '../../shared/pbx/pbxEvent';
import type { DeadLetterSummary, ResubmitResult } from '../../shared/queue/deadLetters';

export type ConsoleMatchesServer = [
  NoDrift<Drift<Console.Integration, IntegrationAnswer>>,
  NoDrift<Drift<Console.User, UserAnswer>>,
  NoDrift<Drift<Console.ConsentLink, MintedLink>>,
  NoDrift<Drift<Console.PbxApiKey, MintedPbxApiKey>>,
  NoDrift<Drift<Console.UserTrigger, RuleSet['triggers'][number]>>,
  NoDrift<Drift<Console.RuleSet, RuleSet>>,
  NoDrift<Drift<Console.Dashboard, DashboardAnswer>>,
  NoDrift<Drift<Console.DeploymentDashboard, DeploymentDashboard>>,
  NoDrift<Drift<Console.ExchangeTest, ExchangeTestAnswer>>,
  NoDrift<Drift<Console.IntegrationKind, CalendarSystem>>,
  NoDrift<Drift<Console.DeliverySummary, DeliverySummaryAnswer>>,
  NoDrift<Drift<Console.Explanation, ExplanationAnswer>>,
  NoDrift<Drift<Console.Status, PbxStatus>>,
  NoDrift<Drift<Console.UserStatusPanel, UserStatusPanel>>,
  NoDrift<Drift<Console.SnapshotQueued, SnapshotAnswer>>,
  NoDrift<Drift<Console.DeadLetter, DeadLetterSummary>>,
  NoDrift<Drift<Console.Resubmitted, ResubmitResult>>,
  NoDrift<Drift<Console.ShowAs, (typeof SHOW_AS_VALUES)[number]>>,
  NoDrift<Drift<Console.CallHandling, (typeof CALL_HANDLING_VALUES)[number]>>,
  NoDrift<Drift<(typeof Console.PRESETS)[number], (typeof PRESET_NAMES)[number]>>,
  NoDrift<Drift<Console.PrivateMode, (typeof PRIVATE_EVENT_MODES)[number]>>,
  NoDrift<Drift<Console.BookingSettings, BookingSettingsView>>,
  NoDrift<Drift<Console.MintedBookingKey, MintedBookingKey>>,
  NoDrift<Drift<Console.BookingLog, BookingLogView>>,
  NoDrift<Drift<(typeof Console.BOOKING_ACTIONS)[number], (typeof BOOKING_ACTIONS)[number]>>,
  NoDrift<Drift<(typeof Console.BOOKING_LOG_RESULTS)[number], (typeof BOOKING_LOG_RESULTS)[number]>>,
];

type IntegrationAnswer = Unread<
  IntegrationView,
  | 'tenantId'
  | 'consentedAt'
  | 'consentRequiredSince'
  | 'followGroupId'
  | 'pbxMaxConcurrentRequests'
  | 'pendingUsers'
  | 'createdAt'
  | 'updatedAt'
>;
/** The console shows the reason's own words; which reasons exist is the server's business. */
type ExchangeTestAnswer =
  | Extract<ExchangeTestResult, { ok: true }>
  | (Omit<Extract<ExchangeTestResult, { ok: false }>, 'reason'> & { reason: string });
type UserAnswer = Unread<UserView, 'timeZone'>;
/** Consent is shown on the integrations tab, from the integration itself. */
type DashboardAnswer = Unread<
  Dashboard,
  | 'integrationId'
  | 'active'
  | 'consentState'
  | 'consentMode'
  | 'consentError'
  | 'consentRequiredSince'
  | 'missingPermissions'
>;
type DeliverySummaryAnswer = Unread<DeliverySummary, 'integrationId' | 'failedBy'>;
/** A refused event is a 400 with an error, so a 200 always carries an evaluation. */
type ExplanationAnswer = Unread<Explanation, 'entry'>;
/** The route drops `kind`; the console does not show the snapshot's version. */
type SnapshotAnswer = Unread<Extract<SnapshotResult, { kind: 'queued' }>, 'kind' | 'version'>;

/** The server's answer without the fields the console does not read; each named field must exist. */
type Unread<Server, Fields extends keyof Server> = Omit<Server, Fields>;

/** Compiles only without drift; otherwise the error names the fields that differ. */
type NoDrift<Differing extends never> = Differing;

/** Never when `A` and `B` are the same shape, else the names of the fields that differ. */
type Drift<A, B> = Same<A, B> extends true ? never : DifferingFields<Plain<A>, Plain<B>>;

type DifferingFields<A, B> = [Fields<A, B>] extends [never] ? 'the shapes differ' : Fields<A, B>;

type Fields<A, B> = {
  [K in keyof A | keyof B]: K extends keyof A
    ? K extends keyof B
      ? Same<A[K], B[K]> extends true
        ? never
        : K
      : K
    : K;
}[keyof A | keyof B];

/** Exact equality of the plain shapes: optional fields and unions count, how a type was written does not. */
type Same<A, B> =
  (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false;

/** Intersections flattened, readonly dropped, arrays walked: the shape JSON has. */
type Plain<T> = T extends readonly (infer Item)[]
  ? Plain<Item>[]
  : T extends object
    ? { -readonly [K in keyof T]: Plain<T[K]> }
    : T;
