// One inbound ESL client connection: the auth/request greeting and `auth`, command framing
// (wire.ts's CommandParser), one command at a time in arrival order (`exit`, `api`, `bgapi`, and the
// subscription commands of subscription.ts), and the hold that keeps events back while an `api`
// command runs, since mod_event_socket answers `api` synchronously.
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Apps } from './apps.ts';
import type { Commands } from './commands.ts';
import type { EventBus } from './events.ts';
import { Subscription } from './subscription.ts';
import {
  apiResponse,
  AUTH_REQUEST,
  bgapiReply,
  CommandParser,
  commandReply,
  disconnectNotice,
  headerCI,
  type ClientCommand,
} from './wire.ts';

/** What a connection needs from the simulator. */
export interface ConnHost {
  readonly password: string;
  readonly conns: Set<Conn>;
  readonly commands: Pick<Commands, 'runApi'>;
  readonly apps: Pick<Apps, 'sendmsg'>;
  readonly events: Pick<EventBus, 'fireBackgroundJob'>;
  logLine(line: string): void;
}

export class Conn {
  readonly id: number;
  readonly sub = new Subscription();
  authed = false;
  /** While an `api` command runs the socket sends nothing else (mod_event_socket is synchronous). */
  holding = 0;
  held: string[] = [];
  closed = false;
  private parser = new CommandParser();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly host: ConnHost,
    readonly socket: net.Socket,
    id: number,
  ) {
    this.id = id;
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      let cmds: ClientCommand[];
      try {
        cmds = this.parser.push(d);
      } catch {
        this.destroy();
        return;
      }
      for (const c of cmds)
        this.chain = this.chain.then(() => this.handle(c)).catch((e) => this.host.logLine(`conn ${this.id}: ${String(e)}`));
    });
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.closed = true;
      this.host.conns.delete(this);
    });
    this.write(AUTH_REQUEST);
  }

  write(s: string): void {
    if (this.closed || this.socket.destroyed) return;
    if (this.holding) this.held.push(s);
    else this.socket.write(s);
  }

  /** Write now even while holding (the api reply itself). */
  writeNow(s: string): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(s);
  }

  release(): void {
    if (--this.holding > 0) return;
    const h = this.held;
    this.held = [];
    if (h.length && !this.closed && !this.socket.destroyed) this.socket.write(h.join(''));
  }

  sendDisconnect(): void {
    this.writeNow(disconnectNotice());
    this.socket.end();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    this.host.conns.delete(this);
  }

  private async handle(cmd: ClientCommand): Promise<void> {
    if (this.closed) return;
    const line = cmd.line.replace(/[\r\n]+$/, '');
    const lower = line.toLowerCase();
    if (lower.startsWith('exit') || lower.startsWith('...')) {
      this.write(commandReply('+OK bye'));
      this.sendDisconnect();
      return;
    }
    if (!this.authed) {
      if (lower.startsWith('auth ')) {
        if (line.slice(5) === this.host.password) {
          this.authed = true;
          this.write(commandReply('+OK accepted'));
        } else {
          this.write(commandReply('-ERR invalid'));
          this.sendDisconnect();
        }
        return;
      }
      this.write(commandReply('-ERR command not found'));
      return;
    }
    if (lower.startsWith('filter ')) return void this.write(commandReply(this.sub.filter(line.slice(7))));
    if (lower.startsWith('api ')) return this.api(line.slice(4).trim());
    if (lower.startsWith('bgapi ')) return this.bgapi(line.slice(6).trim(), headerCI(cmd.headers, 'job-uuid'));
    if (lower.startsWith('event')) return void this.write(commandReply(this.sub.event(line)));
    if (lower.startsWith('nixevent')) return void this.write(commandReply(this.sub.nixevent(line)));
    if (lower.startsWith('noevents')) return void this.write(commandReply(this.sub.noevents()));
    if (lower.startsWith('sendmsg')) return void this.write(commandReply(this.host.apps.sendmsg(line.slice(7), cmd.headers, cmd.body)));
    this.write(commandReply('-ERR command not found'));
  }

  /** `api <command> [<arg>]`: the reply comes before any event fired meanwhile. */
  private async api(rest: string): Promise<void> {
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const arg = sp < 0 ? undefined : rest.slice(sp + 1);
    this.holding++;
    try {
      await this.host.commands.runApi(name, arg, { via: 'api', conn: this }, (out) =>
        this.writeNow(apiResponse(out === '' ? '-ERR no reply\n' : out)),
      );
    } finally {
      this.release();
    }
  }

  /** `bgapi <command> [<arg>]`: `+OK Job-UUID` now, the output later as a BACKGROUND_JOB event. */
  private bgapi(rest: string, clientJobUuid: string | undefined): void {
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const arg = sp < 0 ? undefined : rest.slice(sp + 1);
    const jobUuid = clientJobUuid ?? randomUUID();
    this.write(bgapiReply(jobUuid));
    setImmediate(() => {
      void this.host.commands.runApi(name, arg, { via: 'bgapi', conn: this, jobUuid }, (out) =>
        this.host.events.fireBackgroundJob(jobUuid, name, arg, out === '' ? 'Command returned no output!' : out),
      );
    });
  }
}
