// A resilient ESL client for one FreeSWITCH node, on top of modesl (which does the framing).
//
// What it adds to modesl:
//  - connect + auth as a promise; a wrong password is an EslAuthError (reject + 'error' event),
//    not a silent `esl::event::auth::fail`;
//  - reconnect with exponential backoff (+ jitter) after any drop, then re-subscribes and re-adds
//    every filter before reporting 'ready' again;
//  - api/bgapi as promises with timeouts; every pending command is rejected
//    (EslConnectionClosedError) when the socket closes — modesl leaves them hanging forever;
//  - bgapi takes the caller's Job-UUID (idempotent, correlatable originates) and resolves with the
//    BACKGROUND_JOB body;
//  - socket and parser errors are always handled; a malformed %-sequence cannot crash the process
//    (see modesl-patch.ts);
//  - events delivered as plain typed objects.
//
// Event format: json. modesl itself subscribes `event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE`
// right after auth, and FreeSWITCH keeps one format per connection (the last `event` wins), so plain
// would flip modesl's own subscription. json values are raw (no URL-decoding step that can fail),
// JSON.parse is native and faster than modesl's per-line split + decodeURIComponent, and duplicate
// keys (Hangup-Cause on CHANNEL_HANGUP_COMPLETE) carry the same value, so nothing is lost.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import esl, { type Connection, type Event as ModeslEvent } from 'modesl';
import { patchModesl } from './modesl-patch.ts';
import { eslCommandSettled, eslCommandStarted } from '../../config/metrics.ts';
import {
  EslAuthError,
  EslCommandError,
  EslConnectionClosedError,
  EslError,
  EslNotConnectedError,
  EslProtocolError,
  EslTimeoutError,
} from './errors.ts';

patchModesl();

/** One FreeSWITCH event as subscribers get it. */
export interface EslEvent {
  /** Event-Name, e.g. CHANNEL_ANSWER. */
  name: string;
  /** Event-Subclass for CUSTOM events, e.g. avmd::beep. */
  subclass?: string;
  /** Unique-ID of the channel, when the event is about one. */
  uniqueId?: string;
  /** Job-UUID for BACKGROUND_JOB. */
  jobUuid?: string;
  /** Every header, raw values (json format). */
  headers: Record<string, string>;
  body?: string;
  /** The client (node) name that received it. */
  node: string;
  /** Core-UUID of the FreeSWITCH that sent it (changes when FreeSWITCH restarts). */
  coreUuid?: string;
  receivedAt: number;
}

export interface BgapiResult {
  jobUuid: string;
  /** The BACKGROUND_JOB body, e.g. `+OK <uuid>\n` or `-ERR USER_BUSY\n`. */
  body: string;
  /** body starts with +OK */
  ok: boolean;
  /** For `-ERR X`: X (for originate, the hangup cause). */
  error?: string;
}

export interface ReconnectOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** ± fraction of random spread on each delay. */
  jitter?: number;
}

export interface Logger {
  debug?(obj: unknown, msg?: string): void;
  info?(obj: unknown, msg?: string): void;
  warn?(obj: unknown, msg?: string): void;
  error?(obj: unknown, msg?: string): void;
}

export interface EslClientOptions {
  host: string;
  port: number;
  password: string;
  /** Name used in events, errors and logs (default host:port). */
  name?: string;
  /** Event names to subscribe to (re-issued after every reconnect). BACKGROUND_JOB is always added. */
  events?: string[];
  /** CUSTOM subclasses (e.g. avmd::beep, callcenter::info). */
  customSubclasses?: string[];
  /**
   * `filter <header> <value>` lines, e.g. [['variable_campaign_runner', 'true']]. When any filter is
   * set, `filter Event-Name BACKGROUND_JOB` is added too so bgapi results still arrive.
   */
  filters?: Array<[string, string]>;
  connectTimeoutMs?: number;
  /** api and command/reply wait. */
  commandTimeoutMs?: number;
  /** bgapi wait for BACKGROUND_JOB (an originate can ring for originate_timeout). */
  bgapiTimeoutMs?: number;
  /** false = no reconnect. */
  reconnect?: ReconnectOptions | false;
  /** Keep retrying after a wrong password (default false: give up and report). */
  retryOnAuthFailure?: boolean;
  logger?: Logger;
}

