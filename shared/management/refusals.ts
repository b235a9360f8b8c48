// The refusals the management services share, worded once.
import { conflict, notFound, type Refusal } from '../outcome';

/** Written by others in every round: the caller may simply try again. */
export const keptChanging = (what: string): Refusal => conflict(`the ${what} kept changing; try again`);
export const noIntegration = (id: string): Refusal => notFound(`no integration ${id}`);
export const noUser = (integrationId: string, userId: string): Refusal =>
  notFound(`no user ${userId} in integration ${integrationId}`);
