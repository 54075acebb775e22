/**
 * `fleepkit/testing`: drive a bot like its users would — a sandbox, a bot, a manual clock,
 * people who say things, and assertions on what the sandbox holds. No sleeps.
 * @packageDocumentation
 */
export { createTestBot, parseDuration } from './test-bot.js';
export type { Person, TestBot, TestBotOptions } from './test-bot.js';
export { SandboxView, formatTranscript } from './sandbox-view.js';
export type { TestMessage } from './sandbox-view.js';
export { ManualClock } from '../util/clock.js';
export { parseRecording } from '../record/format.js';
export type { Recording, RecordedCall, RecordingHeader } from '../record/format.js';
export type { ReplayResult } from '../record/replay.js';
