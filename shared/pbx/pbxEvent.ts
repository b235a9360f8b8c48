// The webhook payloads the PBX receives (schema version 1). The envelope
// follows Standard Webhooks' suggested shape: `type`, `timestamp`, `data`.
// docs/pbx-webhooks.md is the contract written out for PBX vendors.

import type { CallHandling } from '../domain/absence';
import type { AnnouncementLanguage } from '../domain/announcement';

export const PBX_SCHEMA_VERSION = 1;

export interface PbxAbsence {
  id: string;
  /** Grows with every change of this absence; a PBX drops anything older than what it has. */
  version: number;
  start: string;
  end: string;
  reason: { code: string; name: string };
  callHandling: CallHandling;
  seriesId?: string;
  subject?: string;
}

interface Envelope<Type extends string, Data> {
  type: Type;
  schemaVersion: typeof PBX_SCHEMA_VERSION;
  /** When the change was detected (UTC ISO 8601). */
  timestamp: string;
  integrationId: string;
  data: Data;
}

export interface PbxUser {
  id: string;
  email: string;
}

export type AbsenceUpserted = Envelope<'absence.upserted', { user: PbxUser; absence: PbxAbsence }>;
export type AbsenceDeleted = Envelope<
  'absence.deleted',
  { user: PbxUser; absence: { id: string; version: number; seriesId?: string } }
>;
/**
 * Every live absence of one user. `version` is at least the version of
 * everything the snapshot reflects: the PBX removes the user's absences that
 * are missing from it and older than `version`, keeps newer ones (changes
 * made after the snapshot was taken), and drops later webhooks of the user
 * older than `version`.
 */
export type UserSnapshot = Envelope<
  'user.snapshot',
  { user: PbxUser; version: number; absences: PbxAbsence[]; status?: PbxStatus }
>;
/**
 * One stretch of a user's status. `until` is when this state ends (null: an
 * available stretch with nothing after it); `returnAt` is when the user is
 * next available, following chained and overlapping absences and, when the
 * rules say so, the start of working hours.
 */
export type PbxStatusSegment =
  | { status: 'available'; start: string; until: string | null }
  | {
      status: 'away';
      start: string;
      until: string;
      returnAt: string;
      reason: { code: string; name: string };
      callHandling: CallHandling;
      /** The absences that decide this state, as the absence events name them. */
      absenceIds: string[];
      /** True when `returnAt` is not a return: an Outlook automatic reply is on with no end, and we stop looking there. */
      returnUnknown?: true;
    };

/** The user's state now and the one after it, with a sentence for callers. */
export interface PbxStatus {
  current: PbxStatusSegment;
  next: PbxStatusSegment | null;
  announcement: { language: AnnouncementLanguage; text: string };
}

/** Sent when the current or the next state changes: by a calendar change, or because time reached `until`. */
export type UserStatusChanged = Envelope<
  'user.status',
  { user: PbxUser; version: number; status: PbxStatus }
>;

export type PbxEvent = AbsenceUpserted | AbsenceDeleted | UserSnapshot | UserStatusChanged;
export type PbxEventType = PbxEvent['type'];

/** A message on the `deliveries` queue: one webhook to send, already versioned. */
export interface DeliveryRequest {
  /** Stable across retries; becomes the `webhook-id` header. */
  webhookId: string;
  integrationId: string;
  event: PbxEvent;
  /** 1 for the first attempt (the default); each retry is a new scheduled message with the next number. */
  attempt?: number;
  /** How often an operator replayed this webhook (absent: never); keeps the retry message ids of each run apart. */
  replay?: number;
  /** When the change notification that caused this webhook arrived (ISO); times notification to PBX answer. */
  notifiedAt?: string;
  /** How often this attempt found every PBX slot taken and came back later (absent: never); not an attempt. */
  deferred?: number;
}
