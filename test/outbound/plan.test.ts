import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/api/effects.js';
import { clientReqId, isUuid } from '../../src/outbound/client-req-id.js';
import { GLOBAL_LANE, MessageTooLongError, planEffects } from '../../src/outbound/plan.js';

const send = (message: string, extra: Record<string, unknown> = {}): Effect => ({ method: 'message/send', conversationId: 'conv-1', body: { message, ...extra } });

describe('planEffects', () => {
  it('derives stable UUID-shaped ids from the event identity and the effect index', () => {
    const effects: Effect[] = [send('a'), { method: 'message/store', conversationId: 'conv-1', body: { message_nr: 3, tags: ['pin'] } }];
    const first = planEffects('conv-1:3:0', effects, 1000);
    const again = planEffects('conv-1:3:0', effects, 5000);
    expect(first.map((e) => e.id)).toEqual(again.map((e) => e.id));
    expect(first.map((e) => e.id)).toEqual([clientReqId('conv-1:3:0:0'), clientReqId('conv-1:3:0:1')]);
    expect(new Set(first.map((e) => e.id)).size).toBe(2);
    expect(planEffects('conv-1:4:0', effects, 0)[0]!.id).not.toBe(first[0]!.id);
    for (const e of first) {
      expect(isUuid(e.id)).toBe(true);
      expect(e.id[14]).toBe('4');
      expect('89ab').toContain(e.id[19]);
    }
    expect(first[0]).toMatchObject({ lane: 'conv-1', createdAt: 1000, effect: effects[0] });
  });

  it('puts effects without a conversation on the global lane', () => {
    const [entry] = planEffects('fire:standup:2026-01-05T09:00Z', [{ method: 'conversation/create', body: { topic: 'x' } }], 0);
    expect(entry!.lane).toBe(GLOBAL_LANE);
  });

  it('splits a long send into parts with ids `${base}:${index}:${part}`, attachments on the last part', () => {
    const text = ('word '.repeat(300) + '\n\n').repeat(10);
    const entries = planEffects('ev', [send('short'), send(text, { attachments: ['f1'], is_url_preview_disabled: true })], 0, { maxMessageLength: 2000 });
    const parts = entries.slice(1);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((e) => e.id)).toEqual(parts.map((_, k) => clientReqId(`ev:1:${k}`)));
    for (const [k, e] of parts.entries()) {
      const body = (e.effect as Effect).body;
      expect((body['message'] as string).length).toBeLessThanOrEqual(2000);
      expect(body['is_url_preview_disabled']).toBe(true);
      expect('attachments' in body).toBe(k === parts.length - 1);
    }
  });

  it('rejects an over-long edit with an error that says what to do, and malformed effects clearly', () => {
    const edit: Effect = { method: 'message/edit', conversationId: 'c', body: { message: 'x'.repeat(20), message_nr: 2 } };
    expect(() => planEffects('ev', [edit], 0, { maxMessageLength: 16 })).toThrow(MessageTooLongError);
    expect(() => planEffects('ev', [edit], 0, { maxMessageLength: 16 })).toThrow(/shorten it/u);
    expect(() => planEffects('ev', [{ method: 'message/nope', body: {} } as unknown as Effect], 0)).toThrow(/unknown method "message\/nope"/u);
    expect(() => planEffects('', [send('a')], 0)).toThrow(/non-empty baseId/u);
    expect(() => planEffects('ev', [send('a')], 0, { maxMessageLength: 5 })).toThrow(/maxMessageLength must be an integer of at least 16, got 5/u);
  });
});
