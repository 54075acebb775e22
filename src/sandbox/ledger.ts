/**
 * The request ledger: every accepted mutating call in order (for duplicate checks in tests),
 * and `client_req_id` de-duplication — a repeat by the same account within 24 h gets the
 * stored response and changes nothing (PROTOCOL.md §5.1).
 */

/** How long a `client_req_id` is remembered. */
export const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** One accepted mutating request, as `GET /sandbox/requests` lists it. */
export interface LedgerEntry {
  seq: number;
  method: string;
  account_id: string;
  conversation_id: string | null;
  /** The request body without `ticket`. */
  body: Record<string, unknown>;
  client_req_id: string | null;
  /** Epoch ms when accepted. */
  at: number;
  /** How many de-duplicated repeats arrived later. */
  repeats: number;
}

interface Remembered {
  at: number;
  /** The response as sent, JSON text: one flat string per request keeps the table cheap to hold. */
  responseJson: string;
  entry: LedgerEntry;
}

/** One de-dup table row in a snapshot. Older snapshots carry `response` (an object) instead. */
export interface DedupSnapshotRow {
  key: string;
  at: number;
  response_json?: string;
  response?: unknown;
  entry: LedgerEntry;
}

/** Ledger plus de-dup table. */
export class RequestLedger {
  private readonly entries: LedgerEntry[] = [];
  private readonly byKey = new Map<string, Remembered>();
  private seq = 0;

  private static key(accountId: string, clientReqId: string): string {
    return `${accountId}\u0000${clientReqId}`;
  }

  /** The stored response (JSON text) of an earlier identical request, counting the repeat; undefined if none. */
  repeat(accountId: string, clientReqId: string, now: number): { responseJson: string } | undefined {
    const k = RequestLedger.key(accountId, clientReqId);
    const hit = this.byKey.get(k);
    if (!hit) return undefined;
    if (now - hit.at > DEDUP_WINDOW_MS) {
      this.byKey.delete(k);
      return undefined;
    }
    hit.entry.repeats++;
    return { responseJson: hit.responseJson };
  }

  /**
   * Records an accepted request, and for de-dup the response exactly as sent (JSON text) when
   * it has a `client_req_id`.
   */
  accept(init: Omit<LedgerEntry, 'seq' | 'repeats'>, responseJson?: string): LedgerEntry {
    // Spelled out rather than spread: see forViewer in views.ts (one hidden class per entry otherwise).
    const entry: LedgerEntry = {
      method: init.method,
      account_id: init.account_id,
      conversation_id: init.conversation_id,
      body: init.body,
      client_req_id: init.client_req_id,
      at: init.at,
      seq: ++this.seq,
      repeats: 0,
    };
    this.entries.push(entry);
    if (init.client_req_id && responseJson !== undefined) {
      this.byKey.set(RequestLedger.key(init.account_id, init.client_req_id), { at: init.at, responseJson, entry });
    }
    return entry;
  }

  /** Entries in order, optionally only one method. */
  list(method?: string): LedgerEntry[] {
    return method ? this.entries.filter((e) => e.method === method) : [...this.entries];
  }

  /** Serialisable form (de-dup table only; the ledger is per run). */
  snapshot(): DedupSnapshotRow[] {
    return [...this.byKey.entries()].map(([key, v]) => ({ key, at: v.at, response_json: v.responseJson, entry: v.entry }));
  }

  /** Restores the de-dup table of a snapshot (either row form). */
  restore(snap: DedupSnapshotRow[]): void {
    this.clear();
    for (const s of snap) this.byKey.set(s.key, { at: s.at, responseJson: s.response_json ?? JSON.stringify(s.response ?? {}), entry: s.entry });
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.length = 0;
    this.byKey.clear();
    this.seq = 0;
  }
}
