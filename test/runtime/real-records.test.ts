/**
 * Normalisation of the records real Fleep sent (fixtures copied verbatim from PROTOCOL.md
 * § "Evidence from real clients"), not only of what the sandbox emits: new vs changed, a delete
 * or unpin of a message never seen, the fold of added members, odd and unknown records.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FleepRecord } from '../../src/api/records.js';
import type { MessageSnapshot } from '../../src/runtime/message-snapshot.js';
import { normalise, type NormaliseContext } from '../../src/runtime/normalise.js';

const DIR = new URL('./fixtures/real-fleep-2017/', import.meta.url);
const A = 'a11ce000-0000-4000-8000-000000000001';
const B = 'b0b00000-0000-4000-8000-000000000002';

interface Fixture {
  source: string;
  viewer: string;
  records: FleepRecord[];
}

function load(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as Fixture;
}

/**
 * Feeds a fixture's records in stream order the way the intake does: the viewer is the bot,
 * each message's snapshot and its conversation's flow position are remembered after it.
 * @returns one line per event: `type nr actor [extra]`.
 */
function run(fixture: Fixture): string[] {
  const snapshots = new Map<string, MessageSnapshot>();
  const flow = new Map<string, number>();
  const ctx: NormaliseContext = {
    botAccountId: fixture.viewer,
    previous: (key) => snapshots.get(key),
    highestSeen: (conversationId) => flow.get(conversationId),
  };
  const out: string[] = [];
  fixture.records.forEach((record, i) => {
    const unit = normalise(structuredClone(record), 100 + i, ctx);
    if (!unit) return;
    if (unit.snapshot && unit.snapshotKey) snapshots.set(unit.snapshotKey, unit.snapshot);
    if (unit.flowNr !== undefined && (flow.get(unit.lane) ?? 0) < unit.flowNr) flow.set(unit.lane, unit.flowNr);
    for (const e of unit.events) {
      const nr = 'message' in e ? e.message.messageNr : '-';
      const extra = 'accountIds' in e ? ` [${e.accountIds.join(',')}]` : e.type === 'record' ? ` ${e.record.mk_rec_type}` : '';
      out.push(`${e.type} ${nr} ${e.actorId === A ? 'alice' : e.actorId === B ? 'bob' : String(e.actorId)}${extra}`);
    }
  });
  return out;
}

describe('records as real Fleep sent them (2017 fixtures)', () => {
  it('every fixture has a source and a viewer, and normalising it never throws', () => {
    const names = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const fixture = load(name.replace(/\.json$/, ''));
      expect(fixture.source, name).toMatch(/\.spec\.js|PROTOCOL|§/);
      expect(() => run(fixture), name).not.toThrow();
    }
  });

  it('a plain new message (with its delta conv header) is message.new', () => {
    expect(run(load('send-message'))).toEqual(['message.new 2 alice']);
  });

  it('edit and delete as another member polls them are changes, with the file shared once', () => {
    expect(run(load('edit-delete-other-view'))).toEqual(['message.new 2 bob', 'file.shared - bob', 'message.edited 2 bob', 'message.deleted 2 bob']);
  });

  it('the edited text and the deleted state reach plugins', () => {
    const fixture = load('edit-delete-other-view');
    const ctx: NormaliseContext = { botAccountId: fixture.viewer, previous: () => undefined };
    const edited = normalise(fixture.records[2]!, 1, ctx)!.events[0]!;
    expect(edited).toMatchObject({ type: 'message.edited', message: { text: 'edited text', revision: 4 } });
  });

  it('a delete of a message the bot never saw is message.deleted, never message.new — with or without a flow number', () => {
    expect(run(load('delete-never-seen'))).toEqual(['message.deleted 3 bob']);
    expect(run(load('delete-never-seen-flow'))).toEqual(['message.deleted 2 bob']);
  });

  it('pin, then unpin with an edit, as another member sees them', () => {
    expect(run(load('pin-unpin'))).toEqual(['message.new 2 alice', 'message.pinned 2 alice', 'message.edited 2 alice', 'message.unpinned 2 alice']);
  });

  it('an unpin of a message never seen is message.unpinned (not an edit, not new)', () => {
    expect(run(load('unpin-never-seen'))).toEqual(['message.unpinned 2 alice']);
  });

  it('a task made of an earlier message is task.created', () => {
    expect(run(load('task'))).toEqual(['message.new 4 alice', 'task.created 4 alice']);
  });

  it('members added before the first post fold into the create message: a join, then message 3 is new', () => {
    expect(run(load('fold-add-members'))).toEqual([
      'conversation.created 1 alice',
      `member.joined 1 alice [${B}]`,
      'message.new 3 bob',
    ]);
  });

  it('records with missing, null or extra fields: classified by what they carry, malformed ones passed on as records', () => {
    expect(run(load('odd-shapes'))).toEqual([
      'message.edited 4 alice',
      'message.new 6 alice',
      'message.new 7 alice',
      'record - undefined message',
      'record - undefined message',
      'message.new 10 alice',
    ]);
  });

  it('unknown record types and system messages without their own event reach plugins as records; bookkeeping records do not', () => {
    expect(run(load('other-records'))).toEqual([
      'record - undefined contact',
      'record - undefined label',
      'record - undefined hangout_activity',
      'record - undefined org_header',
      'record - undefined future_thing',
      'record 11 alice message',
    ]);
  });
});
