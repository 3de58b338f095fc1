/** `import p from './x.wav' with { type: 'file' }`: Bun embeds the file in the compiled binary; `p` is its path. */
declare module '*.wav' {
  const path: string
  export default path
}
