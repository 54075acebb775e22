/**
 * Access control for commands, by Fleep account id only (never display names or e-mail text,
 * Rules are data, composable with `all` / `any` / `not` (like Sapphire's preconditions).
 */

/**
 * One access rule.
 * - `'everyone'`: anybody (the default).
 * - `'admins'`: configured admins, in direct conversations only (deny-by-default, R-30).
 * - an object: deny lists win; then, if any allow list is given, the sender must be in one;
 *   conversation constraints apply on top.
 * - `{ all: [...] }`, `{ any: [...] }`, `{ not: rule }`: composition.
 * @example { any: [{ roles: ['ops'] }, 'admins'] }
 */
export type AclRule = 'everyone' | 'admins' | AclMatch | { all: AclRule[] } | { any: AclRule[] } | { not: AclRule };

/** A rule over the sender and the conversation. */
export interface AclMatch {
  /** Allowed account ids. */
  accounts?: string[];
  /** Allowed roles (names resolved through the policy's `roles`). */
  roles?: string[];
  /** Allow the configured admins. */
  admins?: boolean;
  /** Denied account ids (wins over every allow). */
  denyAccounts?: string[];
  /** Denied roles (wins over every allow). */
  denyRoles?: string[];
  /** Allowed conversation ids. */
  conversations?: string[];
  /** Denied conversation ids. */
  denyConversations?: string[];
  /** Only in a direct (one-to-one) conversation with the bot. @default false */
  directOnly?: boolean;
  /** Only in group conversations. @default false */
  groupOnly?: boolean;
}

/** Who the admins are and which accounts have which roles; resolved by the runtime from config. */
export interface AclPolicy {
  /** Admin account ids. @default [] */
  admins: readonly string[];
  /** Role name → account ids. @default {} */
  roles: Readonly<Record<string, readonly string[]>>;
}

/** What a rule is evaluated against. */
export interface AclSubject {
  accountId: string;
  conversationId: string | undefined;
  isDirect: boolean;
}

/** An empty policy: no admins, no roles. */
export const EMPTY_POLICY: AclPolicy = Object.freeze({ admins: Object.freeze([]), roles: Object.freeze({}) });

/** Evaluates a rule. Unknown shapes deny (fail closed). */
export function evaluateAcl(rule: AclRule | undefined, subject: AclSubject, policy: AclPolicy): boolean {
  if (rule === undefined || rule === 'everyone') return true;
  if (rule === 'admins') return subject.isDirect && policy.admins.includes(subject.accountId);
  if (typeof rule !== 'object' || rule === null) return false;
  if ('all' in rule) return Array.isArray(rule.all) && rule.all.every((r) => evaluateAcl(r, subject, policy));
  if ('any' in rule) return Array.isArray(rule.any) && rule.any.some((r) => evaluateAcl(r, subject, policy));
  if ('not' in rule) return !evaluateAcl(rule.not, subject, policy);
  return evaluateMatch(rule, subject, policy);
}

function evaluateMatch(rule: AclMatch, s: AclSubject, policy: AclPolicy): boolean {
  const inRoles = (roles: string[] | undefined): boolean => roles?.some((r) => policy.roles[r]?.includes(s.accountId) ?? false) ?? false;
  if (rule.denyAccounts?.includes(s.accountId) || inRoles(rule.denyRoles)) return false;
  if (s.conversationId !== undefined && rule.denyConversations?.includes(s.conversationId)) return false;
  if (rule.conversations && (s.conversationId === undefined || !rule.conversations.includes(s.conversationId))) return false;
  if (rule.directOnly && !s.isDirect) return false;
  if (rule.groupOnly && s.isDirect) return false;
  const hasAllowList = rule.accounts !== undefined || rule.roles !== undefined || rule.admins === true;
  if (!hasAllowList) return true;
  return (rule.accounts?.includes(s.accountId) ?? false) || inRoles(rule.roles) || (rule.admins === true && policy.admins.includes(s.accountId));
}

/** Checks a rule's shape at registration, so a typo fails at start rather than denying forever. */
export function validateAcl(command: string, rule: unknown, path = 'allow'): void {
  if (rule === undefined || rule === 'everyone' || rule === 'admins') return;
  const fail = (why: string): never => {
    throw new TypeError(`Command "${command}": ${path} ${why}. Use 'everyone', 'admins', { accounts, roles, … }, { all: [...] }, { any: [...] } or { not: rule }.`);
  };
  if (typeof rule !== 'object' || rule === null) fail(`is ${JSON.stringify(rule)}`);
  const r = rule as Record<string, unknown>;
  for (const key of ['all', 'any'] as const) {
    if (key in r) {
      if (!Array.isArray(r[key])) fail(`.${key} must be an array`);
      (r[key] as unknown[]).forEach((sub, i) => validateAcl(command, sub, `${path}.${key}[${i}]`));
      return;
    }
  }
  if ('not' in r) return validateAcl(command, r.not, `${path}.not`);
  const known = new Set(['accounts', 'roles', 'admins', 'denyAccounts', 'denyRoles', 'conversations', 'denyConversations', 'directOnly', 'groupOnly']);
  for (const key of Object.keys(r)) if (!known.has(key)) fail(`has an unknown key "${key}"`);
}
