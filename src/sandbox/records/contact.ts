/**
 * ContactInfo records (PROTOCOL.md §6.3, §R2.6): the public shape other accounts see, and the
 * owner's own view. Unset optionals are absent, not null.
 */
import type { ContactRecord } from '../../api/records.js';
import type { Account } from '../model.js';
import { unixSeconds } from './message.js';

/** What the viewer set with `contact/describe`. */
export interface ContactNote {
  contact_name?: string;
  phone_nr?: string;
}

/** The public ContactInfo of `a` as some viewer sees it. */
export function contactRecord(a: Account, dialogId: string | null = null, note?: ContactNote): ContactRecord {
  const status = a.mk_account_status ?? 'active';
  const rec: ContactRecord = {
    mk_rec_type: 'contact',
    account_id: a.account_id,
    display_name: note?.contact_name ?? a.display_name,
    email: a.email,
  };
  if (status !== 'new') rec.fleep_address = a.fleep_address;
  rec.dialog_id = dialogId;
  rec.is_hidden_for_add = false;
  rec.mk_account_status = status;
  rec.organisation_id = null;
  rec.sort_rank = status === 'new' ? 8 : 1;
  rec.activity_time = unixSeconds(a.created_time);
  if (note?.contact_name !== undefined) rec.contact_name = note.contact_name;
  if (note?.phone_nr !== undefined) rec.phone_nr = note.phone_nr;
  return rec;
}

/** The owner's view of their own account (`account/login` profiles, `account/configure`, own `contact/sync`). */
export function ownContactRecord(a: Account, storageUsedBytes: number): ContactRecord {
  const rec = contactRecord(a);
  delete rec.dialog_id;
  delete rec.sort_rank;
  rec.client_flags = [];
  rec.client_settings = a.client_settings ?? null;
  rec.has_password = true;
  rec.is_premium = false;
  rec.storage_used_bytes = storageUsedBytes;
  if (a.phone_nr !== undefined) rec.phone_nr = a.phone_nr;
  return rec;
}
