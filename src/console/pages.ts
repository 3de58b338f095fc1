/**
 * @module console/pages
 * The console's pages, rendered on the server from the same data the JSON API returns. The small client script
 * (client-script.ts) only refreshes the live list, follows a live transcript, and sends the few POSTs.
 */
import { clock, html, page, when, type Html } from './html'
import type { CallDetail, CallSummary } from './call-detail'
import type { TimelineEntry } from './timeline'
import { fsmDiagram, latencyChart, machineGraph } from './svg'
import type { TaskRegistry } from '../agents/task-definition'

export function loginPage(message: string | undefined): string {
  return page({
    title: 'Log in',
    nav: undefined,
    csrf: undefined,
    script: false,
    body: html`<div class="login card"><h1>Operator console</h1>${message ? html`<p class="mute">${message}</p>` : ''}
<form method="post" action="/console/login"><label>Admin token<input type="password" name="token" autocomplete="current-password" autofocus required></label>
<button class="primary" type="submit">Log in</button></form></div>`,
  })
}

const taskList = (c: CallSummary) =>
  c.openTasks.length > 0 ? c.openTasks.map((t) => html`<div><code>${t.taskId}</code> ${t.kind} · <b>${t.state}</b></div>`) : c.tasks.length > 0 ? html`<span class="mute">${c.tasks.join(', ')}</span>` : html`<span class="mute">none</span>`

/** `tzOf`: each call's time in its own business's zone. */
export function callRows(calls: readonly CallSummary[], tzOf: (tenant: string) => string): Html {
  return html`${calls.map(
    (c) => html`<tr class="link" data-call="${c.id}">
<td><a href="/console/calls/${c.id}">${when(c.startedAt, tzOf(c.tenant))}</a></td><td><span class="pill ${c.state}">${c.state === 'live' ? c.phase : (c.outcome ?? 'ended')}</span></td>
<td class="dur">${clock(c.durationMs)}</td><td>${c.caller}</td><td class="tenant">${c.tenant}</td><td>${c.mediaFormat}</td><td>${taskList(c)}</td></tr>`,
  )}`
}

const CALL_HEAD = html`<thead><tr><th>started</th><th>state</th><th>duration</th><th>caller</th><th>business</th><th>media</th><th>tasks</th></tr></thead>`

export function livePage(o: { csrf: string; live: readonly CallSummary[]; recent: readonly CallSummary[]; tzOf: (tenant: string) => string }): string {
  return page({
    title: 'Live calls',
    nav: 'live',
    csrf: o.csrf,
    body: html`<h1>Live calls <span class="mute" id="live-count">${o.live.filter((c) => c.state === 'live').length}</span></h1>
<table id="live-calls" data-refresh="/console/api/calls">${CALL_HEAD}<tbody>${callRows(o.live, o.tzOf)}</tbody></table>
<p class="empty" id="no-live" ${o.live.length > 0 ? 'hidden' : ''}>No call right now. This list updates by itself.</p>
<h2>Recent calls</h2><table id="recent-calls">${CALL_HEAD}<tbody>${callRows(o.recent.slice(0, 20), o.tzOf)}</tbody></table>`,
  })
}

function entryItem(e: TimelineEntry, startedAt: number): Html {
  return html`<li class="${e.kind}" data-spoken="${e.spokenAt}" data-seq="${e.seq}"><span class="t">${clock(e.spokenAt - startedAt)}</span><span class="k">${e.kind}</span><span class="x">${e.text}</span></li>`
}

export function callPage(o: { csrf: string; d: CallDetail; tz: string; registry: TaskRegistry; canReveal: boolean }): string {
  const { d } = o
  const s = d.summary
  const usage = d.usage
  const tokens = usage.inputText + usage.inputAudio + usage.outputText + usage.outputAudio
  const sms = d.sms.length + d.pendingSms.length
  // Live: the transcript comes first (it is what the operator follows); afterwards it closes the page.
  const transcript = html`<h2>Transcript ${d.live ? html`<span class="pill live" id="following">live</span>` : ''}</h2>
<ol class="transcript" id="transcript" data-started="${s.startedAt}" ${d.live ? html`data-events="/console/api/calls/${s.id}/events"` : ''}>${d.entries.map((e) => entryItem(e, s.startedAt))}</ol>`
  return page({
    title: `Call ${s.id.slice(0, 8)}`,
    nav: d.live ? 'live' : 'history',
    csrf: o.csrf,
    body: html`<h1>Call <code>${s.id.slice(0, 8)}</code> <span class="pill ${s.state}" id="call-state">${d.live ? s.phase : (s.outcome ?? s.state)}</span></h1>
<div class="grid"><div class="card"><dl class="kv">
<dt>caller</dt><dd><span id="caller-number">${s.caller}</span> ${o.canReveal ? html`<button class="link" id="reveal" data-call="${s.id}">reveal</button>` : ''}</dd>
<dt>direction</dt><dd>${s.direction}</dd><dt>media</dt><dd>${s.mediaFormat}</dd>
<dt>started</dt><dd>${when(s.startedAt, o.tz)}</dd><dt>duration</dt><dd>${clock(s.durationMs)}</dd><dt>outcome</dt><dd>${s.outcome ?? (d.live ? 'in progress' : '—')}</dd>
<dt>barge-ins</dt><dd>${d.bargeIns}</dd></dl></div>
<div class="card" id="usage"><dl class="kv"><dt>model responses</dt><dd>${usage.responses}</dd>
<dt>tokens in</dt><dd>${usage.inputText} text · ${usage.inputAudio} audio · ${usage.inputCached} cached</dd>
<dt>tokens out</dt><dd>${usage.outputText} text · ${usage.outputAudio} audio</dd><dt>total</dt><dd>${tokens}</dd>
<dt>estimated cost</dt><dd id="cost">$${d.costUsd.toFixed(4)}</dd></dl></div>
<div class="card" id="follow-up"><dl class="kv"><dt>SMS</dt><dd>${sms === 0 ? html`<span class="mute">none</span>` : ''}
${d.sms.map((m) => html`<div>${m.direction === 'out' ? 'to' : 'from'} ${m.number}: <b>${m.status}</b></div>`)}${d.pendingSms.map((m) => html`<div>queued: <b>${m.status}</b> (${m.attempts} attempts${m.lastError ? `, ${m.lastError}` : ''})</div>`)}</dd>
<dt>callback</dt><dd>${d.callbacks.length === 0 ? html`<span class="mute">none</span>` : d.callbacks.map((c) => html`<div>${c.number}: <b>${c.status}</b></div>`)}</dd></dl></div></div>
${d.live ? transcript : ''}${d.recording ? html`<h2>Recording</h2><audio controls preload="none" src="/console/api/calls/${s.id}/recording.wav"></audio>` : ''}
<h2>Latency per turn</h2>${d.turns.length + d.tools.length === 0 ? html`<p class="empty" id="latency-empty">No turn measured yet.</p>` : html`<div class="card">${latencyChart(d.turns, d.tools)}<div class="mute">blue: caller stopped speaking → first bot audio sent (ms) · orange: tool call → output (ms)</div></div>`}
<h2>Tasks</h2>${d.tasks.length === 0 ? html`<p class="empty">No task in this call.</p>` : d.tasks.map((t) => {
      const def = o.registry.get(t.kind)
      return html`<div class="card task" data-task="${t.taskId}"><b>${t.kind}</b> <code>${t.taskId}</code> · ${t.status} in <b>${t.state}</b>
<div class="mute">${t.path.map((p) => `${p.from} → ${p.to} (${p.on})`).join(' · ')}</div>${def ? fsmDiagram(machineGraph(def.machine), t.path) : ''}</div>`
    })}
${d.live ? '' : transcript}`,
  })
}

