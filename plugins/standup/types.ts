/** The stored shape of a standup run, shared by the run logic and the direct-conversation mode. */

/** A standup in progress. */
export interface Run {
  /** The id of what started it (a firing's key or a command's event id). */
  id: string;
  conversationId: string;
  startedAt: number;
  closesAt: number;
  /** Who is asked; `null` when the members are unknown (anyone's answer counts). */
  participants: string[] | null;
  /** Account id → answer, in the order they came. */
  answers: Record<string, string>;
  nudged: boolean;
  jobIds: string[];
  /**
   * Collected in direct conversations (`collect: 'dm'`): participant → their direct conversation
   * with the bot. Absent when answers are collected in the standup conversation.
   */
  dms?: Record<string, string>;
}

/** What a nudge or close job carries. */
export interface RunJobPayload {
  runId: string;
  conversationId: string;
}
