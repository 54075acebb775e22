/**
 * JSON snapshots of the world, written atomically (temp file → fsync → rename → fsync of the
 * directory) and debounced, so a restart finds the last state whole (RELIABILITY.md R-21).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** Writes `text` to `file` atomically. */
export function writeFileAtomic(file: string, text: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}

/** Reads a snapshot; undefined when the file does not exist. Throws with the path when it is unreadable. */
export function readSnapshot(file: string): unknown {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`Sandbox data file ${file} is not valid JSON; move it aside or delete it to start fresh`, { cause: err });
  }
}

/** Debounces snapshot writes: at most one write per `delayMs`, and a final one on flush. */
export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly produce: () => unknown,
    private readonly delayMs = 250,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Marks the world changed; a write follows within `delayMs`. */
  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes now if anything changed. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.dirty) return;
    this.dirty = false;
    try {
      writeFileAtomic(this.file, JSON.stringify(this.produce()));
    } catch (err) {
      this.onError(err);
    }
  }
}
