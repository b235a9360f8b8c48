// An integration's mailboxes: add by address (the API's reason shown at the
// field), remove, resync, send the PBX a snapshot, and edit a user's own
// trigger words or see their status and timeline below the list.

import { callApi, integrationPath } from './api.js';
import type { SnapshotQueued, User } from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, el, field, notice, table } from './elements.js';
import { formatTime, labelFor, t } from './labels.js';
import { statusPanel } from './statusPanel.js';
import { userTriggersEditor } from './userTriggers.js';

export function renderUsers(context: ConsoleContext): HTMLElement {
  const integration = context.selected;
  if (!integration) return el('p', {}, t('noIntegrations'));
  const messages = notice();
  const list = el('div', { class: 'user-list' }, el('p', {}, t('loading')));
  const path = (rest: string) => integrationPath(integration.id, rest);
  const editorSlot = el('div', { class: 'editor-slot' });
  let editing: string | undefined;
  const statusSlot = el('div', { class: 'status-slot' });
  let showing: string | undefined;

  const openStatus = (user: { id: string; email: string }) => {
    showing = user.id;
    statusSlot.replaceChildren(
      statusPanel(integration, user, () => {
        showing = undefined;
        statusSlot.replaceChildren();
        void drawList();
      }),
    );
    statusSlot.querySelector<HTMLElement>('h3')?.setAttribute('tabindex', '-1');
    statusSlot.querySelector<HTMLElement>('h3')?.focus();
    void drawList();
  };

  const openEditor = (user: User & { id: string }) => {
    editing = user.id;
    editorSlot.replaceChildren(
      userTriggersEditor(
        integration,
        user,
        () => void drawList(),
        () => {
          editing = undefined;
          editorSlot.replaceChildren();
          void drawList();
        },
      ),
    );
    editorSlot.querySelector<HTMLElement>('h3')?.setAttribute('tabindex', '-1');
    editorSlot.querySelector<HTMLElement>('h3')?.focus();
    // Drawn again so the buttons' aria-expanded says which user is open.
    void drawList();
  };

  const drawList = async () => {
    const answer = await callApi<User[]>('GET', path('/users'));
    if (!answer.ok) {
      list.replaceChildren();
      messages.error(answer.error);
      return;
    }
    list.replaceChildren(
      table(
        [t('email'), t('name'), t('status'), t('lastUpdate'), t('problem'), ''],
        answer.body.map((user) => {
          // A pending address has no id yet; the API withdraws it by the address itself.
          const key = user.id ?? user.email;
          const actions = el('span', { class: 'actions' });
          const id = user.id;
          if (id) {
            const withId = { ...user, id };
            const triggerCount = user.triggers?.length ?? 0;
            actions.append(
              button(t('userStatus'), () => openStatus(withId), {
                'aria-label': `${t('userStatus')} ${user.email}`,
                'aria-expanded': showing === id ? 'true' : 'false',
                'aria-controls': 'user-status',
              }),
              button(
                t('resync'),
                async () => {
                  const queued = await callApi('POST', path(`/users/${encodeURIComponent(key)}/resync`));
                  if (queued.ok) messages.info(`${t('resyncQueued')} ${user.email}`);
                  else messages.error(queued.error);
                },
                { 'aria-label': `${t('resync')} ${user.email}` },
              ),
              button(
                t('sendSnapshot'),
                async () => {
                  const sent = await callApi<SnapshotQueued>(
                    'POST',
                    path(`/users/${encodeURIComponent(id)}/snapshot`),
                  );
                  if (sent.ok) {
                    messages.info(
                      `${t('snapshotQueued')} ${user.email} (${sent.body.absences} ${t('absencesCount')})`,
                    );
                  } else messages.error(sent.error);
                },
                { 'aria-label': `${t('sendSnapshot')} ${user.email}` },
              ),
              button(`${t('userTriggers')} (${triggerCount})`, () => openEditor(withId), {
                'aria-label': `${t('userTriggers')} ${user.email}`,
                'aria-expanded': editing === id ? 'true' : 'false',
                'aria-controls': 'user-triggers',
              }),
            );
          }
          actions.append(
            button(
              t('remove'),
              async () => {
                const removed = await callApi('DELETE', path(`/users/${encodeURIComponent(key)}`));
                if (!removed.ok) {
                  messages.error(removed.error);
                  return;
                }
                messages.info(`${t('removed')} ${user.email}`);
                if (editing === user.id) {
                  editing = undefined;
                  editorSlot.replaceChildren();
                }
                if (showing === user.id) {
                  showing = undefined;
                  statusSlot.replaceChildren();
                }
                await drawList();
              },
              { 'aria-label': `${t('remove')} ${user.email}` },
            ),
          );
          return [
            el('span', {}, user.email),
            el('span', {}, user.displayName ?? ''),
            el('span', { class: `status status-${user.status}` }, labelFor('user', user.status)),
            el('span', {}, formatTime(user.lastSyncAt)),
            el('span', {}, user.problem ?? ''),
            actions,
          ];
        }),
        t('tabUsers'),
      ),
    );
  };

  const email = field(t('email'), el('input', { type: 'email', name: 'email', autocomplete: 'off' }));
  const form = el(
    'form',
    { 'aria-labelledby': 'add-user-heading', novalidate: true, class: 'inline-form' },
    el('h3', { id: 'add-user-heading' }, t('addUser')),
    email.row,
    el('button', { type: 'submit' }, t('add')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    email.setError(undefined);
    messages.clear();
    const answer = await callApi<User>('POST', path('/users'), { email: email.control.value.trim() });
    if (!answer.ok) {
      email.setError(answer.error);
      email.control.focus();
      return;
    }
    messages.info(answer.status === 202 ? t('userPending') : `${t('userAdded')} ${answer.body.email}`);
    email.control.value = '';
    await drawList();
  });

  void drawList();
  return el(
    'section',
    { 'aria-labelledby': 'users-heading' },
    el('h2', { id: 'users-heading' }, `${t('tabUsers')}: ${integration.name}`),
    form,
    messages.element,
    el(
      'div',
      { class: 'save-row' },
      button(t('resyncAll'), async () => {
        const answer = await callApi('POST', path('/resync'));
        if (answer.ok) messages.info(t('resyncQueued'));
        else messages.error(answer.error);
      }),
    ),
    list,
    statusSlot,
    editorSlot,
  );
}
