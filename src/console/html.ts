/**
 * @module console/html
 * Server-rendered HTML without a framework: a tagged template that escapes every interpolation unless it is already
 * {@link Html} (so caller words can never become markup), and the page layout.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

export const raw = (s: string) => new Html(s)

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[]

function render(p: Part): string {
  if (p === null || p === undefined || p === false || p === true) return ''
  if (p instanceof Html) return p.value
  if (Array.isArray(p)) return p.map(render).join('')
  return escapeHtml(String(p))
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? ''
  for (let i = 0; i < parts.length; i++) out += render(parts[i]) + (strings[i + 1] ?? '')
  return new Html(out)
}

const STYLE = `
:root{--fg:#1d2330;--mute:#6b7385;--line:#e3e6ee;--bg:#f6f7fb;--acc:#2b59c3;--ok:#1f8a4c;--warn:#b26a00;--bad:#b3261e}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:18px;align-items:center;padding:10px 22px;background:#1d2330;color:#fff}
header a{color:#cfd6e6;text-decoration:none}header a.on,header a:hover{color:#fff}header .brand{font-weight:600;margin-right:12px}
header form{margin-left:auto}header button{background:none;border:1px solid #55607a;color:#cfd6e6;border-radius:4px;padding:3px 10px;cursor:pointer}
main{padding:18px 22px;max-width:1200px}h1{font-size:20px;margin:4px 0 14px}h2{font-size:15px;margin:22px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.03em}tr.link{cursor:pointer}tr.link:hover{background:#eef2fb}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 14px;margin-bottom:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}.kv dt{color:var(--mute)}.kv dd{margin:0}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#e8ecf6}.pill.live{background:#dff3e7;color:var(--ok)}.pill.ended{background:#eee;color:var(--mute)}
.mute{color:var(--mute)}.empty{color:var(--mute);padding:14px;background:#fff;border:1px dashed var(--line)}
ol.transcript{list-style:none;margin:0;padding:0;background:#fff;border:1px solid var(--line);border-radius:6px;max-height:560px;overflow:auto}
ol.transcript li{display:grid;grid-template-columns:70px 80px 1fr;gap:8px;padding:5px 10px;border-bottom:1px solid #f0f1f5}
ol.transcript .t{color:var(--mute);font-variant-numeric:tabular-nums}ol.transcript .k{font-weight:600;font-size:12px;text-transform:uppercase}
li.caller .k{color:#7a3fb0}li.bot .k{color:var(--acc)}li.tool .k,li.tool .x{color:#5a6478;font-family:ui-monospace,monospace;font-size:12px}
li.task .k{color:var(--ok)}li.latency .k,li.latency .x{color:var(--warn);font-size:12px}li.barge-in .k{color:var(--bad)}li.system .k,li.agent .k{color:var(--mute)}
form.search{display:flex;flex-wrap:wrap;gap:10px;align-items:end;margin-bottom:12px}form.search label{display:flex;flex-direction:column;font-size:12px;color:var(--mute)}
input,select,button{font:inherit;padding:4px 8px;border:1px solid #c9cfdb;border-radius:4px;background:#fff}button.primary{background:var(--acc);color:#fff;border-color:var(--acc);cursor:pointer}
button.link{border:none;background:none;color:var(--acc);cursor:pointer;padding:0}
svg text{font:11px system-ui,sans-serif}.login{max-width:360px;margin:12vh auto}.login input{width:100%;margin:8px 0}
`

export type Nav = 'live' | 'history' | 'appointments' | undefined

export function page(o: { title: string; nav: Nav; csrf: string | undefined; body: Html; script?: boolean }): string {
  const link = (href: string, key: Nav, label: string) => html`<a href="${href}" class="${o.nav === key ? 'on' : ''}">${label}</a>`
  return (
    '<!doctype html>' +
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin">${o.csrf ? html`<meta name="csrf" content="${o.csrf}">` : ''}
<title>${o.title} · FastAgent console</title><style>${raw(STYLE)}</style></head><body>
<header><span class="brand">FastAgent console</span>${o.csrf !== undefined ? html`${link('/console', 'live', 'Live calls')}${link('/console/history', 'history', 'History')}${link('/console/appointments', 'appointments', 'Appointments')}
<form method="post" action="/console/logout"><input type="hidden" name="csrf" value="${o.csrf}"><button>Log out</button></form>` : ''}</header>
<main>${o.body}</main>${o.script !== false ? raw('<script src="/console/assets/console.js" defer></script>') : ''}</body></html>`.value
  )
}

/** `mm:ss` from milliseconds. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

export function when(at: number, timeZone: string): string {
  return formatterFor(timeZone).format(at)
}

/** One formatter per time zone (a page lists many times; building an Intl.DateTimeFormat costs tens of µs). */
const formatters = new Map<string, Intl.DateTimeFormat>()
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })))
  return f
}
