// Types for modesl 1.2.1 (CommonJS; it publishes none). Only what the project touches is typed
// precisely; the rest is declared so that misuse still type-checks as an error.
declare module 'modesl' {
  import type { Socket } from 'node:net';
  import type { EventEmitter } from 'node:events';

  /** EventEmitter2 with wildcards, delimiter '::'. */
  interface Emitter2 extends EventEmitter {
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    off(event: string, listener: (...args: any[]) => void): this;
    removeListener(event: string, listener: (...args: any[]) => void): this;
    removeAllListeners(event?: string): this;
    emit(event: string, ...args: any[]): boolean;
    onAny(listener: (event: string, ...args: any[]) => void): this;
    offAny(listener: (event: string, ...args: any[]) => void): this;
  }

  interface EventHeader {
    name: string;
    value: string;
  }

  class Event {
    constructor(type: string, subclass?: string);
    constructor(headers: Record<string, unknown>, body?: string);
    headers: EventHeader[];
    type: string;
    subclass: string | undefined;
    body: string;
    getHeader(name: string): string | null;
    getBody(): string;
    getType(): string;
    addHeader(name: string, value: string): string;
    delHeader(name: string): void;
    addBody(body: string): string;
    serialize(format?: 'plain' | 'json' | 'xml'): string;
  }

  type Frame = Record<string, string | number>;

  class Parser extends EventEmitter {
    constructor(socket: Socket);
    buffer: Buffer;
    bodyLen: number;
    encoding: BufferEncoding;
    headers: Frame;
    _onData(data: Buffer): void;
    _parseHeaders(): void;
    _parseBody(): void;
    _parseHeaderText(txt: string): Frame;
    _parsePlainBody(txt: string): Record<string, unknown>;
    _parseEvent(headers: Frame, body?: string): void;
  }

  type EventCallback = (evt: Event) => void;

  class Connection extends EventEmitter {
    /** Inbound: connect to host:port and authenticate with password. */
    constructor(host: string, port: number, password: string, readyCallback?: () => void);
    /** Outbound: wrap a socket FreeSWITCH opened to us. */
    constructor(socket: Socket, readyCallback?: () => void);
    socket: Socket | null;
    parser?: Parser;
    authed: boolean;
    connecting: boolean;
    password?: string;
    cmdCallbackQueue: Array<EventCallback | undefined>;
    apiCallbackQueue: Array<EventCallback | undefined>;
    reqEvents: string[];
    listeningEvents: string[];
    usingFilters?: boolean;

    connected(): boolean;
    getInfo(): Event | null;
    send(command: string, args?: Record<string, string>): void;
    sendRecv(command: string, cb?: EventCallback): void;
    sendRecv(command: string, args: Record<string, string> | null, cb?: EventCallback): void;
    api(command: string, cb?: EventCallback): void;
    api(command: string, args: string | string[], cb?: EventCallback): void;
    bgapi(command: string, cb?: EventCallback): void;
    bgapi(command: string, args: string | string[], cb?: EventCallback): void;
    bgapi(command: string, args: string | string[], jobid: string, cb?: EventCallback): void;
    events(type: 'plain' | 'xml' | 'json', events?: string | string[], cb?: EventCallback): void;
    subscribe(events?: string | string[], cb?: EventCallback): void;
    filter(header: string, value: string, cb?: EventCallback): void;
    filterDelete(header: string, value?: string, cb?: EventCallback): void;
    execute(app: string, arg?: string, uuid?: string, cb?: EventCallback): string;
    executeAsync(app: string, arg?: string, uuid?: string, cb?: EventCallback): string;
    disconnect(): void;
    auth(cb?: (err: Error | null, evt: Event) => void): void;

    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    emit(event: string, ...args: any[]): boolean;
  }

  class Server extends EventEmitter {
    constructor(opts?: { port?: number; host?: string; server?: unknown; myevents?: boolean }, readyCb?: () => void);
    close(cb?: () => void): void;
  }

  const esl: {
    Connection: typeof Connection;
    Event: typeof Event;
    Parser: typeof Parser;
    Server: typeof Server;
    setLogLevel(level: number): void;
    eslSetLogLevel(level: number): void;
  };
  export default esl;
  export { Connection, Event, Parser, Server };
  export type { Emitter2, EventHeader, Frame, EventCallback };
}
