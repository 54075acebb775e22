/**
 * What the recorder writes for an exchange: credentials gone by key and by value (also inside
 * texts, URLs and JSON-escaped), facts about credentials kept with their type, and with
 * `anonymise` stable placeholders for words and addresses.
 */
import { describe, expect, it } from 'vitest';
import { ExchangeScrubber } from '../../src/record/scrub.js';

const PASSWORD = 'Pw-0f-The-B0t!';
const TICKET = 'd5a9c3c2fc696c4a4b55';
const TOKEN = 'dd737a29-7819-41dc-ad93-a38aab2c9409';

function login(s: ExchangeScrubber): string {
  return JSON.stringify(
    s.scrub(
      {
        method: 'account/login',
        url: '/api/account/login',
        request: { email: 'bot@team.example', password: PASSWORD, remember_me: true },
        status: 200,
        headers: { 'set-cookie': [`token_id=${TOKEN}; Path=/; HttpOnly`], 'content-type': 'application/json' },
        body: JSON.stringify({ account_id: 'acc-1', ticket: TICKET, profiles: [{ mk_rec_type: 'contact', account_id: 'acc-1', has_password: true, email: 'bot@team.example' }] }),
      },
      'setup',
    ),
  );
}

describe('ExchangeScrubber', () => {
  it('redacts by key and learns the ticket and token, then redacts them by value anywhere later', () => {
    const s = new ExchangeScrubber({ password: PASSWORD });
    const first = login(s);
    expect(first).not.toContain(PASSWORD);
    expect(first).not.toContain(TICKET);
    expect(first).not.toContain(TOKEN);
    expect(first).toContain('"has_password":true');
    const leaky = s.scrub(
      {
        method: 'account/poll',
        url: `/api/file/upload/?ticket=${TICKET}`,
        request: { event_horizon: 5, wait: true, ticket: TICKET },
        status: 200,
        headers: {},
        body: JSON.stringify({
          event_horizon: 6,
          stream: [{ mk_rec_type: 'message', message: `<msg><p>my pass is ${PASSWORD}, cookie ${TOKEN}, ticket ${TICKET}</p></msg>` }],
        }),
      },
      'live',
    );
    const line = s.line(JSON.stringify(leaky));
    for (const secret of [PASSWORD, TICKET, TOKEN]) expect(line).not.toContain(secret);
    expect(leaky.request).toEqual({ event_horizon: 5, wait: true, ticket: '[REDACTED]' });
    expect(leaky.path).toBe('/api/file/upload/?ticket=[REDACTED]');
  });

  it('anonymises texts, names and e-mails with stable placeholders, keeping ids and system bodies', () => {
    const s = new ExchangeScrubber({ password: PASSWORD, anonymise: true });
    const call = s.scrub(
      {
        method: 'account/poll',
        url: '/api/account/poll',
        request: { event_horizon: 1 },
        status: 200,
        headers: {},
        body: JSON.stringify({
          stream: [
            { mk_rec_type: 'contact', account_id: 'acc-2', display_name: 'Alice Smith', email: 'alice@team.example', fleep_address: 'alice' },
            { mk_rec_type: 'message', conversation_id: 'c-1', message_nr: 2, message: '<msg><p>mail alice@team.example</p></msg>' },
            { mk_rec_type: 'message', conversation_id: 'c-1', message_nr: 1, message: '{"members":["acc-2"],"topic":"Secret plans"}' },
            { mk_rec_type: 'conv', conversation_id: 'c-1', topic: 'Secret plans', cmail: 'conv.x@team.example' },
          ],
        }),
      },
      'live',
    );
    const [contact, text, system, conv] = (call.response as { stream: Array<Record<string, unknown>> }).stream;
    expect(contact).toEqual({ mk_rec_type: 'contact', account_id: 'acc-2', display_name: 'text 1', email: 'person1@example.invalid', fleep_address: 'text 2' });
    expect(text).toMatchObject({ message_nr: 2, message: '<msg><p>text 3</p></msg>' });
    expect(JSON.parse(system!['message'] as string)).toEqual({ members: ['acc-2'], topic: 'text 4' });
    expect(conv).toMatchObject({ topic: 'text 4', cmail: 'person2@example.invalid' });
  });
});
