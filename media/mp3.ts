// Recognising an MP3 (MPEG-1/2/2.5 Layer III) file from its head and size: an optional ID3v2 tag,
// then consecutive valid frame headers. The duration comes from the Xing/Info (or VBRI) frame
// count when there is one, else from the bitrate (constant bitrate). Enough to refuse what is not
// an MP3 and to bound its length, without a dependency. Pure.

export interface Mp3Info {
  version: 1 | 2 | 2.5;
  sampleRate: number;
  /** kbit/s of the first frame. */
  bitrate: number;
  channels: 1 | 2;
  durationMs: number;
}

export class Mp3Error extends Error {}

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Record<string, number[]> = { '1': [44100, 48000, 32000], '2': [22050, 24000, 16000], '2.5': [11025, 12000, 8000] };

interface Frame {
  version: 1 | 2 | 2.5;
  bitrate: number;
  sampleRate: number;
  channels: 1 | 2;
  length: number;
  samples: number;
}

/** The Layer III frame header at `off`, or null. */
export function frameAt(buf: Buffer, off: number): Frame | null {
  if (off + 4 > buf.length) return null;
  const [b0, b1, b2, b3] = [buf[off]!, buf[off + 1]!, buf[off + 2]!, buf[off + 3]!];
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const v = (b1 >> 3) & 3;
  if (v === 1) return null; // reserved
  if (((b1 >> 1) & 3) !== 1) return null; // Layer III only
  const bri = b2 >> 4;
  const sri = (b2 >> 2) & 3;
  if (bri === 0 || bri === 15 || sri === 3) return null; // free format, bad, reserved
  const version = v === 3 ? 1 : v === 2 ? 2 : 2.5;
  const bitrate = (version === 1 ? BITRATES_V1 : BITRATES_V2)[bri]!;
  const sampleRate = RATES[String(version)]![sri]!;
  const padding = (b2 >> 1) & 1;
  const samples = version === 1 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * bitrate * 1000) / sampleRate) + padding;
  return { version, bitrate, sampleRate, channels: b3 >> 6 === 3 ? 1 : 2, length, samples };
}

/** Bytes of an ID3v2 tag at the start (0 when none). */
function id3Length(buf: Buffer): number {
  if (buf.length < 10 || buf.toString('latin1', 0, 3) !== 'ID3') return 0;
  const s = buf.subarray(6, 10);
  if (s.some((x) => x & 0x80)) throw new Mp3Error('bad ID3v2 tag size');
  const size = (s[0]! << 21) | (s[1]! << 14) | (s[2]! << 7) | s[3]!;
  return 10 + size + (buf[5]! & 0x10 ? 10 : 0);
}

/** Frames counted by a Xing/Info or VBRI header in the first frame, if any. */
function headerFrames(buf: Buffer, off: number, f: Frame): number | undefined {
  const side = f.version === 1 ? (f.channels === 1 ? 17 : 32) : f.channels === 1 ? 9 : 17;
  const x = off + 4 + side;
  const tag = buf.toString('latin1', x, x + 4);
  if ((tag === 'Xing' || tag === 'Info') && x + 12 <= buf.length && buf.readUInt32BE(x + 4) & 1) return buf.readUInt32BE(x + 8);
  const v = off + 4 + 32;
  if (buf.toString('latin1', v, v + 4) === 'VBRI' && v + 18 <= buf.length) return buf.readUInt32BE(v + 14);
  return undefined;
}

/** Is this the start of an MP3 (an ID3v2 tag or a Layer III frame sync)? */
export const looksLikeMp3 = (head: Buffer): boolean => head.toString('latin1', 0, 3) === 'ID3' || frameAt(head, 0) !== null;

/**
 * Parse an MP3 from its head (the first bytes; 64 KB is plenty) and total size. Throws Mp3Error
 * unless at least 3 consecutive Layer III frames (or all the file's frames, when fewer) follow
 * the optional ID3v2 tag.
 */
export function parseMp3(head: Buffer, totalBytes = head.length): Mp3Info {
  const start = id3Length(head);
  if (start >= head.length) throw new Mp3Error('no MPEG audio after the ID3 tag in the first bytes');
  const first = frameAt(head, start);
  if (!first) throw new Mp3Error('not an MP3 file (no MPEG Layer III frame)');
  let off = start;
  let seen = 0;
  while (seen < 3) {
    const f = frameAt(head, off);
    if (!f || f.sampleRate !== first.sampleRate || f.version !== first.version) {
      if (off >= totalBytes) break; // the file ends: fewer than 3 frames
      if (off + 4 > head.length) break; // beyond the head: what was seen is enough
      throw new Mp3Error('not an MP3 file (its MPEG frames do not follow one another)');
    }
    seen++;
    off += f.length;
  }
  const counted = headerFrames(head, start, first);
  const durationMs = counted
    ? Math.round((counted * first.samples * 1000) / first.sampleRate)
    : Math.round(((totalBytes - start) * 8) / first.bitrate);
  return { version: first.version, sampleRate: first.sampleRate, bitrate: first.bitrate, channels: first.channels, durationMs };
}
