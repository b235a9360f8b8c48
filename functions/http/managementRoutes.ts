// The management API, one row per route and method. The function files
// register these templates and the OpenAPI document is built from this list,
// and a test checks the registered functions against it.
//
// The prefix is `manage/`, not `admin/`: the Functions host reserves route
// templates starting with `admin` for its own admin API, whatever the route
// prefix, and refuses to load a function that claims one.

import type { z } from 'zod';
import { resubmitBodySchema } from '../../shared/management/deadLetterQueries';
import { replayBodySchema } from '../../shared/management/deliveryQueries';
import {
  addUserSchema,
  BOOKING_LOG_DEFAULT_LIMIT,
  BOOKING_LOG_MAX_LIMIT,
  bookingCredentialSchema,
  bookingSettingsSchema,
  createIntegrationSchema,
  exchangeTestSchema,
  explainSchema,
  rulesInputSchema,
  unbindSchema,
  updateIntegrationSchema,
  userTriggersBodySchema,
} from '../../shared/management/managementSchemas';
import { STATUS_VIEW_MAX_DAYS } from '../../shared/status/userStatusView';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ManagementRoute {
  method: HttpMethod;
  /** Functions route template below /api; also the OpenAPI path (same `{param}` syntax). */
  route: string;
  summary: string;
  body?: z.ZodType;
  /** A body the route also accepts absent. */
  bodyOptional?: boolean;
  /** Query parameters the route reads, each a whole number: name → what it means. */
  query?: Readonly<Record<string, string>>;
  responses: Readonly<Record<number, string>>;
}

export const MANAGE = 'manage';
export const ROUTE = {
  openApi: `${MANAGE}/openapi.json`,
  integrations: `${MANAGE}/integrations`,
  integration: `${MANAGE}/integrations/{id}`,
  rules: `${MANAGE}/integrations/{id}/rules`,
  resync: `${MANAGE}/integrations/{id}/resync`,
  explain: `${MANAGE}/integrations/{id}/explain`,
  consentLink: `${MANAGE}/integrations/{id}/consent-link`,
  unbind: `${MANAGE}/integrations/{id}/unbind`,
  dashboard: `${MANAGE}/integrations/{id}/dashboard`,
  deploymentDashboard: `${MANAGE}/dashboard`,
  // Exchange Server integrations only (functions/manageIntegrations.ts).
  exchangeTest: `${MANAGE}/integrations/{id}/exchange/test`,
  users: `${MANAGE}/integrations/{id}/users`,
  user: `${MANAGE}/integrations/{id}/users/{userId}`,
  userResync: `${MANAGE}/integrations/{id}/users/{userId}/resync`,
  userTriggers: `${MANAGE}/integrations/{id}/users/{userId}/triggers`,
  userStatus: `${MANAGE}/integrations/{id}/users/{userId}/status`,
  // The delivery side's routes (functions/adminDeliveries.ts, functions/adminPbxSecret.ts).
  deliveries: `${MANAGE}/integrations/{id}/deliveries`,
  replay: `${MANAGE}/integrations/{id}/deliveries/replay`,
  snapshot: `${MANAGE}/integrations/{id}/users/{userId}/snapshot`,
  enablePbx: `${MANAGE}/integrations/{id}/pbx/enable`,
  rotatePbxSecret: `${MANAGE}/integrations/{id}/pbx/secret/rotate`,
  // The PBX's own key for the status pull endpoint (functions/managePbxApiKey.ts, functions/pbxStatus.ts).
  pbxApiKey: `${MANAGE}/integrations/{id}/pbx/api-key`,
  // Call-centre booking, the operator's side (functions/manageBooking.ts); the call centre's own API is apart.
  booking: `${MANAGE}/integrations/{id}/booking`,
  bookingCredential: `${MANAGE}/integrations/{id}/booking/credential`,
  bookingLog: `${MANAGE}/integrations/{id}/booking/log`,
  // Deployment-wide (functions/manageDeadLetters.ts): every integration shares the queues.
  deadLetters: `${MANAGE}/dead-letters/{queue}`,
  resubmitDeadLetters: `${MANAGE}/dead-letters/{queue}/resubmit`,
} as const;

const common = { 401: 'no or wrong function key' } as const;
const withId = { ...common, 404: 'no such integration' } as const;

