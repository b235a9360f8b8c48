// Graph lifecycle notifications (reauthorizationRequired, subscriptionRemoved,
// missed). Each may mean notifications were lost, so every verified one queues
// a catch-up sync of its user carrying the event; that sync renews or
// re-creates the subscription before it reads the calendar.

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { registerHttp } from './http/functionRegistry';
import { answerGraphPost } from './http/graphPost';

export function graphLifecycle(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answerGraphPost(request, context, 'lifecycle');
}

registerHttp('graphLifecycle', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'graph/lifecycle',
  handler: graphLifecycle,
});
