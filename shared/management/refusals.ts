// The refusals the management services share, worded once.
import { conflict, invalid, notFound, type Outcome, ok, type Refusal } from '../outcome';
import { PropertyTooLargeError } from '../storage/propertyLimits';
import { InvalidKeyError } from '../storage/tableKeys';

/** Written by others in every round: the caller may simply try again. */
export const keptChanging = (what: string): Refusal => conflict(`the ${what} kept changing; try again`);
export const noIntegration = (id: string): Refusal => notFound(`no integration ${id}`);
export const noUser = (integrationId: string, userId: string): Refusal =>
  notFound(`no user ${userId} in integration ${integrationId}`);

/**
 * Runs a write; a row Table Storage would refuse (too large, a key it cannot
 * hold) becomes the caller's mistake, with the request field `fieldOf` names
 * for the stored property at fault. Any other failure is thrown on.
 */
export async function storedOr<T>(
  write: () => Promise<T>,
  fieldOf: (property: string) => string | undefined,
): Promise<Outcome<T>> {
  try {
    return ok(await write());
  } catch (error) {
    if (error instanceof PropertyTooLargeError) return invalid(error.message, fieldOf(error.property));
    if (error instanceof InvalidKeyError) return invalid(error.message, fieldOf(error.what));
    throw error;
  }
}