interface Pending {
  command: string;
  jobUuid?: string;
  accepted: boolean;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer?: NodeJS.Timeout;
}

type State = 'idle' | 'connecting' | 'ready' | 'closed';

/**
 * Events: 'ready' (first and every re-established connection, {coreUuid?, reconnect}),
 * 'event' (EslEvent), 'disconnected' ({error?}), 'reconnecting' ({attempt, delayMs}),
 * 'error' (Error; only emitted when someone listens — never thrown).
 */
export class EslClient extends EventEmitter {
  readonly name: string;
  private opts: Required<Omit<EslClientOptions, 'logger' | 'name' | 'reconnect'>> & { reconnect: Required<ReconnectOptions> | false };
  private log: Logger;
  private conn: Connection | null = null;
  private state: State = 'idle';
  private pending = new Set<Pending>();
  private jobs = new Map<string, Pending>();
  private subscribedNames = new Set<string>();
  private subclasses = new Set<string>();
  private filterList: Array<[string, string]> = [];
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private startWaiters: Array<{ resolve(): void; reject(e: Error): void }> = [];
  private authFailed = false;
  private everReady = false;
  private generation = 0;
  private lastCoreUuid?: string;

  constructor(options: EslClientOptions) {
    super();
    this.name = options.name ?? `${options.host}:${options.port}`;
    const rc =
      options.reconnect === false
        ? false
        : { initialDelayMs: 200, maxDelayMs: 10_000, factor: 2, jitter: 0.2, ...(options.reconnect ?? {}) };
    this.opts = {
      host: options.host,
      port: options.port,
      password: options.password,
      events: options.events ?? [],
      customSubclasses: options.customSubclasses ?? [],
      filters: options.filters ?? [],
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
      bgapiTimeoutMs: options.bgapiTimeoutMs ?? 120_000,
      retryOnAuthFailure: options.retryOnAuthFailure ?? false,
      reconnect: rc,
    };
    this.log = options.logger ?? {};
    for (const e of this.opts.events) this.subscribedNames.add(e.toUpperCase());
    for (const s of this.opts.customSubclasses) this.subclasses.add(s);
    this.filterList = [...this.opts.filters];
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Core-UUID seen on the latest event (changes when FreeSWITCH restarted). */
  get coreUuid(): string | undefined {
    return this.lastCoreUuid;
  }

  /**
   * Connect (and keep reconnecting). Resolves once ready; rejects with EslAuthError on a wrong
   * password, or with the connect error when reconnect is disabled.
   */
  start(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new EslNotConnectedError('client closed', this.name));
    if (this.state === 'ready') return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.startWaiters.push({ resolve, reject }));
    if (this.state === 'idle') this.open();
    return p;
  }

  /** Stop reconnecting, say `exit`, fail whatever is pending. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.connectTimer);
    const conn = this.conn;
    this.conn = null;
    this.failAll(new EslNotConnectedError('client closed', this.name), 'client closed');
    this.rejectStart(new EslNotConnectedError('client closed', this.name));
    if (conn?.socket && !conn.socket.destroyed) {
      const sock = conn.socket;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          sock.destroy();
          resolve();
        }, 500);
        sock.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        try {
          sock.write('exit\n\n');
          sock.end();
        } catch {
          sock.destroy();
        }
      });
    }
  }

  /** `api <command>`: resolves with the api/response body (FreeSWITCH's `-ERR …` text included). */
  api(command: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    const conn = this.requireReady(command);
    return new Promise<string>((resolve, reject) => {
      const p = this.track(
        { command, accepted: false, resolve: resolve as (v: unknown) => void, reject },
        opts.timeoutMs ?? this.opts.commandTimeoutMs,
      );
      conn.api(command, (evt: ModeslEvent) => this.settle(p, () => resolve(evt.getBody() ?? '')));
    });
  }

  /**
   * `bgapi <command>` with our Job-UUID (pass one to make an originate idempotent/correlatable).
   * Resolves with the BACKGROUND_JOB body; rejects on `-ERR` to the command itself, on timeout and on
   * close (EslConnectionClosedError.accepted says whether FreeSWITCH had taken the job).
   */
  bgapi(command: string, opts: { jobUuid?: string; timeoutMs?: number } = {}): Promise<BgapiResult> {
    const conn = this.requireReady(command);
    const jobUuid = opts.jobUuid ?? randomUUID();
    if (this.jobs.has(jobUuid)) return Promise.reject(new EslError(`Job-UUID ${jobUuid} already pending`, this.name));
    return new Promise<BgapiResult>((resolve, reject) => {
      const p = this.track(
        { command, jobUuid, accepted: false, resolve: resolve as (v: unknown) => void, reject },
        opts.timeoutMs ?? this.opts.bgapiTimeoutMs,
      );
      this.jobs.set(jobUuid, p);
      conn.sendRecv(`bgapi ${command}`, { 'Job-UUID': jobUuid }, (evt: ModeslEvent) => {
        const reply = evt.getHeader('Reply-Text') ?? '';
        if (reply.startsWith('+OK')) p.accepted = true;
        else this.settle(p, () => reject(new EslCommandError(`bgapi refused: ${reply}`, this.name, reply)));
      });
    });
  }

  /** Add event names to the subscription (kept across reconnects). */
  async subscribe(names: string[], customSubclasses: string[] = []): Promise<void> {
    for (const n of names) this.subscribedNames.add(n.toUpperCase());
    for (const s of customSubclasses) this.subclasses.add(s);
    if (this.state === 'ready' && this.conn) await this.command(this.conn, this.eventCommand());
  }

  /** Add a filter (kept across reconnects). */
  async addFilter(header: string, value: string): Promise<void> {
    const first = this.filterList.length === 0;
    this.filterList.push([header, value]);
    if (this.state === 'ready' && this.conn) {
      if (first) await this.command(this.conn, 'filter Event-Name BACKGROUND_JOB');
      await this.command(this.conn, `filter ${header} ${value}`);
    }
  }

  async removeFilter(header: string, value: string): Promise<void> {
    this.filterList = this.filterList.filter(([h, v]) => !(h === header && v === value));
    if (this.state === 'ready' && this.conn) await this.command(this.conn, `filter delete ${header} ${value}`);
  }

  // ------------------------------------------------------------------ internals

  private requireReady(command: string): Connection {
    if (/[\r\n]/.test(command)) throw new EslError('command must be one line', this.name);
    if (this.state !== 'ready' || !this.conn) throw new EslNotConnectedError(`not connected to ${this.name}`, this.name);
    return this.conn;
  }

  private track(p: Pending, timeoutMs: number): Pending {
    this.pending.add(p);
    eslCommandStarted(p);
    p.timer = setTimeout(() => {
      this.settle(p, () =>
        p.reject(
          new EslTimeoutError(
            `${p.command.split(' ')[0]} timed out after ${timeoutMs} ms on ${this.name}`,
            this.name,
            p.command,
            p.accepted,
            p.jobUuid,
          ),
        ),
      );
    }, timeoutMs);
    return p;
  }

  /** Run `fn` once for a pending command and forget it (late replies are ignored). */
  private settle(p: Pending, fn: () => void): void {
    if (!this.pending.has(p)) return;
    this.pending.delete(p);
    eslCommandSettled(this.name, p);
    clearTimeout(p.timer);
    if (p.jobUuid) this.jobs.delete(p.jobUuid);
    try {
      fn();
    } catch (e) {
      this.reportError(e);
    }
  }

  private failAll(err: Error, why: string): void {
    for (const p of [...this.pending]) {
      const e =
        err instanceof EslConnectionClosedError || err instanceof EslNotConnectedError
          ? new EslConnectionClosedError(`${why}: ${p.command.split(' ')[0]} on ${this.name}`, this.name, p.command, p.accepted, p.jobUuid)
          : err;
      this.settle(p, () => p.reject(e));
    }
  }

  private command(conn: Connection, line: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const p = this.track(
        { command: line, accepted: false, resolve: resolve as (v: unknown) => void, reject },
        this.opts.commandTimeoutMs,
      );
      conn.sendRecv(line, (evt: ModeslEvent) => {
        const reply = evt.getHeader('Reply-Text') ?? '';
        this.settle(p, () =>
          reply.startsWith('-ERR') ? reject(new EslCommandError(`${line}: ${reply}`, this.name, reply)) : resolve(reply),
        );
      });
    });
  }

  private eventCommand(): string {
    const names = new Set(['BACKGROUND_JOB', ...this.subscribedNames]);
    names.delete('CUSTOM');
    let line = `event json ${[...names].join(' ')}`;
    if (this.subclasses.size) line += ` CUSTOM ${[...this.subclasses].join(' ')}`;
    return line;
  }

  private open(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    this.authFailed = false;
    const gen = ++this.generation;
    let conn: Connection;
    try {
      conn = new esl.Connection(this.opts.host, this.opts.port, this.opts.password);
    } catch (e) {
      this.onClosed(gen, e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.conn = conn;
    const socket = conn.socket;
    // modesl writes a command in several small writes; without this Nagle + delayed ACK add ~40 ms.
    socket?.setNoDelay(true);
    conn.on('error', (err: Error) => {
      if (gen !== this.generation) return;
      const protocol = (err as Error & { eslProtocol?: boolean }).eslProtocol;
      this.log.warn?.({ node: this.name, err: err.message }, 'esl connection error');
      if (protocol) {
        this.reportError(new EslProtocolError(`unparseable data from ${this.name}: ${err.message}`, this.name));
        conn.socket?.destroy();
      } else if (err instanceof SyntaxError) {
        this.reportError(new EslProtocolError(`bad event from ${this.name}: ${err.message}`, this.name));
      }
      // socket errors: 'close' follows and drives the reconnect
    });
    socket?.on('close', () => this.onClosed(gen));
    conn.on('esl::event::auth::fail', () => {
      if (gen !== this.generation) return;
      this.authFailed = true;
      const e = new EslAuthError(`authentication failed on ${this.name}`, this.name);
      this.log.error?.({ node: this.name }, 'esl auth failed');
      this.reportError(e);
      this.rejectStart(e);
    });
    conn.on('esl::ready', () => {
      if (gen !== this.generation) return;
      void this.setup(gen, conn);
    });
    conn.on('esl::event::**', (evt: ModeslEvent, frame: Record<string, unknown> | undefined) => {
      if (gen !== this.generation) return;
      const ct = frame?.['Content-Type'];
      if (typeof ct !== 'string' || !ct.startsWith('text/event-')) return;
      this.onEvent(evt);
    });
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (gen === this.generation && this.state === 'connecting') {
        this.log.warn?.({ node: this.name }, 'esl connect timeout');
        socket?.destroy(new Error('connect timeout'));
      }
    }, this.opts.connectTimeoutMs);
  }

  private async setup(gen: number, conn: Connection): Promise<void> {
    try {
      await this.command(conn, this.eventCommand());
      if (this.filterList.length) {
        await this.command(conn, 'filter Event-Name BACKGROUND_JOB');
        for (const [h, v] of this.filterList) await this.command(conn, `filter ${h} ${v}`);
      }
    } catch (e) {
      if (gen !== this.generation) return;
      this.log.warn?.({ node: this.name, err: String(e) }, 'esl subscribe failed; reconnecting');
      conn.socket?.destroy();
      return;
    }
    if (gen !== this.generation || this.state !== 'connecting') return;
    clearTimeout(this.connectTimer);
    this.state = 'ready';
    const reconnect = this.everReady;
    this.everReady = true;
    this.attempt = 0;
    this.log.info?.({ node: this.name, reconnect }, 'esl ready');
    const waiters = this.startWaiters;
    this.startWaiters = [];
    for (const w of waiters) w.resolve();
    this.safeEmit('ready', { reconnect });
  }

  private onClosed(gen: number, error?: Error): void {
    if (gen !== this.generation) return;
    this.generation++; // ignore anything the dead connection still emits
    clearTimeout(this.connectTimer);
    const wasReady = this.state === 'ready';
    this.conn = null;
    this.failAll(new EslConnectionClosedError('connection closed', this.name, ''), 'connection closed');
    if (this.state === 'closed') return;
    this.state = 'connecting';
    if (wasReady) this.safeEmit('disconnected', { error });
    if (this.authFailed && !this.opts.retryOnAuthFailure) {
      this.state = 'idle';
      return;
    }
    if (this.opts.reconnect === false) {
      this.state = 'idle';
      this.rejectStart(error ?? new EslNotConnectedError(`connection to ${this.name} closed`, this.name));
      return;
    }
    const rc = this.opts.reconnect;
    this.attempt++;
    const base = Math.min(rc.maxDelayMs, rc.initialDelayMs * rc.factor ** (this.attempt - 1));
    const delayMs = Math.max(0, Math.round(base * (1 + (Math.random() * 2 - 1) * rc.jitter)));
    this.log.info?.({ node: this.name, attempt: this.attempt, delayMs }, 'esl reconnecting');
    this.safeEmit('reconnecting', { attempt: this.attempt, delayMs });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delayMs);
  }

  private onEvent(evt: ModeslEvent): void {
    const headers: Record<string, string> = {};
    for (const h of evt.headers) headers[h.name] = String(h.value);
    const name = headers['Event-Name'];
    if (!name) return;
    if (headers['Core-UUID']) this.lastCoreUuid = headers['Core-UUID'];
    const body = evt.getBody();
    const ev: EslEvent = {
      name,
      subclass: headers['Event-Subclass'],
      uniqueId: headers['Unique-ID'],
      jobUuid: headers['Job-UUID'],
      headers,
      body: body === '' ? undefined : body,
      node: this.name,
      coreUuid: headers['Core-UUID'],
      receivedAt: Date.now(),
    };
    if (name === 'BACKGROUND_JOB' && ev.jobUuid) {
      const p = this.jobs.get(ev.jobUuid);
      if (p) {
        const text = ev.body ?? '';
        const ok = text.startsWith('+OK');
        const err = ok ? undefined : text.replace(/^-ERR\s*/, '').trim() || text.trim();
        this.settle(p, () => p.resolve({ jobUuid: ev.jobUuid!, body: text, ok, error: err } satisfies BgapiResult));
      }
    }
    if (!this.wanted(ev)) return;
    this.safeEmit('event', ev);
  }

  private wanted(ev: EslEvent): boolean {
    if (this.subscribedNames.has('ALL')) return true;
    if (ev.name === 'CUSTOM') return ev.subclass !== undefined && this.subclasses.has(ev.subclass);
    return this.subscribedNames.has(ev.name);
  }

  private rejectStart(e: Error): void {
    const waiters = this.startWaiters;
    this.startWaiters = [];
    for (const w of waiters) w.reject(e);
  }

  private reportError(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    if (this.listenerCount('error') > 0) this.safeEmit('error', err);
  }

  /** Listener exceptions must not reach modesl's socket handler. */
  private safeEmit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners(event)) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (e) {
        this.log.error?.({ node: this.name, event, err: String(e) }, 'esl listener threw');
      }
    }
  }
}
