// Every 5 minutes: one sync per mailbox of the Exchange Server integrations
// in folder-permission mode, which Exchange gives no push notifications
// (shared/exchange/folderPermissionPoll.ts). Impersonation mode is pushed.

import type { InvocationContext, Timer } from '@azure/functions';
import { pollFolderPermissionMailboxes } from '../shared/exchange/folderPermissionPoll';
import { getRuntime } from '../shared/runtime';
import { registerTimer } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

export async function exchangePoll(_timer: Timer, context: InvocationContext): Promise<void> {
  const runtime = await getRuntime();
  await pollFolderPermissionMailboxes(runtime.folderPermissionPoll(invocationLogger(context)));
}

// FOLDER_PERMISSION_POLL_MINUTES (5) as a schedule.
registerTimer('exchangePoll', {
  schedule: '0 */5 * * * *',
  handler: exchangePoll,
});
