/**
 * @module store/phrases-repo
 * The phrase cache's shared tier: the model's audio of fixed lines (base64 of the output format's bytes), bounded in
 * total bytes with the least recently used entries evicted. On PostgreSQL every instance shares it. Read when a call
 * starts and written when a line was captured — never on the audio path.
 */
import type { Sql } from './sql'
import { inList } from './sql'
import { PhraseMetaRow, PhraseRow, rowChecker } from './rows'

const rows = rowChecker('phrase_cache', PhraseRow)
const metas = rowChecker('phrase_cache', PhraseMetaRow)

export type PhraseEntry = {
  readonly key: string
  readonly voice: string
  readonly model: string
  readonly format: string
  readonly text: string
  /** Base64 of the audio bytes. */
  readonly audio: string
  readonly bytes: number
}

export class PhrasesRepo {
  constructor(private readonly sql: Sql) {}

  /** The entries among `keys` (any order); each one found is marked used. */
  async get(keys: readonly string[], at: number): Promise<PhraseRow[]> {
    if (keys.length === 0) return []
    const list = inList('k', keys)
    const found = rows.many(await this.sql.all(`SELECT key, voice, model, format, text, audio, bytes, used_at FROM phrase_cache WHERE key IN (${list.sql})`, list.params))
    if (found.length > 0) {
      const used = inList('u', found.map((r) => r.key))
      await this.sql.run(`UPDATE phrase_cache SET used_at = $at WHERE key IN (${used.sql}) AND used_at < $at`, { ...used.params, at })
    }
    return found
  }

  /**
   * Keeps an entry (the first one written for a key stays: every instance captures the same line), then evicts the
   * least recently used until the total is within `maxBytes`. Returns how many entries were evicted.
   */
  put(e: PhraseEntry, maxBytes: number, at: number): Promise<number> {
    return this.sql.tx(async (sql) => {
      await sql.run(
        `INSERT INTO phrase_cache (key, voice, model, format, text, audio, bytes, created_at, used_at)
         VALUES ($key, $voice, $model, $format, $text, $audio, $bytes, $at, $at) ON CONFLICT (key) DO NOTHING`,
        { key: e.key, voice: e.voice, model: e.model, format: e.format, text: e.text, audio: e.audio, bytes: e.bytes, at },
      )
      const all = metas.many(await sql.all('SELECT key, voice, model, format, text, bytes, used_at FROM phrase_cache ORDER BY used_at DESC, key'))
      let total = 0
      const evict: string[] = []
      for (const r of all) {
        total += r.bytes
        if (total > maxBytes) evict.push(r.key)
      }
      return new PhrasesRepo(sql).delete(evict)
    })
  }

  /** Every entry without its audio, most recently used first. */
  async list(): Promise<PhraseMetaRow[]> {
    return metas.many(await this.sql.all('SELECT key, voice, model, format, text, bytes, used_at FROM phrase_cache ORDER BY used_at DESC, key'))
  }

  async delete(keys: readonly string[]): Promise<number> {
    let n = 0
    // A bounded IN list per statement.
    for (let i = 0; i < keys.length; i += 200) {
      const list = inList('d', keys.slice(i, i + 200))
      n += await this.sql.run(`DELETE FROM phrase_cache WHERE key IN (${list.sql})`, list.params)
    }
    return n
  }
}
