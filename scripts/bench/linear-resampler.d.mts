/** Types of linear-resampler.mjs (the reference relays' resampler). */
export declare class LinearResampler {
  constructor(inRate: number, outRate: number)
  /** One chunk of PCM16 LE base64 in, the resampled chunk out. */
  convert(b64: string): string
}
