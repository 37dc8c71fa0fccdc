/** Tagged template that escapes interpolations; nest with `raw()` or other `html` results. */
export interface SafeHtml {
  readonly __html: string;
}

export const raw = (value: string): SafeHtml => ({ __html: value });

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

type Value = SafeHtml | string | number | boolean | null | undefined | Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object') return value.__html;
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return raw(out);
}

const BASE_CSS = `
:root { color-scheme: light; --bg: #f4f5f7; --card: #fff; --text: #1b1d22; --muted: #5d6470; --line: #dde1e7;
  --accent: #4f46e5; --accent-dark: #4338ca; --danger: #c2261d; --ok: #157f3b; --warn: #9a6200; --radius: 10px; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
h1 { font-size: 1.45rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
p.lead { color: var(--muted); margin: 0 0 1.5rem; }
label { display: block; font-weight: 600; font-size: .9rem; margin: .9rem 0 .3rem; }
input[type=email], input[type=password], input[type=text], input[type=number], input[type=url], select {
  width: 100%; padding: .6rem .7rem; border: 1px solid var(--line); border-radius: 8px; font: inherit; background: #fff; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #a5b4fc; outline-offset: 1px; }
button { font: inherit; cursor: pointer; border-radius: 8px; border: 1px solid var(--line); background: #fff; color: var(--text);
  padding: .55rem .9rem; }
button:hover { background: #f0f1f4; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; width: 100%; margin-top: 1.2rem; padding: .7rem; }
button.primary:hover { background: var(--accent-dark); }
button.danger { color: var(--danger); border-color: #f0c4c1; }
button.danger:hover { background: #fdf0ef; }
button.small { padding: .25rem .6rem; font-size: .85rem; }
.alert { border-radius: 8px; padding: .7rem .9rem; margin: 0 0 1rem; background: #fdf0ef; color: var(--danger); border: 1px solid #f0c4c1; }
.notice { border-radius: 8px; padding: .7rem .9rem; margin: 0 0 1rem; background: #eefaf2; color: var(--ok); border: 1px solid #bfe5cc; }
.muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
`;

const AUTH_CSS = `
main.auth { max-width: 420px; margin: 6vh auto; padding: 0 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 2rem; box-shadow: 0 1px 2px rgba(0,0,0,.04), 0 8px 24px rgba(0,0,0,.05); }
.brand { display: flex; align-items: center; gap: .5rem; font-weight: 700; color: var(--accent); margin-bottom: 1.25rem; }
.brand span.dot { width: 14px; height: 14px; border-radius: 4px; background: var(--accent); display: inline-block; }
.demo-users { display: grid; gap: .5rem; margin: 0 0 1rem; }
.demo-users form { margin: 0; }
.demo-users button { width: 100%; display: flex; justify-content: space-between; align-items: center; text-align: left; }
.demo-users .role { font-size: .75rem; color: var(--muted); border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; }
.divider { display: flex; align-items: center; gap: .75rem; color: var(--muted); font-size: .85rem; margin: 1.25rem 0 .25rem; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
.switch { text-align: center; margin: 1.25rem 0 0; color: var(--muted); font-size: .9rem; }
.footnote { text-align: center; color: var(--muted); font-size: .8rem; margin-top: 1rem; }
.impersonation { border: 1px dashed #e0b352; background: #fff9eb; border-radius: 8px; padding: .75rem; margin-bottom: 1rem; }
.impersonation button { width: 100%; }
`;

export function page(options: { title: string; body: SafeHtml; css?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(options.title)}</title>
<style>${BASE_CSS}${options.css ?? AUTH_CSS}</style>
</head>
<body>
${options.body.__html}
</body>
</html>`;
}
