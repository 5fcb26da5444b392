// Reading a WAV (RIFF/WAVE) header by hand: enough to know the format and the duration of the
// audio a text-to-speech provider returned, without a dependency.

export interface WavInfo {
  audioFormat: number; // 1 = PCM
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  byteRate: number;
  /** Bytes of sample data (the `data` chunk, clipped to what the buffer holds). */
  dataBytes: number;
  durationMs: number;
}

export class WavError extends Error {}

/** Parse the RIFF chunks of a WAV file; throws WavError when it is not one. */
export function parseWav(buf: Buffer): WavInfo {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a WAV file (no RIFF/WAVE header)');
  }
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationMs'> | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && body + 16 <= buf.length) {
      fmt = {
        audioFormat: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('WAV data chunk before its fmt chunk');
      if (fmt.byteRate <= 0) throw new WavError('WAV fmt chunk has a zero byte rate');
      // Streamed WAVs (written to a pipe) carry 0 or a huge placeholder as size: use what is there.
      const dataBytes = size === 0 ? buf.length - body : Math.min(size, buf.length - body);
      return { ...fmt, dataBytes, durationMs: Math.round((dataBytes / fmt.byteRate) * 1000) };
    }
    off = body + size + (size % 2); // chunks are word-aligned
  }
  throw new WavError('WAV file has no data chunk');
}
