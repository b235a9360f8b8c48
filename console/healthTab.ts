// Health of one integration: the dashboard route's figures and the delivery
// log's latest errors, with the repairs an operator needs: replay the failed
// webhooks, enable a PBX endpoint that was disabled after 410 Gone, and send
// this integration's dead letters back to their queues.

import { callApi, integrationPath } from './api.js';
import type { Dashboard, DeadLetter, DeliverySummary, Replayed, Resubmitted } from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, el, notice, table } from './elements.js';
import { formatTime, labelFor, t } from './labels.js';

export function renderHealth(context: ConsoleContext): HTMLElement {
  const integration = context.selected;
  if (!integration) return el('p', {}, t('noIntegrations'));
  const messages = notice();
  const figures = el('div', { class: 'figures', 'aria-busy': 'true' }, el('p', {}, t('loading')));
  const enableSlot = el('span', { class: 'enable-slot' });

  /** Runs an action, draws the figures again, then says how it went (drawing clears the messages). */
  const act = async (run: () => Promise<{ ok: true; text: string } | { ok: false; error: string }>) => {
    const outcome = await run();
    await draw();
    if (outcome.ok) messages.info(outcome.text);
    else messages.error(outcome.error);
  };

  const replay = button(
    t('replay'),
    () =>
      void act(async () => {
        const answer = await callApi<Replayed>(
          'POST',
          integrationPath(integration.id, '/deliveries/replay'),
          {},
        );
        return answer.ok
          ? { ok: true, text: `${t('replayedCount')} ${answer.body.replayed.length}` }
          : { ok: false, error: answer.error };
      }),
    { id: 'health-replay' },
  );
  const enable = button(
    t('enableEndpoint'),
    () =>
      void act(async () => {
        const answer = await callApi('POST', integrationPath(integration.id, '/pbx/enable'));
        return answer.ok ? { ok: true, text: t('endpointEnabled') } : { ok: false, error: answer.error };
      }),
    { id: 'health-enable-endpoint' },
  );

  /** Sends back the dead letters shown (this integration's only, never the whole queue's). */
  const resubmit = (letters: DeadLetter[]) =>
    button(
      t('resubmit'),
      () =>
        void act(async () => {
          let count = 0;
          for (const queue of ['sync', 'deliveries'] as const) {
            const messageIds = letters.filter((l) => l.queue === queue).map((l) => l.messageId);
            if (messageIds.length === 0) continue;
            const answer = await callApi<Resubmitted>('POST', `dead-letters/${queue}/resubmit`, {
              messageIds,
            });
            if (!answer.ok) return { ok: false, error: answer.error };
            count += answer.body.resubmitted.length;
          }
          return { ok: true, text: `${t('resubmittedCount')} ${count}` };
        }),
      { id: 'health-resubmit' },
    );

  const draw = async () => {
    figures.setAttribute('aria-busy', 'true');
    const [dashboard, deliveries] = await Promise.all([
      callApi<Dashboard>('GET', integrationPath(integration.id, '/dashboard')),
      callApi<DeliverySummary>('GET', integrationPath(integration.id, '/deliveries?errors=10')),
    ]);
    messages.clear();
    if (!dashboard.ok || !deliveries.ok) {
      messages.error(dashboard.ok ? (deliveries.ok ? '' : deliveries.error) : dashboard.error);
      figures.replaceChildren();
      return;
    }
    const d = dashboard.body;
    const log = deliveries.body;
    const queue = d.deliveries;
    enableSlot.replaceChildren(log.endpoint.state === 'disabled' ? enable : '');
    const facts: [string, string, string][] = [
      ...(d.credentials
        ? [
            ['credentials', t('credentials'), labelFor('credentials', d.credentials)] as [
              string,
              string,
              string,
            ],
          ]
        : []),
      ['last-sync', t('lastSync'), formatTime(d.lastSyncAt)],
      ['users-total', t('usersTotal'), String(d.users.total)],
      ['updated-last-hour', t('updatedLastHour'), String(d.users.updatedLastHour)],
      ['never-updated', t('neverUpdated'), String(d.users.neverUpdated)],
      ['in-error', t('inError'), String(d.users.inError)],
      ['pending-consent', t('pendingConsent'), String(d.users.pendingConsent)],
      [
        'unreadable',
        t('unreadable'),
        d.unreadableMailboxes.length > 0 ? d.unreadableMailboxes.join(', ') : '0',
      ],
      ['expiring-soon', t('expiringSoon'), String(d.subscriptions.expiringSoon)],
      ['missing', t('missing'), String(d.subscriptions.missing)],
      ...(d.onboarding ? [onboardingFact(d.onboarding)] : []),
      [
        'queued',
        t('queued'),
        queue.available ? String(queue.active) : `${t('unavailable')}: ${queue.reason}`,
      ],
      ['queue-scheduled', t('queueScheduled'), queue.available ? String(queue.scheduled) : t('unavailable')],
      ['dead-lettered', t('deadLettered'), queue.available ? String(queue.deadLettered) : t('unavailable')],
      ...(['sync', 'deliveries'] as const).map((name): [string, string, string] => {
        const count = d.deadLetters[name].count;
        return [
          `dead-letters-${name}`,
          `${t('deadLettersOf')} ${name}`,
          count === undefined ? t('unavailable') : String(count),
        ];
      }),
      ['delivery-pending', t('deliveryPending'), String(log.counts.pending)],
      ['delivery-failed', t('deliveryFailed'), String(log.counts.failed)],
      ['delivery-delivered', t('deliveryDelivered'), String(log.counts.delivered)],
      [
        'endpoint',
        t('endpoint'),
        log.endpoint.state === 'disabled'
          ? `${labelFor('endpoint', 'disabled')}: ${log.endpoint.reason}`
          : labelFor('endpoint', 'active'),
      ],
    ];
    figures.replaceChildren(
      el(
        'dl',
        {},
        ...facts.map(([id, term, value]) =>
          el('div', { class: 'figure', 'data-figure': id }, el('dt', {}, term), el('dd', {}, value)),
        ),
      ),
      el('h3', {}, t('latestErrors')),
      log.lastErrors.length > 0
        ? table(
            [t('when'), t('type'), t('user'), t('attempts'), t('error')],
            log.lastErrors.map((error) => [
              el('span', {}, formatTime(error.at)),
              el('span', {}, error.type),
              el('span', {}, error.userId),
              el('span', {}, String(error.attempts)),
              el('span', {}, error.error),
            ]),
          )
        : el('p', {}, t('noErrors')),
      el('h3', {}, t('deadLetters')),
      ...deadLetterRows(d, resubmit),
    );
    figures.setAttribute('aria-busy', 'false');
  };

  void draw();
  return el(
    'section',
    { 'aria-labelledby': 'health-heading' },
    el('h2', { id: 'health-heading' }, `${t('tabHealth')}: ${integration.name}`),
    el(
      'div',
      { class: 'save-row' },
      button(t('refresh'), () => void draw(), { id: 'health-refresh' }),
      replay,
      enableSlot,
    ),
    messages.element,
    figures,
  );
}

