// Graph's lifecycle notifications for a subscription. "missed" stands for any
// event we do not know: Graph may add kinds, and every one of them can mean
// lost notifications, so each is at least a catch-up.
// https://learn.microsoft.com/graph/change-notifications-lifecycle-events

export const LIFECYCLE_EVENTS = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export function lifecycleEventOf(value: string): LifecycleEvent {
  return value === 'reauthorizationRequired' || value === 'subscriptionRemoved' ? value : 'missed';
}
