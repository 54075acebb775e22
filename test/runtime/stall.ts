/**
 * Stall detection for long child-process tests: the test fails when nothing progresses for a
 * while — not when the whole run takes long, which on a loaded machine says nothing. Progress
 * is anything the test reports (a child's output line) or a change of `measure()` (such as the
 * number of requests the sandbox has accepted).
 */
export class StallWatch {
  /** Rejects once nothing has progressed for `quietMs`; race the test's work against it. */
  readonly stalled: Promise<never>;
  private last: number;
  private quietSince = Date.now();
  private readonly timer: NodeJS.Timeout;

  /**
   * @param measure a number that grows as the system under test makes progress.
   * @param quietMs how long without any progress counts as a stall.
   * @param describe what the test is waiting for, for the failure message.
   */
  constructor(
    private readonly measure: () => number,
    private readonly quietMs: number,
    private readonly describe: () => string,
  ) {
    this.last = measure();
    let fail!: (error: Error) => void;
    this.stalled = new Promise<never>((_, reject) => (fail = reject));
    this.stalled.catch(() => undefined);
    this.timer = setInterval(() => {
      const now = measure();
      if (now !== this.last) {
        this.last = now;
        this.progress();
      } else if (Date.now() - this.quietSince > this.quietMs) {
        clearInterval(this.timer);
        fail(new Error(`stalled: no progress for ${Math.round(this.quietMs / 1000)} s (${this.describe()})`));
      }
    }, 1_000);
    this.timer.unref();
  }

  /** Something moved (a child printed a line). */
  progress(): void {
    this.quietSince = Date.now();
  }

  /** Runs `work` until it settles or the watch sees a stall. */
  guard<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stalled]);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
