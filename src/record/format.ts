/**
 * The recording file: JSON Lines, one header line, then one line per HTTP exchange in the order
 * the calls were made. Secrets are already redacted in every line (see `redact.ts`).
 *
 * ```jsonl
 * {"kind":"fleepkit-recording","version":1,"server":"https://fleep.io","account_id":"…","recorded_at":"…","anonymised":false}
 * {"kind":"call","seq":1,"phase":"setup","method":"account/login","path":"/api/account/login","request":{…},"status":200,"headers":{…},"response":{…}}
 * ```
 */
import { readFile } from 'node:fs/promises';

/** Where in the session a call was made. */
export type CallPhase = 'setup' | 'initial' | 'live' | 'extra';

/** The first line. */
export interface RecordingHeader {
  kind: 'fleepkit-recording';
  version: 1;
  /** The server's origin (no credentials, no path). */
  server: string;
  /** The recorded bot's account id (from login), or `''` when login failed. */
  account_id: string;
  recorded_at: string;
  /** Texts and e-mails were replaced (`--anonymise`). */
  anonymised: boolean;
}

/** One call and its answer. */
export interface RecordedCall {
  kind: 'call';
  seq: number;
  phase: CallPhase;
  method: string;
  /** Path (and query, redacted) as requested: `/api/<method>[/<id>]`. */
  path: string;
  /** The request body, redacted; `null` for a non-JSON body (uploads). */
  request: unknown;
  status: number;
  /** Response headers the recorder keeps (`content-type`, `retry-after`, `set-cookie` redacted). */
  headers: Record<string, unknown>;
  /** The decoded JSON answer, redacted; `null` when the body was not JSON. */
  response: unknown;
  /** The body text when it was not JSON (redacted, at most 2,000 characters). */
  response_text?: string;
}

/** A whole recording. */
export interface Recording {
  header: RecordingHeader;
  calls: RecordedCall[];
}

/** A recording file that cannot be used; the message says what is wrong and where. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';
  readonly code = 'RECORDING_INVALID';
}

/** Parses a recording's text. @throws RecordingError naming the line. */
export function parseRecording(text: string, source = 'recording'): Recording {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new RecordingError(`${source} is empty: record one with \`fleepkit record -c bot.config.yaml --out ${source}\``);
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new RecordingError(`${source}:${i + 1} is not JSON: each line of a recording is one JSON object`);
    }
  });
  const header = parsed[0] as unknown as RecordingHeader;
  if (header?.kind !== 'fleepkit-recording' || header.version !== 1) {
    throw new RecordingError(`${source}:1 is not a fleepkit recording header (kind "fleepkit-recording", version 1)`);
  }
  const calls = parsed.slice(1).map((c, i) => {
    if (c?.kind !== 'call' || typeof c.method !== 'string' || typeof c.status !== 'number') {
      throw new RecordingError(`${source}:${i + 2} is not a recorded call (needs kind "call", method, status)`);
    }
    return c as unknown as RecordedCall;
  });
  return { header, calls };
}

/** Reads and parses a recording file. */
export async function readRecording(file: string): Promise<Recording> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RecordingError(`cannot read recording ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parseRecording(text, file);
}

/** The stream records of a recording's live polls, in order, each with its poll's horizon. */
export function liveRecords(recording: Recording): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const call of recording.calls) {
    if (call.method !== 'account/poll' || call.phase !== 'live' || call.status !== 200) continue;
    const stream = (call.response as { stream?: unknown } | null)?.stream;
    if (Array.isArray(stream)) for (const r of stream) if (r && typeof r === 'object' && !Array.isArray(r)) out.push(r as Record<string, unknown>);
  }
  return out;
}
