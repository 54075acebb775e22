/**
 * The zod schema of `bot.config.yaml` (every section except `plugins`, which `plugins.ts`
 * resolves). Objects are strict: an unknown key is an error, with a suggestion.
 */
import { z } from 'zod';
import { parseDuration } from '../util/clock.js';
import { LOG_LEVELS } from '../util/logger.js';
import { isTimeZone } from '../util/time-zone.js';

/** A duration written as `'15m'`/`'90s'` or as a number of ms; the output is ms. */
function duration(): z.ZodType<number> {
  return z.unknown().transform((value, ctx): number => {
    if (typeof value === 'number' || typeof value === 'string') {
      try {
        return parseDuration(value);
      } catch {
        // fall through to the issue below
      }
    }
    ctx.addIssue({ code: 'custom', message: `expected a duration such as '90s', '15m' or a number of ms, got ${show(value)}` });
    return z.NEVER;
  }) as unknown as z.ZodType<number>;
}

/** Shows a user's value in an error (non-secret fields only). */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const nonEmpty = z.string().min(1);
const port = z.number().int().min(0).max(65_535);
const perSecond = z.number().positive();

const server = z.string().refine(
  (s) => s === 'sandbox' || /^https?:$/.test(safeUrl(s)?.protocol ?? ''),
  { error: (iss) => `expected 'sandbox' or an http(s) base URL such as https://fleep.io, got ${show(iss.input)}` },
);

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** `fleep:` keys. */
export const FleepSection = z.strictObject({
  server: server.default('sandbox').transform((s) => (s === 'sandbox' ? s : s.replace(/\/+$/, ''))),
  email: nonEmpty.optional(),
  password: nonEmpty.optional(),
});

/** `bot.cooldown:` keys (or `false`): how many commands one person may give per window. */
export const CooldownSection = z.strictObject({
  limit: z.number().int().min(1).default(5),
  window: duration().default(10_000),
});

/** `bot:` keys. */
export const BotSection = z.strictObject({
  prefix: nonEmpty.default('!'),
  timezone: z
    .string()
    .refine(isTimeZone, { error: (iss) => `unknown IANA time zone ${show(iss.input)}` })
    .default('Europe/Tallinn'),
  admins: z.array(nonEmpty).default([]),
  roles: z.record(z.string(), z.array(nonEmpty)).default({}),
  cooldown: z.union([z.literal(false), CooldownSection]).prefault({}),
  unknownCommandReply: z.boolean().default(true),
});

/** `store:` keys (one of `sqlite`, `memory`, `redis`). */
export const StoreSection = z.strictObject({
  sqlite: nonEmpty.optional(),
  memory: z.boolean().optional(),
  redis: z.string().optional(),
  onCorrupt: z.enum(['refuse', 'resync']).default('refuse'),
});

/** `outbound.perConversation:` keys. */
export const PerConversationSection = z.strictObject({
  perSecond: perSecond.default(2),
  burst: z.number().int().min(1).default(5),
});

/** `outbound.global:` keys. */
export const GlobalRateSection = z.strictObject({ perSecond: perSecond.default(20), burst: z.number().int().min(1).optional() });

/** `outbound:` keys. */
export const OutboundSection = z.strictObject({
  perConversation: PerConversationSection.prefault({}),
  global: GlobalRateSection.prefault({}),
  maxMessageLength: z.number().int().min(200).max(100_000).default(10_000),
  maxRetryAfter: duration().default(15 * 60_000),
  giveUpAfter: duration().default(15 * 60_000),
  /** Sends in flight at once. @default the queue's (8), left to `new Bot` so it is stated once */
  concurrency: z.number().int().min(1).optional(),
  pacing: z.boolean().default(true),
});

/** `runtime:` keys. */
export const RuntimeSection = z.strictObject({
  /** Conversations handled at once. @default `new Bot`'s (16), stated once there */
  concurrency: z.number().int().min(1).optional(),
  handlerTimeout: duration().default(60_000),
  drainTimeout: duration().default(10_000),
  maxAttempts: z.number().int().min(1).default(3),
  instanceId: nonEmpty.optional(),
  persistSnapshots: z.boolean().optional(),
});

/** `http:` keys. */
export const HttpSection = z.strictObject({
  host: nonEmpty.default('127.0.0.1'),
  port: port.default(8701),
  enabled: z.boolean().default(true),
});

/** `log:` keys. */
export const LogSection = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
  pretty: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  sensitiveLogs: z.boolean().default(false),
});

/** `sandbox:` keys. */
export const SandboxSection = z.strictObject({
  port: port.default(8700),
  host: nonEmpty.default('127.0.0.1'),
  seed: z.union([z.string(), z.number()]).transform(String).default('demo'),
  holdMs: duration().default(90_000),
  dataFile: z.union([nonEmpty, z.literal(false), z.null()]).transform((v) => (v === false ? null : v)).default('./data/sandbox.json'),
});

/** The whole document minus `plugins`. */
export const RootSchema = z.strictObject({
  fleep: FleepSection.prefault({}),
  bot: BotSection.prefault({}),
  store: StoreSection.prefault({}),
  outbound: OutboundSection.prefault({}),
  runtime: RuntimeSection.prefault({}),
  http: HttpSection.prefault({}),
  log: LogSection.prefault({}),
  sandbox: SandboxSection.prefault({}),
  plugins: z.unknown().optional(),
});

/** Known keys per section path (for "did you mean" hints). */
export const KNOWN_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['', Object.keys(RootSchema.shape)],
  ['fleep', Object.keys(FleepSection.shape)],
  ['bot', Object.keys(BotSection.shape)],
  ['bot.cooldown', Object.keys(CooldownSection.shape)],
  ['store', Object.keys(StoreSection.shape)],
  ['outbound', Object.keys(OutboundSection.shape)],
  ['outbound.perConversation', Object.keys(PerConversationSection.shape)],
  ['outbound.global', Object.keys(GlobalRateSection.shape)],
  ['runtime', Object.keys(RuntimeSection.shape)],
  ['http', Object.keys(HttpSection.shape)],
  ['log', Object.keys(LogSection.shape)],
  ['sandbox', Object.keys(SandboxSection.shape)],
]);

/** What zod produces from {@link RootSchema}. */
export type RootOutput = z.output<typeof RootSchema>;
