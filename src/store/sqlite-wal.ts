/**
 * Damage to the write-ahead log (`<file>-wal`), found as loudly as damage to the main file
 * . SQLite itself never complains about its WAL: a WAL that is gone, or whose header or a
 * frame no longer checks out, is read as "nothing newer than the main file" (or "nothing after
 * the damaged frame"), which silently rolls the store back.
 *
 * - **Deleted.** The store runs its own checkpoints and leaves markers that tell, from the main
 *   file alone, whether a WAL generation with commits was live ({@link WalGuard}); if so and the
 *   WAL file is gone, those commits were lost.
 * - **Garbled.** Before SQLite reads the WAL, {@link inspectWal} walks its frames the way SQLite's
 *   recovery does (salts and the cumulative checksum). A WAL whose header is broken while frames
 *   follow it, or that has an intact commit frame of the current generation after a frame that
 *   fails, held commits that SQLite would drop. A torn tail (an unfinished last transaction) is not
 *   damage: SQLite never acknowledged it.
 *
 * Format: https://www.sqlite.org/fileformat2.html#walformat
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';

const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const WAL_VERSION = 3007000;

/** Keys of the checkpoint markers in the store's `meta` table. */
const CHECKPOINTED = 'wal_checkpointed';
const AFTER = 'wal_after';

/** What {@link inspectWal} found. */
export type WalInspection = { exists: false } | { exists: true; damage: string | undefined };

/** SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `s`. */
function checksum(data: Buffer, bigEndian: boolean, s: [number, number]): [number, number] {
  let s0 = s[0];
  let s1 = s[1];
  for (let i = 0; i < data.length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** A frame's checksum: over the first 8 bytes of its header and its page, continuing from `s`. */
function frameChecksum(frame: Buffer, bigEndian: boolean, s: [number, number]): [number, number] {
  return checksum(frame.subarray(FRAME_HEADER), bigEndian, checksum(frame.subarray(0, 8), bigEndian, s));
}

/**
 * Reads the WAL next to `path` (before SQLite opens it) and says whether it exists and, if it
 * holds commits SQLite would silently drop, why.
 */
export function inspectWal(path: string): WalInspection {
  let fd: number;
  try {
    fd = openSync(`${path}-wal`, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false };
    throw error;
  }
  try {
    return { exists: true, damage: findDamage(fd, fstatSync(fd).size) };
  } finally {
    closeSync(fd);
  }
}

function findDamage(fd: number, size: number): string | undefined {
  // Shorter than a header: SQLite was killed while starting the WAL; it holds nothing.
  if (size <= WAL_HEADER) return undefined;
  const header = Buffer.alloc(WAL_HEADER);
  readSync(fd, header, 0, WAL_HEADER, 0);
  const magic = header.readUInt32BE(0);
  const pageSize = header.readUInt32BE(8);
  const bigEndian = magic === MAGIC_BE;
  const validPageSize = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
  if ((magic !== MAGIC_LE && magic !== MAGIC_BE) || header.readUInt32BE(4) !== WAL_VERSION || !validPageSize) {
    return `its header is not a WAL header, yet ${size - WAL_HEADER} bytes of frames follow it`;
  }
  const [h0, h1] = checksum(header.subarray(0, 24), bigEndian, [0, 0]);
  if (h0 !== header.readUInt32BE(24) || h1 !== header.readUInt32BE(28)) {
    return `its header fails its checksum, yet ${size - WAL_HEADER} bytes of frames follow it`;
  }
  const salt1 = header.readUInt32BE(16);
  const salt2 = header.readUInt32BE(20);
  const frameSize = FRAME_HEADER + pageSize;
  const frames = Math.floor((size - WAL_HEADER) / frameSize);
  const frame = Buffer.alloc(frameSize);
  let running: [number, number] = [h0, h1];
  let previousStored: [number, number] = [h0, h1];
  let firstBad = -1;
  for (let i = 0; i < frames; i++) {
    readSync(fd, frame, 0, frameSize, WAL_HEADER + i * frameSize);
    const ours = frame.readUInt32BE(8) === salt1 && frame.readUInt32BE(12) === salt2;
    const stored: [number, number] = [frame.readUInt32BE(16), frame.readUInt32BE(20)];
    if (firstBad < 0) {
      const sum = ours ? frameChecksum(frame, bigEndian, running) : undefined;
      if (sum && sum[0] === stored[0] && sum[1] === stored[1]) {
        running = sum;
      } else {
        // Frames of an older generation (salts differ) end the log normally; damage is only
        // proven by an intact commit of this generation further on.
        firstBad = i;
      }
    } else if (ours && frame.readUInt32BE(4) !== 0) {
      // An intact commit frame after the failed one: its chain checks out from its predecessor.
      const sum = frameChecksum(frame, bigEndian, previousStored);
      if (sum[0] === stored[0] && sum[1] === stored[1]) {
        return `frame ${firstBad + 1} of ${frames} fails its checksum, and committed frames follow it (frame ${i + 1})`;
      }
    }
    previousStored = stored;
  }
  return undefined;
}

/** WAL size past which the store checkpoints (SQLite's automatic checkpoint is off): 4 MiB. */
export const CHECKPOINT_BYTES = 4 * 1024 * 1024;

/**
 * The store's own checkpoints, each leaving a marker pair that proves what the WAL held. Before a
 * checkpoint the store writes `wal_checkpointed = k` (so the checkpoint copies it into the main
 * file), after it `wal_after = k` (into the WAL's new generation). In the main file alone the two
 * differ exactly while a WAL generation with commits is live: a WAL that is gone then took
 * commits with it. Whoever checkpoints everything first (a clean close, the `sqlite3` shell)
 * copies `wal_after` too, so removing the WAL after that is harmless.
 */
export class WalGuard {
  private nextCheckBytes = CHECKPOINT_BYTES;

  /**
   * @param walPath the `-wal` file beside the store.
   * @param db the open connection; SQLite's automatic checkpoint is switched off here.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly walPath: string,
  ) {
    db.pragma('wal_autocheckpoint = 0');
  }

  /**
   * Right after opening: says why the store lost commits when the last process's WAL generation
   * is gone (`walExisted` is {@link inspectWal}'s answer from before the open), else checkpoints.
   * @returns the damage, or `undefined`.
   */
  opened(walExisted: boolean): string | undefined {
    const checkpointed = this.read(CHECKPOINTED);
    if (checkpointed !== undefined && this.read(AFTER) !== checkpointed && !walExisted) {
      return 'its write-ahead log (-wal file) is missing, but the store was not closed cleanly: the commits the log held are lost';
    }
    this.checkpoint();
    return undefined;
  }

  /** Call after writes: checkpoints once the WAL has grown past {@link CHECKPOINT_BYTES}. */
  afterWrite(): void {
    let size: number;
    try {
      size = statSync(this.walPath).size;
    } catch {
      return;
    }
    if (size < this.nextCheckBytes) return;
    // A reader of another connection can keep the WAL from being reset: then wait for more growth.
    this.nextCheckBytes = this.checkpoint() ? CHECKPOINT_BYTES : size + CHECKPOINT_BYTES;
  }

  /** The marker protocol around one TRUNCATE checkpoint; resolves whether the WAL was reset. */
  private checkpoint(): boolean {
    const k = (this.read(CHECKPOINTED) ?? 0) + 1;
    this.write(CHECKPOINTED, k);
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    this.write(AFTER, k);
    return result?.busy === 0;
  }

  private read(key: string): number | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: unknown } | undefined;
    return typeof row?.value === 'number' ? row.value : undefined;
  }

  private write(key: string, value: number): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
