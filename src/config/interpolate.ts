/**
 * `${VAR}` / `${VAR:-default}` interpolation of config strings from an injected environment.
 * `$${` writes a literal `${`.
 */

/** The environment interpolation reads from (the CLI passes `process.env`; nothing else does). */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** Result of {@link interpolate}: the new text, or problems that say what to fix. */
export type InterpolationResult =
  | { ok: true; value: string; changed: boolean }
  | { ok: false; problems: Array<{ message: string; hint: string }> };

const REF_RE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const BODY_RE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces every `${NAME}` and `${NAME:-default}` in `text`. Like the shell, the default is
 * used when the variable is unset or empty.
 * @example interpolate('${HOST:-127.0.0.1}:${PORT}', { PORT: '8700' }) // { ok: true, value: '127.0.0.1:8700', changed: true }
 */
export function interpolate(text: string, env: ConfigEnv): InterpolationResult {
  if (!text.includes('${')) return { ok: true, value: text, changed: false };
  const problems: Array<{ message: string; hint: string }> = [];
  const value = text.replace(REF_RE, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    const parsed = body === undefined ? null : BODY_RE.exec(body);
    if (!parsed) {
      problems.push({
        message: `malformed variable reference ${JSON.stringify(match.length > 40 ? `${match.slice(0, 40)}…` : match)}`,
        hint: 'write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or $${ for a literal ${',
      });
      return match;
    }
    const [, name = '', fallback] = parsed;
    const current = env[name];
    if (current !== undefined && current !== '') return current;
    if (fallback !== undefined) return fallback;
    problems.push({
      message: `environment variable ${name} is not set`,
      hint: `set ${name} in the environment, or give a default: \${${name}:-value}`,
    });
    return match;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value, changed: true };
}
