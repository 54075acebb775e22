/**
 * What a Fleep API call handler receives, and input readers that answer 400 with a message
 * naming the field and what to send instead.
 */
import type { Account, Session } from '../model.js';
import type { SandboxState } from '../state.js';
import type { FaultInjector } from '../faults.js';
import { badRequest } from '../errors.js';

/** One API call in progress. */
export interface ApiContext {
  state: SandboxState;
  /** The caller (undefined only for unauthenticated calls such as `account/login`). */
  account: Account | undefined;
  session: Session | undefined;
  /** Parsed JSON body (or the fields of a multipart upload). */
  body: Record<string, unknown>;
  /** Object id from the path (`message/send/<CONV>`). */
  pathId: string | undefined;
  /** Raw request body, for `file/upload`. */
  raw: Buffer;
  /** Request headers (lower-cased names). */
  headers: Record<string, string | string[] | undefined>;
  /** Sets a response header. */
  setHeader(name: string, value: string): void;
  /** Aborted when the client goes away or the sandbox closes. */
  signal: AbortSignal;
  /** Long-poll hold time in ms (options or faults). */
  holdMs: number;
  faults: FaultInjector;
}

/** A handler: returns the JSON response body (or a promise of it). */
export type ApiHandler = (ctx: ApiContext) => unknown;

/** Route definition. */
export interface ApiRoute {
  handler: ApiHandler;
  /** Needs ticket + token_id. @default true */
  auth?: boolean;
  /** Mutating: logged in /sandbox/requests and de-duplicated by `client_req_id`. @default false */
  mutating?: boolean;
  /** Takes an id in the path. @default false */
  scoped?: boolean;
}

/** The caller; throws if the route was declared without auth. */
export function caller(ctx: ApiContext): Account {
  if (!ctx.account) throw new Error('route needs auth');
  return ctx.account;
}

/** The path id; 400 when missing. */
export function pathId(ctx: ApiContext, what = 'conversation id'): string {
  if (!ctx.pathId) throw badRequest(`Missing ${what} in the path: call <method>/<id>`);
  return ctx.pathId;
}

/** Optional string field. */
export function optString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string, got ${typeof v}`);
  return v;
}

/** Required string field. */
export function reqString(body: Record<string, unknown>, key: string): string {
  const v = optString(body, key);
  if (v === undefined) throw badRequest(`Missing required field ${key} (a string)`);
  return v;
}

/** Optional integer field. */
export function optInt(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${key} must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Required integer field. */
export function reqInt(body: Record<string, unknown>, key: string): number {
  const v = optInt(body, key);
  if (v === undefined) throw badRequest(`Missing required field ${key} (an integer)`);
  return v;
}

/** Optional finite number. */
export function optNumber(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Optional boolean. */
export function optBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Optional list of strings. */
export function optStrings(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${key} must be a list of strings`);
  return v as string[];
}
