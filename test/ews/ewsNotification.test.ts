// Reading Exchange's SendNotification: the shape Exchange sends, and the
// malformed or hostile bodies an anonymous caller may send instead, each
// refused with a reason and never a throw.
import {
  isStatusOnly,
  newestWatermark,
  parseSendNotification,
  sendNotificationResult,
} from '../../shared/exchange/ewsNotification';

const envelope = (notification: string, messages = 1) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ` +
  `xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
  `<soap:Body><m:SendNotification><m:ResponseMessages>` +
  `<m:SendNotificationResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Notification>${notification}</m:Notification></m:SendNotificationResponseMessage>`.repeat(
    messages,
  ) +
  `</m:ResponseMessages></m:SendNotification></soap:Body></soap:Envelope>`;

const created = (watermark: string) =>
  `<t:CreatedEvent><t:Watermark>${watermark}</t:Watermark><t:TimeStamp>2026-12-02T08:00:00Z</t:TimeStamp>` +
  `<t:ItemId Id="AAMk=" ChangeKey="CQ=="/><t:ParentFolderId Id="AQMk=" ChangeKey="AQ=="/></t:CreatedEvent>`;

describe('SendNotification', () => {
  it('reads the subscription, the watermarks and the events in order', () => {
    const parsed = parseSendNotification(
      envelope(
        `<t:SubscriptionId>c3Vi+/=</t:SubscriptionId><t:PreviousWatermark>d00=</t:PreviousWatermark>` +
          `<t:MoreEvents>true</t:MoreEvents>${created('d01=')}<t:ModifiedEvent><t:Watermark>d02=</t:Watermark></t:ModifiedEvent>`,
      ),
    );
    expect(parsed).toEqual({
      ok: true,
      notification: {
        subscriptionId: 'c3Vi+/=',
        previousWatermark: 'd00=',
        moreEvents: true,
        events: [
          { type: 'CreatedEvent', watermark: 'd01=' },
          { type: 'ModifiedEvent', watermark: 'd02=' },
        ],
        responseCode: 'NoError',
      },
    });
    if (!parsed.ok) throw new Error('unreachable');
    expect(newestWatermark(parsed.notification)).toBe('d02=');
    expect(isStatusOnly(parsed.notification)).toBe(false);
  });

  it('tells a status ping apart', () => {
    const parsed = parseSendNotification(
      envelope(
        `<t:SubscriptionId>c3Vi</t:SubscriptionId><t:PreviousWatermark>d00=</t:PreviousWatermark>` +
          `<t:MoreEvents>false</t:MoreEvents><t:StatusEvent><t:Watermark>d00=</t:Watermark></t:StatusEvent>`,
      ),
    );
    expect(parsed.ok && isStatusOnly(parsed.notification)).toBe(true);
  });

  it.each([
    ['not XML', 'hello', 'not well-formed'],
    ['JSON', '{"value":[]}', 'not well-formed'],
    ['another operation', envelope('').replace(/SendNotification>/g, 'FindItem>'), 'SendNotification'],
    ['two subscriptions in one POST', envelope('<t:SubscriptionId>a</t:SubscriptionId>', 2), 'exactly one'],
    [
      'no subscription id',
      envelope(
        `<t:PreviousWatermark>d00=</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>${created('d01=')}`,
      ),
      'subscriptionId',
    ],
    [
      'a script for an id',
      envelope(
        `<t:SubscriptionId>&lt;script&gt;</t:SubscriptionId><t:PreviousWatermark>d00=</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>${created('d01=')}`,
      ),
      'subscriptionId',
    ],
    [
      'an unknown event',
      envelope(
        `<t:SubscriptionId>c3Vi</t:SubscriptionId><t:PreviousWatermark>d00=</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents><t:BogusEvent><t:Watermark>x</t:Watermark></t:BogusEvent>`,
      ),
      'events.0.type',
    ],
    [
      'no event',
      envelope(
        `<t:SubscriptionId>c3Vi</t:SubscriptionId><t:PreviousWatermark>d00=</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>`,
      ),
      'no event',
    ],
    [
      'an entity declaration',
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>${envelope('')}`,
      'document type',
    ],
    ['a huge body', `<a>${'x'.repeat(600 * 1024)}</a>`, 'larger than'],
  ])('refuses %s with a reason', (_what, body, reason) => {
    const parsed = parseSendNotification(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('answers OK or Unsubscribe as a SendNotificationResult', () => {
    expect(sendNotificationResult('Unsubscribe')).toContain(
      '<SendNotificationResult xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><SubscriptionStatus>Unsubscribe</SubscriptionStatus>',
    );
  });
});