export const MANAGEMENT_ROUTES: readonly ManagementRoute[] = [
  {
    method: 'GET',
    route: ROUTE.openApi,
    summary: 'This document',
    responses: { ...common, 200: 'OpenAPI 3.1' },
  },
  {
    method: 'GET',
    route: ROUTE.integrations,
    summary: 'List integrations',
    responses: { ...common, 200: 'the integrations' },
  },
  {
    method: 'POST',
    route: ROUTE.integrations,
    summary:
      'Create an integration; the response carries the PBX signing secret, once. With `exchangeServer` it reads Exchange Server over EWS: the connection is tried on `testMailbox` first, and the password is never returned',
    body: createIntegrationSchema,
    responses: {
      ...common,
      201: 'created',
      400: 'malformed body, or the Exchange Server connection failed (`error` starts with the reason, `path` names the field)',
      409: 'the id is taken, or Exchange is busy (throttled); try again',
    },
  },
  {
    method: 'GET',
    route: ROUTE.integration,
    summary: 'One integration',
    responses: { ...withId, 200: 'the integration' },
  },
  {
    method: 'PATCH',
    route: ROUTE.integration,
    summary:
      'Change name, active, PBX URL, consent mode or the followed security group, or an Exchange Server connection (a changed connection or password is tried on `testMailbox` first; one that passes lifts a credentialsRejected stop and resyncs every user); deactivating first tells the PBX (the integration shows `ending` meanwhile)',
    body: updateIntegrationSchema,
    responses: {
      ...withId,
      200: 'the integration',
      400: 'malformed body, a field of the other kind, or the changed Exchange Server connection failed (`path` names the field)',
      409: 'the integration is being deleted, or Exchange is busy (throttled)',
    },
  },
  {
    method: 'DELETE',
    route: ROUTE.integration,
    summary:
      'Delete an integration, its users, subscriptions, absences and PBX secret, after its PBX is told every user has no absence and is available',
    responses: {
      ...withId,
      202: 'the integration, ending: its PBX is being told; the maintenance run removes it once that is done',
      204: 'deleted at once (no users)',
    },
  },
  {
    method: 'PUT',
    route: ROUTE.rules,
    summary:
      'Replace the rule set (or pick a preset); every user is resynced and the PBX gets only the differences',
    body: rulesInputSchema,
    responses: {
      ...withId,
      200: 'the integration',
      400: 'malformed or inconsistent rules',
      409: 'the integration is being deleted',
    },
  },
  {
    method: 'POST',
    route: ROUTE.resync,
    summary: 'Resync every user of the integration',
    responses: { ...withId, 202: 'queued' },
  },
  {
    method: 'POST',
    route: ROUTE.explain,
    summary: 'Dry run: what the rules make of one Graph event (nothing stored or sent)',
    body: explainSchema,
    responses: { ...withId, 200: 'the evaluation', 400: 'malformed body or event' },
  },
  {
    method: 'POST',
    route: ROUTE.exchangeTest,
    summary:
      "Try an Exchange Server integration's saved connection on one mailbox (its calendar for the coming week); nothing is stored",
    body: exchangeTestSchema,
    responses: {
      ...withId,
      200: '`ok: true` with the mailbox and its items in the week, or `ok: false` with `reason`, `message` and the field at fault (`path`)',
      400: 'malformed body',
      409: 'a Microsoft 365 integration: it has no Exchange Server connection',
    },
  },
  {
    method: 'POST',
    route: ROUTE.consentLink,
    summary:
      'Mint a consent link for the customer\u2019s Microsoft 365 admin (unguessable, expires, connects once)',
    responses: {
      ...withId,
      201: 'the link and when it expires',
      409: 'an Exchange Server integration: it has no consent',
    },
  },
  {
    method: 'POST',
    route: ROUTE.unbind,
    summary: 'Undo the tenant binding (logged with the reason); the integration waits for a new consent',
    body: unbindSchema,
    responses: {
      ...withId,
      200: 'the integration',
      400: 'malformed body',
      409: 'the integration kept changing, or it is an Exchange Server integration (no tenant)',
    },
  },
  {
    method: 'GET',
    route: ROUTE.dashboard,
    summary: 'Figures for one integration',
    responses: { ...withId, 200: 'the figures' },
  },
  {
    method: 'GET',
    route: ROUTE.deploymentDashboard,
    summary:
      'The deployment at a glance: integrations per kind, and the Exchange Server ones whose password Exchange refused',
    responses: { ...common, 200: 'the figures' },
  },
  {
    method: 'GET',
    route: ROUTE.users,
    summary: 'Users with status and last update',
    responses: { ...withId, 200: 'the users' },
  },
  {
    method: 'POST',
    route: ROUTE.users,
    summary: 'Add a mailbox by e-mail address (kept pending until consent)',
    body: addUserSchema,
    responses: {
      ...withId,
      201: 'added',
      202: 'pending until the admin consents',
      400: 'malformed body, unknown address or not a person\u2019s mailbox',
    },
  },
  {
    method: 'DELETE',
    route: ROUTE.user,
    summary: 'Remove a user: subscription, absences and row (the PBX gets absence.deleted for ongoing ones)',
    responses: { ...withId, 204: 'removed' },
  },
  {
    method: 'POST',
    route: ROUTE.userResync,
    summary: 'Resync one user',
    responses: { ...withId, 202: 'queued' },
  },
  {
    method: 'PUT',
    route: ROUTE.userTriggers,
    summary:
      'Set the trigger phrases this user adds to the integration\u2019s (replaces them; resyncs the user)',
    body: userTriggersBodySchema,
    responses: { ...withId, 200: 'the user with its triggers', 400: 'malformed body or unknown reason code' },
  },
  {
    method: 'GET',
    route: ROUTE.userStatus,
    summary:
      "A user's status now and its timeline for the next days, with the absences it comes from (nothing is sent)",
    query: { days: `days ahead, 1 to ${STATUS_VIEW_MAX_DAYS} (default: the rules' days forward)` },
    responses: {
      ...withId,
      200: 'the status, timeline and absences',
      400: 'bad days',
      404: 'no such integration or user',
    },
  },
  {
    method: 'GET',
    route: ROUTE.deliveries,
    summary: 'Delivery log summary and the latest failures (query `errors`: 1 to 100)',
    responses: { ...withId, 200: 'the summary', 400: 'bad query' },
  },
  {
    method: 'POST',
    route: ROUTE.replay,
    summary: 'Queue failed webhooks again (all, or the listed webhook ids)',
    body: replayBodySchema,
    bodyOptional: true,
    responses: { ...withId, 202: 'queued', 400: 'malformed body', 409: 'the PBX endpoint is disabled' },
  },
  {
    method: 'POST',
    route: ROUTE.snapshot,
    summary: "Send the PBX a snapshot of one user's absences, then read their calendar afresh",
    responses: {
      ...withId,
      202: 'queued',
      409: 'the integration is inactive or ending, or the user row kept changing; try again',
    },
  },
  {
    method: 'POST',
    route: ROUTE.enablePbx,
    summary: 'Enable a PBX endpoint that was disabled after 410 Gone',
    responses: { ...withId, 200: 'enabled' },
  },
  {
    method: 'POST',
    route: ROUTE.rotatePbxSecret,
    summary: 'Rotate the PBX signing secret; the answer carries the new secret, once',
    responses: { ...withId, 200: 'the new secret' },
  },
  {
    method: 'POST',
    route: ROUTE.pbxApiKey,
    summary:
      "Mint the PBX's API key for GET /api/pbx/v1/users/{user}/status; the answer carries it, once. Minting again replaces the old key at once",
    responses: { ...withId, 200: 'the new key', 409: 'the integration kept changing; try again' },
  },
  {
    method: 'DELETE',
    route: ROUTE.pbxApiKey,
    summary: "Revoke the PBX's API key: the status pull endpoint refuses it from now on",
    responses: {
      ...withId,
      204: 'revoked (or there was none)',
      409: 'the integration kept changing; try again',
    },
  },
  {
    method: 'GET',
    route: ROUTE.booking,
    summary:
      "Call-centre booking: on or off, the group whose members may be booked, and the call centre's key (whether one is set, its short id, when it was minted, until when a replaced one still works); never a key or its hash",
    responses: { ...withId, 200: 'the booking settings' },
  },
  {
    method: 'PUT',
    route: ROUTE.booking,
    summary:
      'Turn call-centre booking on (consent granted, and a mail-enabled security group, checked with Graph) or off (the booking API refuses every call; group and keys are kept, so turning it on again needs no new key)',
    body: bookingSettingsSchema,
    responses: {
      ...withId,
      200: 'the booking settings',
      400: 'malformed body, no group to turn on with, or the group is unknown or not a mail-enabled security group (`path`: groupId)',
      409: 'an Exchange Server integration (booking is Microsoft 365 only), no consent, the app may not read the group, Graph throttled, or the integration kept changing',
    },
  },
  {
    method: 'POST',
    route: ROUTE.bookingCredential,
    summary:
      "Mint the call centre's key for the booking API; the answer carries it, once. It replaces the current key at once, or with `overlap` after a day",
    body: bookingCredentialSchema,
    bodyOptional: true,
    responses: {
      ...withId,
      201: 'the new key, its id, when it was minted and until when the replaced one works',
      400: 'malformed body',
      409: 'an Exchange Server integration, or the integration kept changing',
    },
  },
  {
    method: 'DELETE',
    route: ROUTE.bookingCredential,
    summary: "Revoke the call centre's keys (current and replaced): the booking API refuses them from now on",
    responses: {
      ...withId,
      204: 'revoked (or there was none)',
      409: 'an Exchange Server integration, or the integration kept changing',
    },
  },
  {
    method: 'GET',
    route: ROUTE.bookingLog,
    summary:
      'The newest lines of the booking log, newest first: when, which key, the action, the result, the booking and the mailbox',
    query: {
      limit: `lines, 1 to ${BOOKING_LOG_MAX_LIMIT} (default ${BOOKING_LOG_DEFAULT_LIMIT})`,
    },
    responses: { ...withId, 200: 'the log lines', 400: 'bad limit' },
  },
  {
    method: 'GET',
    route: ROUTE.deadLetters,
    summary: 'The newest dead letters of a queue (`sync` or `deliveries`): ids, reason, times; never bodies',
    responses: { ...common, 200: 'the dead letters, or why they cannot be read', 400: 'no such queue' },
  },
  {
    method: 'POST',
    route: ROUTE.resubmitDeadLetters,
    summary: 'Send dead letters back to their queue as fresh messages (the listed message ids, or up to 100)',
    body: resubmitBodySchema,
    bodyOptional: true,
    responses: { ...common, 202: 'sent back', 400: 'no such queue or malformed body' },
  },
];
