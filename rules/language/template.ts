/**
 * The small template language of alert titles and dedup keys: `{{name}}` placeholders from a fixed
 * list, checked when the rule is validated so that a typo fails the push, not the alert.
 */
export const TEMPLATE_VARS = ["rule_id", "app_id", "group_key", "severity", "value"] as const;
export type TemplateVars = Partial<Record<(typeof TEMPLATE_VARS)[number], string | number>>;

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

export function templateProblem(template: string): string | null {
  for (const [, name] of template.matchAll(PLACEHOLDER))
    if (!(TEMPLATE_VARS as readonly string[]).includes(name as string))
      return `unknown placeholder {{${name}}}: expected one of ${TEMPLATE_VARS.map((v) => `{{${v}}}`).join(", ")}`;
  return null;
}

export function renderTemplate(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (_, name: keyof TemplateVars) => String(vars[name] ?? ""));
}
