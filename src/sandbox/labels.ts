/**
 * Labels (PROTOCOL.md §6.7, §R2.11): each account has Fleep's system labels from its creation
 * and user labels made by `conversation/store {labels}` (names; the set replaces the old one).
 */
import { randomUUID } from 'node:crypto';
import type { LabelRecord } from '../api/records.js';

/** One label of one account. */
export interface StoredLabel {
  label_id: string;
  label: string;
  mk_label_type: 'system_label' | 'user_label';
  mk_label_subtype: string;
  index: number;
}

/** Fleep's system labels (§R2.11): name and subtype. */
const SYSTEM_LABELS: ReadonlyArray<[string, string]> = [
  ['Starred', 'starred'],
  ['Unread', 'unread'],
  ['Recent', 'recent'],
  ['Muted', 'muted'],
  ['1:1 Conversations', '1:1 conversations'],
  ['Spam', 'spam'],
  ['Archived', 'archived'],
  ['Email', 'email'],
];

/** The system labels a new account starts with. */
export function systemLabels(): StoredLabel[] {
  return SYSTEM_LABELS.map(([label, subtype], i) => ({ label_id: randomUUID(), label, mk_label_type: 'system_label', mk_label_subtype: subtype, index: i + 1 }));
}

/** The `label` record of a label. */
export function labelRecord(l: StoredLabel, status: 'active' | 'removed' = 'active'): LabelRecord {
  return {
    mk_rec_type: 'label',
    label_id: l.label_id,
    label: l.label,
    index: status === 'removed' ? -1 : l.index,
    mk_label_type: l.mk_label_type,
    mk_label_subtype: l.mk_label_subtype,
    mk_label_status: status,
    is_on_left_pane: true,
    is_in_muted: true,
    is_in_recent: true,
  };
}

/**
 * Resolves label names to the account's labels, creating user labels for new names. System
 * labels match by name or subtype, case-insensitively (`["starred"]`, `["Spam"]`).
 * Returns the ids and the labels that were created.
 */
export function resolveLabels(labels: StoredLabel[], names: string[]): { ids: string[]; created: StoredLabel[] } {
  const ids: string[] = [];
  const created: StoredLabel[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    const key = name.toLowerCase();
    let l = labels.find((x) => x.label.toLowerCase() === key || (x.mk_label_type === 'system_label' && x.mk_label_subtype === key));
    if (!l) {
      l = { label_id: randomUUID(), label: name, mk_label_type: 'user_label', mk_label_subtype: 'user', index: labels.length + 1 };
      labels.push(l);
      created.push(l);
    }
    if (!ids.includes(l.label_id)) ids.push(l.label_id);
  }
  return { ids, created };
}
