/**
 * Reply templates. The template is the team lead's text (from config) and may use Fleep markup
 * and @mentions; every value filled in is escaped, so user text shows literally and can never
 * become markup, a link or a mention.
 */
import { escapeText, markup, type Markup } from 'fleepkit';

/** The placeholders a template may use. */
export const PLACEHOLDERS = ['author', 'assignees', 'text', 'nr'] as const;

/** Values for a template's placeholders. */
export type TemplateValues = Record<(typeof PLACEHOLDERS)[number], string>;

const PLACEHOLDER = /\{([a-zA-Z_]+)\}/g;

/** Placeholders in `template` that are not known (empty when all are fine). */
export function unknownPlaceholders(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!(PLACEHOLDERS as readonly string[]).includes(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Fills a template. Values are escaped; the template itself goes out as markup.
 * @example render('Thanks {author}!', { author: 'Alice', assignees: '', text: '', nr: '3' })
 */
export function render(template: string, values: TemplateValues): Markup {
  return markup(
    template.replace(PLACEHOLDER, (whole, name: string) =>
      Object.hasOwn(values, name) ? escapeText(values[name as keyof TemplateValues]) : whole,
    ),
  );
}
