import type { Integration } from './apiTypes.js';

/** What a tab gets from the page: the chosen integration and a way to reload after a change. */
export interface ConsoleContext {
  integrations: readonly Integration[];
  /** The integration the Settings, Rules, Users and Health tabs work on. */
  selected: Integration | undefined;
  select(id: string): void;
  /** Reloads the integrations from the API (then chooses `selectId`, if given) and draws the tab again. */
  reload(selectId?: string): Promise<void>;
}
