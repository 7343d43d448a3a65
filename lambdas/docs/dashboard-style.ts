import { PORTAL_CAPABILITIES } from '../shared/domain/portal-scope';

/**
 * The dark colours (issue 29's theming): for a portal link's `color_scheme: dark`, and for
 * `auto` when the reader's system prefers dark.
 */
const DARK = '--fg:#e6edf3;--muted:#9ea7b3;--bg:#0d1117;--line:#3d444d;--ok:#3fb950;--bad:#ff7b72;--warn:#d29922;--accent:#4493f8;--surface:#161b22;color-scheme:dark';

/** The dashboard's styles (admitted by the page's CSP by hash): one sheet, no framework. */
export const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--accent:#0969da;--surface:#f6f8fa;--radius:6px;--font:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
[data-scheme="dark"]{${DARK}}@media (prefers-color-scheme:dark){[data-scheme="auto"]{${DARK}}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 var(--font);color:var(--fg);background:var(--bg)}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
header h1{font-size:1.1rem;margin:0}main{padding:1rem;max-width:1100px;margin:0 auto}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}input,select,textarea{font:inherit;padding:.45rem .5rem;border:1px solid var(--line);border-radius:var(--radius);min-width:0;max-width:100%}
textarea{width:100%;font-family:ui-monospace,monospace}fieldset{border:1px solid var(--line);border-radius:var(--radius);margin:.5rem 0;padding:.5rem;min-width:0}legend{font-weight:600}
fieldset label{display:inline-flex;gap:.3rem;align-items:center;font-weight:400;margin:.2rem .8rem .2rem 0}
button{font:inherit;padding:.45rem .8rem;border:1px solid var(--line);border-radius:var(--radius);background:var(--surface);color:var(--fg);cursor:pointer;min-height:2.5rem}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.danger{color:var(--bad)}
button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #54aeff;outline-offset:1px}
.tabs{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 1rem}.tabs button[aria-pressed="true"]{border-color:var(--accent);box-shadow:inset 0 -3px 0 var(--accent);font-weight:600}
table{width:100%;border-collapse:collapse;margin:.5rem 0}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
caption{text-align:left;font-weight:600;padding:.25rem 0}.muted{color:var(--muted)}.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.status-succeeded,.status-active{color:var(--ok)}.status-failed,.status-disabled,.status-failing{color:var(--bad)}.status-retrying,.status-pending{color:var(--warn)}
pre{white-space:pre-wrap;word-break:break-all;background:var(--surface);padding:.5rem;border-radius:var(--radius);margin:.25rem 0}
.card{border:1px solid var(--line);border-radius:calc(var(--radius) + 2px);padding:1rem;margin:1rem 0}.secret{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
[hidden]{display:none!important}.read-only .mutates{display:none!important}.embedded>header{display:none!important}${PORTAL_CAPABILITIES.map((c) => `[data-cannot~="${c}"] .needs-${c}{display:none!important}`).join('')}header img{max-height:2rem;max-width:10rem}.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:640px){table.stack thead{display:none}table.stack tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}
table.stack td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.2rem 0}table.stack td::before{content:attr(data-label);font-weight:600;color:var(--muted)}
header{flex-wrap:wrap}.row>*{flex:1 1 100%;min-width:0}table.stack td>.cell{min-width:0;text-align:right}.row input,.row select{width:100%}}
`;
