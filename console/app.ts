import { callApi, takeKeyFromAddress } from './api.js';
import type { Integration } from './apiTypes.js';
import { renderBooking } from './bookingTab.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, el, notice, select } from './elements.js';
import { renderHealth } from './healthTab.js';
import { renderIntegrations } from './integrationsTab.js';
import { type LabelKey, language, setLanguage, t } from './labels.js';
import { renderRules } from './rulesTab.js';
import { renderSettings } from './settingsTab.js';
import { renderUsers } from './usersTab.js';

/** The console page: a header (language, integration), tabs, and the chosen tab's panel. */
const TABS = [
  { id: 'integrations', label: 'tabIntegrations', render: renderIntegrations },
  { id: 'settings', label: 'tabSettings', render: renderSettings },
  { id: 'rules', label: 'tabRules', render: renderRules },
  { id: 'users', label: 'tabUsers', render: renderUsers },
  { id: 'health', label: 'tabHealth', render: renderHealth },
  { id: 'booking', label: 'tabBooking', render: renderBooking },
] as const satisfies readonly {
  id: string;
  label: LabelKey;
  render: (context: ConsoleContext) => HTMLElement;
}[];
type TabId = (typeof TABS)[number]['id'];

const state: { integrations: Integration[]; selectedId: string | undefined; tab: TabId; loadError?: string } =
  {
    integrations: [],
    selectedId: undefined,
    tab: 'integrations',
  };

const root = document.getElementById('console') as HTMLElement;

function context(): ConsoleContext {
  return {
    integrations: state.integrations,
    selected: state.integrations.find((integration) => integration.id === state.selectedId),
    select(id) {
      state.selectedId = id;
      render();
    },
    reload: load,
  };
}

async function load(selectId?: string): Promise<void> {
  const answer = await callApi<Integration[]>('GET', 'integrations');
  if (answer.ok) {
    state.integrations = answer.body;
    if (selectId) state.selectedId = selectId;
    delete state.loadError;
    if (!state.integrations.some((integration) => integration.id === state.selectedId)) {
      state.selectedId = state.integrations[0]?.id;
    }
  } else {
    state.loadError = answer.error;
  }
  render();
}

function tabList(): HTMLElement {
  const list = el('div', { role: 'tablist', 'aria-label': t('title') });
  const buttons = TABS.map((tab) => {
    const selected = tab.id === state.tab;
    return button(
      t(tab.label),
      () => {
        state.tab = tab.id;
        render();
        document.getElementById(`tab-${tab.id}`)?.focus();
      },
      {
        role: 'tab',
        id: `tab-${tab.id}`,
        'aria-selected': selected ? 'true' : 'false',
        'aria-controls': 'panel',
        tabindex: selected ? '0' : '-1',
      },
    );
  });
  // Arrow keys move between tabs, as in any tab list.
  list.addEventListener('keydown', (event) => {
    const index = TABS.findIndex((tab) => tab.id === state.tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = TABS[(index + step + TABS.length) % TABS.length];
    if (next) buttons[TABS.indexOf(next)]?.click();
  });
  list.append(...buttons);
  return list;
}

function header(): HTMLElement {
  const picker = select(
    state.integrations.map((integration) => ({
      value: integration.id,
      label: `${integration.name} (${integration.id})`,
    })),
    state.selectedId ?? '',
    { id: 'integration-picker' },
  );
  picker.addEventListener('change', () => context().select(picker.value));
  return el(
    'header',
    {},
    el('h1', {}, t('title')),
    el(
      'div',
      { class: 'header-controls' },
      state.integrations.length > 0
        ? el('span', { class: 'picker' }, el('label', { for: picker.id }, t('integration')), picker)
        : null,
      button(
        t('language'),
        () => {
          setLanguage(language() === 'sv' ? 'en' : 'sv');
          render();
        },
        { 'aria-label': t('languageName'), lang: language() === 'sv' ? 'en' : 'sv', id: 'language-toggle' },
      ),
    ),
  );
}

function render(): void {
  const tab = TABS.find((candidate) => candidate.id === state.tab) ?? TABS[0];
  const problems = notice();
  if (state.loadError) problems.error(state.loadError);
  const panel = el(
    'main',
    { id: 'panel', role: 'tabpanel', 'aria-labelledby': `tab-${tab.id}`, tabindex: '-1' },
    problems.element,
    tab.render(context()),
  );
  document.title = `${t(tab.label)} · ${t('title')}`;
  root.replaceChildren(header(), el('nav', {}, tabList()), panel);
}

takeKeyFromAddress();
setLanguage(language());
root.replaceChildren(el('p', {}, t('loading')));
void load();
