import { html, type SafeHtml } from '../html.ts';
import { iso } from '../wire.ts';

export const BASE = '/_emulator/dashboard';

export const time = (ms: number | null) =>
  ms === null ? '—' : html`<time datetime="${iso(ms)}">${iso(ms).replace('T', ' ').slice(0, 19)}</time>`;

/** A form that posts the dashboard action `name` (see actions.ts), with `fields` as hidden inputs. */
export const actionForm = (
  name: string,
  body: SafeHtml,
  options: { fields?: Record<string, string>; className?: string } = {},
) =>
  html`<form method="post" action="${BASE}/action" ${options.className ? html` class="${options.className}"` : null}>
    <input type="hidden" name="action" value="${name}" />
    ${Object.entries(options.fields ?? {}).map(([key, value]) => html`<input type="hidden" name="${key}" value="${value}" />`)}
    ${body}
  </form>`;

export const actionButton = (
  name: string,
  fields: Record<string, string>,
  label: string,
  options: { danger?: boolean; ariaLabel?: string } = {},
) =>
  actionForm(
    name,
    html`<button
      type="submit"
      class="small${options.danger ? ' danger' : ''}"
      ${options.ariaLabel ? html` aria-label="${options.ariaLabel}"` : null}
    >
      ${label}
    </button>`,
    { fields },
  );

/** A table under its column headings; with no rows, `empty` spans them (nothing when null). */
export function table(columns: string[], rows: SafeHtml[], empty: string | null): SafeHtml {
  return html`<table>
    <thead>
      <tr>
        ${columns.map((column) => html`<th>${column}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${
        rows.length === 0 && empty !== null
          ? html`<tr>
              <td colspan="${columns.length}" class="muted">${empty}</td>
            </tr>`
          : rows
      }
    </tbody>
  </table>`;
}
