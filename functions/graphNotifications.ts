import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { registerHttp } from './http/functionRegistry';
import { answerGraphPost } from './http/graphPost';

/** Graph change notifications: each verified one queues a sync of its user (coalesced per user). */
export function graphNotifications(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return answerGraphPost(request, context, 'notification');
}

registerHttp('graphNotifications', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'graph/notifications',
  handler: graphNotifications,
});
