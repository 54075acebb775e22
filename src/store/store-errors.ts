/**
 * Errors the store backends throw besides {@link StoreCorruptError} (which lives in `store.ts`).
 * Decide on `code`, never on the message text.
 */

/** Why a store refused an operation because of its lifecycle. */
export type StoreStateCode = 'STORE_NOT_OPEN' | 'STORE_OPEN_FAILED' | 'STORE_CLOSED';

/**
 * Thrown (as a rejection) by every read or write issued before `open()` resolved, after it
 * failed, or after `close()` (R-24: nothing is written before the initial load finishes).
 */
export class StoreStateError extends Error {
  constructor(
    readonly code: StoreStateCode,
    readonly operation: string,
    description: string,
  ) {
    super(
      code === 'STORE_NOT_OPEN'
        ? `${description}: ${operation}() was called before open() resolved. Await store.open() before reading or writing.`
        : code === 'STORE_OPEN_FAILED'
          ? `${description}: ${operation}() was called on a store whose open() failed. Fix the cause reported by open() and create a new store.`
          : `${description}: ${operation}() was called after close(). Create and open a new store instead.`,
    );
    this.name = 'StoreStateError';
  }
}

/** Thrown by `open()` when the file was written by a newer fleepkit with an unknown schema. */
export class StoreSchemaError extends Error {
  readonly code = 'STORE_SCHEMA_TOO_NEW' as const;
  constructor(
    readonly path: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `The store ${path} has schema version ${found}, but this fleepkit knows only up to version ${known}. ` +
        'It was written by a newer fleepkit: upgrade fleepkit, or point store.sqlite at another file. The file was left untouched.',
    );
    this.name = 'StoreSchemaError';
  }
}
