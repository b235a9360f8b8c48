// Route ids become table keys: one that cannot be a key is the caller's
// mistake (400 with a reason), never a storage error.
import {
  INTEGRATION_ID_MAX_LENGTH,
  idLengthProblem,
  USER_ID_MAX_LENGTH,
} from '../../shared/domain/identifiers';

const LIMITS: Record<string, number> = {
  id: INTEGRATION_ID_MAX_LENGTH,
  integrationId: INTEGRATION_ID_MAX_LENGTH,
  userId: USER_ID_MAX_LENGTH,
};

/** The first route parameter that is too short or too long, as a reason. */
export function routeIdProblem(params: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(params)) {
    const problem = idLengthProblem(name, value, LIMITS[name] ?? USER_ID_MAX_LENGTH);
    if (problem) return problem;
  }
  return undefined;
}
