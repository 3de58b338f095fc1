/**
 * `bun run build`: one self-contained executable at dist/fastagent.
 * No identifier minification (Elysia reads handler source text; stack-notes B5/C1), an embedded sourcemap for
 * readable stack traces, ESM + bytecode for a fast cold start, and no implicit .env/bunfig.toml autoload so the
 * binary behaves the same in any working directory (systemd gives it its environment).
 */
import { $ } from 'bun'
import { mkdirSync } from 'node:fs'

const outfile = process.argv[2] ?? 'dist/fastagent'
mkdirSync('dist', { recursive: true })
const started = performance.now()
await $`bun build src/main.ts --compile --format=esm --bytecode --minify-whitespace --minify-syntax --sourcemap --no-compile-autoload-dotenv --no-compile-autoload-bunfig --outfile ${outfile}`.quiet()
const size = Bun.file(outfile).size
console.log(`built ${outfile} (${(size / 1048576).toFixed(1)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
