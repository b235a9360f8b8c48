// The booking API's routes and its OpenAPI 3.1 document: what the call-centre
// system's developers build against. Request schemas are the zod schemas
// that validate the bodies (shared/booking/bookingRequests.ts), so the
// document cannot drift from what is accepted.
import { z } from 'zod';
import { BOOKING_STATES } from '../../shared/booking/bookingRecord';
import {
  bookRequestSchema,
  freeTimeRequestSchema,
  moveRequestSchema,
} from '../../shared/booking/bookingRequests';

const BASE = 'booking/v1';

export const BOOKING_ROUTE = {
  freeTime: `${BASE}/free-time`,
  bookings: `${BASE}/bookings`,
  booking: `${BASE}/bookings/{bookingId}`,
  openApi: `${BASE}/openapi.json`,
} as const;

type JsonObject = Record<string, unknown>;

const error = { type: 'object', properties: { error: { type: 'string' }, path: { type: 'string' } } };
const slot = {
  type: 'object',
  required: ['start', 'end'],
  properties: {
    start: { type: 'string', format: 'date-time' },
    end: { type: 'string', format: 'date-time' },
  },
};
const booking = {
  type: 'object',
  required: ['bookingId', 'user', 'subject', 'start', 'end', 'state', 'createdAt', 'updatedAt'],
  properties: {
    bookingId: { type: 'string' },
    user: { type: 'string' },
    subject: { type: 'string' },
    start: { type: 'string', format: 'date-time' },
    end: { type: 'string', format: 'date-time' },
    location: { type: 'string' },
    callerReference: { type: 'string' },
    state: {
      type: 'string',
      enum: [...BOOKING_STATES],
      description:
        'booked; moved (by the call centre, or by the person in Outlook); cancelled (by the call centre); goneInOutlook (deleted in Outlook)',
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const bookingAnswer = {
  type: 'object',
  required: ['booking'],
  properties: { booking: { $ref: '#/components/schemas/Booking' } },
};
const freeTimeAnswer = {
  type: 'object',
  required: ['users'],
  properties: {
    users: {
      type: 'array',
      items: {
        type: 'object',
        required: ['user', 'kind'],
        properties: {
          user: { type: 'string' },
          kind: { type: 'string', enum: ['slots', 'refused'] },
          slots: { type: 'array', items: { $ref: '#/components/schemas/Slot' } },
          workingHours: {
            type: 'object',
            properties: {
              daysOfWeek: { type: 'array', items: { type: 'string' } },
              start: { type: 'string' },
              end: { type: 'string' },
              timeZone: { type: 'string' },
            },
          },
          reason: { type: 'string' },
        },
      },
    },
  },
};

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const refusals = (statuses: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(statuses).map(([status, description]) => [
      status,
      { description, content: json('Error') },
    ]),
  );
const COMMON = {
  '400': 'bad input; `path` names the field',
  '401': 'no valid booking key',
  '409': 'booking is off for the integration, or the integration is not connected',
  '429': 'the key’s rate limit; Retry-After says when to try again',
};

function body(schema: z.ZodType): JsonObject {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonObject;
  return { required: true, content: { 'application/json': { schema: rest } } };
}

export function bookingOpenApiDocument(baseUrl: string): JsonObject {
  const bookingIdParameter = { name: 'bookingId', in: 'path', required: true, schema: { type: 'string' } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'pbx-calendar-sync booking API',
      version: '1',
      description:
        'For the call-centre system of one integration: free time of the people it may book, and appointments it books, ' +
        'moves and cancels in their Outlook calendars. Every route but this document needs the integration’s booking key ' +
        '(Authorization: Bearer ccbk_…), which the operator mints; the operator’s function key opens nothing here.',
    },
    servers: [{ url: `${baseUrl.replace(/\/+$/, '')}/api` }],
    security: [{ bookingKey: [] }],
    components: {
      securitySchemes: {
        bookingKey: { type: 'http', scheme: 'bearer', description: 'ccbk_<integration>_<random>' },
      },
      schemas: {
        Error: error,
        Slot: slot,
        Booking: booking,
        BookingAnswer: bookingAnswer,
        FreeTime: freeTimeAnswer,
      },
    },
    paths: {
      [`/${BOOKING_ROUTE.freeTime}`]: {
        post: {
          summary: 'Free slots of the given length inside each person’s working hours (Graph getSchedule)',
          requestBody: body(freeTimeRequestSchema),
          responses: {
            '200': {
              description: 'per person, the slots or why none can be given',
              content: json('FreeTime'),
            },
            ...refusals({ ...COMMON, '503': 'Microsoft 365 throttled or failed; Retry-After when it said' }),
          },
        },
      },
      [`/${BOOKING_ROUTE.bookings}`]: {
        get: {
          summary: 'The newest bookings, with where each stands in Outlook now',
          parameters: [
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 200 },
            },
          ],
          responses: {
            '200': {
              description: 'newest first',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      bookings: { type: 'array', items: { $ref: '#/components/schemas/Booking' } },
                    },
                  },
                },
              },
            },
            ...refusals(COMMON),
          },
        },
        post: {
          summary:
            'Book an appointment; the same clientKey again answers the first booking and creates nothing',
          requestBody: body(bookRequestSchema),
          responses: {
            '201': { description: 'booked', content: json('BookingAnswer') },
            '200': {
              description: 'this clientKey was booked before: that booking',
              content: json('BookingAnswer'),
            },
            ...refusals({
              ...COMMON,
              '403': 'the mailbox is not in the integration’s booking group; nothing was written',
              '404': 'no such mailbox',
              '409':
                'the slot is no longer free, the clientKey was used for another booking, or booking is off',
              '503': 'Microsoft 365 throttled or failed; nothing was written',
            }),
          },
        },
      },
      [`/${BOOKING_ROUTE.booking}`]: {
        patch: {
          summary: 'Move a booking to a new time, if that time is free',
          parameters: [bookingIdParameter],
          requestBody: body(moveRequestSchema),
          responses: {
            '200': { description: 'moved', content: json('BookingAnswer') },
            ...refusals({
              ...COMMON,
              '403': 'Microsoft 365 refused the write',
              '404': 'no such booking, or it was deleted in Outlook',
              '409': 'the new time is not free, or the booking was cancelled',
              '503': 'Microsoft 365 throttled or failed',
            }),
          },
        },
        delete: {
          summary: 'Cancel a booking: the appointment is deleted from the calendar',
          parameters: [bookingIdParameter],
          responses: {
            '200': { description: 'cancelled (also when it already was)', content: json('BookingAnswer') },
            ...refusals({ ...COMMON, '403': 'Microsoft 365 refused the write', '404': 'no such booking' }),
          },
        },
      },
      [`/${BOOKING_ROUTE.openApi}`]: {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}