/** This integration's newest dead letters of both queues, or why a queue's cannot be read. */
function deadLetterRows(dashboard: Dashboard, resubmit: (letters: DeadLetter[]) => Node): Node[] {
  const letters: DeadLetter[] = [];
  const problems: Node[] = [];
  for (const name of ['sync', 'deliveries'] as const) {
    const recent = dashboard.deadLetters[name].recent;
    if (recent.available) letters.push(...recent.letters);
    else problems.push(el('p', {}, `${name}: ${t('unavailable')}: ${recent.reason}`));
  }
  if (letters.length === 0) return [...problems, el('p', {}, t('noDeadLetters'))];
  return [
    ...problems,
    table(
      [t('when'), t('queue'), t('user'), t('attempts'), t('reason')],
      letters.map((letter) => [
        el('span', {}, formatTime(letter.deadLetteredAt)),
        el('span', {}, letter.queue),
        el('span', {}, letter.userId ?? ''),
        el('span', {}, String(letter.attempts)),
        el('span', {}, [letter.reason, letter.lastFailure].filter(Boolean).join(': ')),
      ]),
    ),
    el('div', { class: 'save-row' }, resubmit(letters)),
  ];
}

/** "3400 / 10000, about 4 min left" while adding a consent's or a followed group's users; "done" once all are known. */
function onboardingFact(o: NonNullable<Dashboard['onboarding']>): [string, string, string] {
  const figures = `${o.done} / ${o.total}${o.refused > 0 ? ` (${o.refused} ${t('onboardingRefused')})` : ''}`;
  const state = o.finishedAt
    ? t('onboardingDone')
    : o.minutesLeft === undefined
      ? ''
      : `${t('onboardingAbout')} ${o.minutesLeft} min`;
  return ['onboarding', t('onboarding'), state ? `${figures}, ${state}` : figures];
}
