// Reading a WAV (RIFF/WAVE) header by hand: enough to know the format and the duration of the
// audio a text-to-speech provider returned or a tenant uploaded, without a dependency. Files are
// read by their head (the chunks before the samples) and their size, never whole.
import { open, stat } from 'node:fs/promises';

export interface WavInfo {
  audioFormat: number; // 1 = PCM
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  byteRate: number;
  /** Bytes of sample data (the `data` chunk, clipped to what the file holds). */
  dataBytes: number;
  durationMs: number;
}

export class WavError extends Error {}

/** How much of a file's head is read to find its `data` chunk. */
export const WAV_HEAD_BYTES = 65_536;

/**
 * Parse the RIFF chunks of a WAV file; throws WavError when it is not one. `buf` may be only the
 * head of the file when `totalBytes` (the file's size) is given.
 */
export function parseWav(buf: Buffer, totalBytes = buf.length): WavInfo {
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
      const rest = Math.max(0, totalBytes - body);
      const dataBytes = size === 0 ? rest : Math.min(size, rest);
      return { ...fmt, dataBytes, durationMs: Math.round((dataBytes / fmt.byteRate) * 1000) };
    }
    off = body + size + (size % 2); // chunks are word-aligned
  }
  throw new WavError(
    totalBytes > buf.length && buf.length >= WAV_HEAD_BYTES
      ? `WAV file has no data chunk in its first ${WAV_HEAD_BYTES} bytes`
      : 'WAV file has no data chunk',
  );
}

/** The byte rate of a WAV whose head has arrived so far (its fmt chunk), else undefined. */
export function wavByteRate(head: Buffer): number | undefined {
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  while (off + 8 <= head.length) {
    const id = head.toString('ascii', off, off + 4);
    const size = head.readUInt32LE(off + 4);
    if (id === 'fmt ') return off + 24 <= head.length ? head.readUInt32LE(off + 16) : undefined;
    if (id === 'data') return undefined;
    off += 8 + size + (size % 2);
  }
  return undefined;
}

/** WAV encodings FreeSWITCH (libsndfile) plays: PCM, IEEE float, A-law, µ-law, IMA ADPCM, extensible. */
const PLAYABLE_FORMATS = new Set([1, 3, 6, 7, 0x11, 0xfffe]);

/** What keeps a WAV from being played as a call's audio (format, channels, rate, empty), else null. */
export function wavProblem(info: WavInfo): string | null {
  if (!PLAYABLE_FORMATS.has(info.audioFormat)) return `WAV encoding ${info.audioFormat} is not PCM, float, A-law, µ-law or IMA ADPCM`;
  if (info.channels < 1 || info.channels > 2) return `WAV has ${info.channels} channels (1 or 2 are played)`;
  if (info.sampleRate < 8000 || info.sampleRate > 48_000) return `WAV sample rate ${info.sampleRate} Hz is not from 8000 to 48000`;
  if (info.dataBytes === 0) return 'WAV file has no audio';
  return null;
}

/** The head of a file (up to `bytes`) and its size. */
export async function readHead(file: string, bytes = WAV_HEAD_BYTES): Promise<{ head: Buffer; size: number }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(bytes, size));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await fh.close();
  }
}

/** Parse a WAV file on disk from its head and size. */
export async function readWavFile(file: string): Promise<WavInfo> {
  const { head, size } = await readHead(file);
  return parseWav(head, size);
}

/**
 * A WAV written to a pipe carries placeholder sizes (espeak-ng: 0x7FFFF000, others 0 or
 * 0xFFFFFFFF) in its RIFF and data headers: write the real ones into the file, in place.
 */
export async function fixStreamedSizesInFile(file: string): Promise<void> {
  const size = (await stat(file)).size;
  const fh = await open(file, 'r+');
  try {
    const head = Buffer.alloc(Math.min(WAV_HEAD_BYTES, size));
    await fh.read(head, 0, head.length, 0);
    if (head.length < 12) return;
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n >>> 0);
      return b;
    };
    if (head.readUInt32LE(4) !== size - 8) await fh.write(u32(size - 8), 0, 4, 4);
    let off = 12;
    while (off + 8 <= head.length) {
      const id = head.toString('ascii', off, off + 4);
      const chunk = head.readUInt32LE(off + 4);
      const rest = size - off - 8;
      if (id === 'data') {
        if (chunk === 0 || chunk > rest) await fh.write(u32(rest), 0, 4, off + 4);
        break;
      }
      off += 8 + chunk + (chunk % 2);
    }
  } finally {
    await fh.close();
  }
}
