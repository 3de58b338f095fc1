/**
 * @module console/client-script
 * The console's only browser script, served as /console/assets/console.js (embedded in the binary as a string):
 * refreshes the live list, follows a live transcript over server-sent events (lines placed by when they were spoken),
 * and sends the POSTs with the session's CSRF token. Text is inserted with textContent, never as markup.
 */
export const CLIENT_SCRIPT = String.raw`
(() => {
  const csrf = document.querySelector('meta[name=csrf]')?.content || ''
  const post = (url, body) => fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-console-csrf': csrf }, body: JSON.stringify(body || {}) })
  const clock = (ms) => { const s = Math.max(0, Math.floor(ms / 1000)); return String(Math.floor(s / 60)).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0') }
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e }

  document.addEventListener('click', (ev) => {
    const row = ev.target.closest && ev.target.closest('tr[data-call]')
    if (row && !ev.target.closest('a,button')) location.href = '/console/calls/' + row.dataset.call
  })

  // Live list: a light poll of the JSON API (one small query a second while the page is open).
  const live = document.getElementById('live-calls')
  if (live) {
    const render = (calls) => {
      const body = live.querySelector('tbody')
      body.replaceChildren(...calls.map((c) => {
        const tr = el('tr', 'link'); tr.dataset.call = c.id
        const a = el('a', '', new Date(c.startedAt).toLocaleString()); a.href = '/console/calls/' + c.id
        const td0 = el('td'); td0.append(a)
        const st = el('td'); st.append(el('span', 'pill ' + c.state, c.state === 'live' ? c.phase : (c.outcome || 'ended')))
        const tasks = el('td')
        if (c.openTasks.length) for (const t of c.openTasks) { const d = el('div'); d.append(el('code', '', t.taskId), ' ' + t.kind + ' · ', el('b', '', t.state)); tasks.append(d) }
        else tasks.append(el('span', 'mute', c.tasks.length ? c.tasks.join(', ') : 'none'))
        tr.append(td0, st, el('td', 'dur', clock(c.durationMs)), el('td', '', c.caller), el('td', 'tenant', c.tenant), el('td', '', c.mediaFormat), tasks)
        return tr
      }))
      document.getElementById('live-count').textContent = String(calls.filter((c) => c.state === 'live').length)
      document.getElementById('no-live').hidden = calls.length > 0
    }
    const tick = async () => {
      try {
        const r = await fetch(live.dataset.refresh, { credentials: 'same-origin' })
        if (r.status === 401) return location.reload()
        if (r.ok) render((await r.json()).live)
      } catch {}
      setTimeout(tick, 1000)
    }
    setTimeout(tick, 1000)
  }

  // Live transcript: entries arrive in arrival order and are placed by when they were spoken.
  const list = document.getElementById('transcript')
  if (list && list.dataset.events) {
    const started = Number(list.dataset.started)
    const seen = new Set([...list.children].map((li) => li.dataset.seq))
    const src = new EventSource(list.dataset.events)
    src.addEventListener('entry', (m) => {
      const e = JSON.parse(m.data)
      if (seen.has(String(e.seq))) return
      seen.add(String(e.seq))
      const li = el('li', e.kind); li.dataset.spoken = e.spokenAt; li.dataset.seq = e.seq
      li.append(el('span', 't', clock(e.spokenAt - started)), el('span', 'k', e.kind), el('span', 'x', e.text))
      const after = [...list.children].find((x) => Number(x.dataset.spoken) > e.spokenAt)
      list.insertBefore(li, after || null)
      if (!after) list.scrollTop = list.scrollHeight
    })
    src.addEventListener('ended', (m) => {
      src.close()
      const f = document.getElementById('following'); if (f) { f.textContent = 'ended'; f.className = 'pill ended' }
      const s = document.getElementById('call-state'); if (s) { s.textContent = JSON.parse(m.data).reason; s.className = 'pill ended' }
    })
  }

  const reveal = document.getElementById('reveal')
  if (reveal) reveal.addEventListener('click', async () => {
    const r = await post('/console/api/calls/' + reveal.dataset.call + '/reveal')
    if (r.ok) { document.getElementById('caller-number').textContent = (await r.json()).number || 'unknown'; reveal.remove() }
  })

  for (const b of document.querySelectorAll('button.cancel')) b.addEventListener('click', async () => {
    const row = b.closest('tr')
    const sms = !!row.querySelector('input.sms')?.checked
    if (!confirm('Cancel this appointment' + (sms ? ' and text the caller' : '') + '?')) return
    const r = await post('/console/api/appointments/' + b.dataset.id + '/cancel', { sms })
    const out = await r.json().catch(() => ({}))
    row.querySelector('.status').textContent = r.ok ? 'cancelled' + (out.sms ? ' (SMS queued)' : '') : (out.error || 'failed')
    if (r.ok) b.parentElement.replaceChildren()
  })
})()
`