export function historyPage(o: { csrf: string; calls: readonly CallSummary[]; q: Record<string, string>; outcomes: readonly string[]; kinds: readonly string[]; tzOf: (tenant: string) => string }): string {
  const sel = (name: string, options: readonly string[]) =>
    html`<select name="${name}"><option value="">any</option>${options.map((v) => html`<option ${o.q[name] === v ? 'selected' : ''}>${v}</option>`)}</select>`
  return page({
    title: 'History',
    nav: 'history',
    csrf: o.csrf,
    body: html`<h1>Call history</h1><form class="search" method="get" action="/console/history">
<label>from<input type="date" name="from" value="${o.q.from ?? ''}"></label><label>to<input type="date" name="to" value="${o.q.to ?? ''}"></label>
<label>outcome${sel('outcome', o.outcomes)}</label><label>number ends with<input name="digits" inputmode="numeric" pattern="[0-9]{1,6}" size="8" value="${o.q.digits ?? ''}"></label>
<label>task${sel('task', o.kinds)}</label><button class="primary">Search</button></form>
${o.calls.length === 0 ? html`<p class="empty">No call matches.</p>` : html`<table id="history">${CALL_HEAD}<tbody>${callRows(o.calls, o.tzOf)}</tbody></table>`}`,
  })
}

export type AppointmentView = { readonly id: string; readonly startsAt: number; readonly minutes: number; readonly status: string; readonly caller: string; readonly group: string; readonly callId: string | null }

export function appointmentsPage(o: { csrf: string; day: string; items: readonly AppointmentView[]; tz: string; business: string; businesses: readonly string[]; smsAvailable: boolean }): string {
  const groups = new Map<string, AppointmentView[]>()
  for (const a of o.items) groups.set(a.group, [...(groups.get(a.group) ?? []), a])
  const time = (at: number) => new Intl.DateTimeFormat('en-GB', { timeZone: o.tz, hour: '2-digit', minute: '2-digit' }).format(at)
  return page({
    title: 'Appointments',
    nav: 'appointments',
    csrf: o.csrf,
    body: html`<h1>Appointments${o.businesses.length > 1 ? html` <span class="mute">${o.business} (${o.tz})</span>` : ''}</h1><form class="search" method="get">${
      o.businesses.length > 1 ? html`<label>business<select name="business">${o.businesses.map((id) => html`<option value="${id}" ${id === o.business ? 'selected' : ''}>${id}</option>`)}</select></label>` : ''
    }<label>day<input type="date" name="day" value="${o.day}"></label><button class="primary">Show</button></form>
${o.items.length === 0 ? html`<p class="empty">No appointment on ${o.day}.</p>` : [...groups].map(
      ([g, list]) => html`${groups.size > 1 || g !== '' ? html`<h2>${g || 'unassigned'}</h2>` : ''}<table class="appointments"><thead><tr><th>time</th><th>length</th><th>caller</th><th>status</th><th>call</th><th></th></tr></thead><tbody>
${list.map(
        (a) => html`<tr data-appointment="${a.id}"><td>${time(a.startsAt)}</td><td>${a.minutes} min</td><td>${a.caller}</td><td class="status">${a.status}</td>
<td>${a.callId ? html`<a href="/console/calls/${a.callId}">call</a>` : ''}</td>
<td>${a.status === 'booked' ? html`<label class="mute">${o.smsAvailable ? html`<input type="checkbox" class="sms"> text the caller ` : ''}</label><button class="cancel" data-id="${a.id}">Cancel</button>` : ''}</td></tr>`,
      )}</tbody></table>`,
    )}`,
  })
}
