/** The request ledger's de-dup table: responses kept as sent, snapshots in both row forms. */
import { describe, expect, it } from 'vitest';
import { RequestLedger } from '../../src/sandbox/ledger.js';

const init = { method: 'message/send', account_id: 'acc-1', conversation_id: 'conv-1', body: { message: 'hi' }, client_req_id: 'r1', at: 1_000 };

describe('RequestLedger', () => {
  it('answers a repeat with the response text as first sent and counts it', () => {
    const ledger = new RequestLedger();
    ledger.accept(init, '{"result_message_nr":3,"client_req_id":"r1"}');
    expect(ledger.repeat('acc-1', 'r1', 2_000)).toEqual({ responseJson: '{"result_message_nr":3,"client_req_id":"r1"}' });
    expect(ledger.repeat('acc-2', 'r1', 2_000)).toBeUndefined();
    expect(ledger.list()[0]?.repeats).toBe(1);
  });

  it('round-trips its snapshot and restores older snapshots that hold the response as an object', () => {
    const ledger = new RequestLedger();
    ledger.accept(init, '{"a":1}');
    const copy = new RequestLedger();
    copy.restore(JSON.parse(JSON.stringify(ledger.snapshot())) as ReturnType<RequestLedger['snapshot']>);
    expect(copy.repeat('acc-1', 'r1', 2_000)).toEqual({ responseJson: '{"a":1}' });

    const legacy = new RequestLedger();
    legacy.restore([{ key: 'acc-1\u0000r1', at: 1_000, response: { a: 1, b: [2] }, entry: { ...init, seq: 1, repeats: 0 } }]);
    expect(legacy.repeat('acc-1', 'r1', 2_000)).toEqual({ responseJson: '{"a":1,"b":[2]}' });
  });
});
