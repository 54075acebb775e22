/** Errors of the bot's lifecycle. */

/**
 * `start()` did not finish because `stop()` was called (SIGTERM, Ctrl-C) while it was still
 * logging in, loading or waiting for the poller lease. Nothing was started; the next start
 * resumes from the stored cursor.
 */
export class BotStoppedError extends Error {
  /** Machine-readable code. */
  readonly code = 'BOT_STOPPED' as const;

  /** @param stage the start stage that was interrupted. */
  constructor(readonly stage?: string) {
    super(stage ? `bot.stop() was called while the bot was starting (stage "${stage}"); it did not start` : 'the bot is stopping');
    this.name = 'BotStoppedError';
  }
}
