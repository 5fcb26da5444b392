// Hardening of modesl 1.2.1's parser, applied once per process (it patches the shared prototype).
//  - `_parseHeaderText` calls decodeURIComponent on every header value; one malformed %-sequence
//    (e.g. `%zz`, a cut UTF-8 sequence) throws a URIError from the socket's 'data' handler and kills
//    the process. We decode leniently instead: valid %XX runs are decoded, the rest kept verbatim.
//  - `_onData` runs listeners synchronously; any exception there would also escape to the socket.
//    We catch it and report it as a parser 'error' (the client then drops and re-opens the
//    connection, since the framing state is unknown).
import esl from 'modesl';

const PATCHED = Symbol.for('campaign-runner.modesl.patched');

/** decodeURIComponent that never throws. */
export function lenientDecode(raw: string): string {
  if (raw.indexOf('%') < 0) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
  }
}

export function patchModesl(): void {
  const proto = esl.Parser.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;

  proto._parseHeaderText = function parseHeaderText(txt: string): Record<string, string | number> {
    const headers: Record<string, string | number> = {};
    for (const line of txt.split('\n')) {
      const i = line.indexOf(': ');
      const key = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : lenientDecode(line.slice(i + 2));
      headers[key] = key === 'Content-Length' ? Number.parseInt(value, 10) : value;
    }
    return headers;
  };

  const onData = proto._onData as (this: InstanceType<typeof esl.Parser>, data: Buffer) => void;
  proto._onData = function safeOnData(this: InstanceType<typeof esl.Parser>, data: Buffer): void {
    try {
      onData.call(this, data);
    } catch (err) {
      this.buffer = Buffer.alloc(0);
      this.bodyLen = 0;
      const e = err instanceof Error ? err : new Error(String(err));
      (e as Error & { eslProtocol?: boolean }).eslProtocol = true;
      this.emit('error', e);
    }
  };
}
