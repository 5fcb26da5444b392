// One EslClient per FreeSWITCH node. Events from every node arrive on one emitter, tagged with the
// node name; commands go to a named node (the node that owns a call) or to the next ready node.
import { EventEmitter } from 'node:events';
import { EslClient, type BgapiResult, type EslClientOptions, type EslEvent } from './client.ts';
import { EslNotConnectedError } from './errors.ts';

export interface EslNode {
  name: string;
  host: string;
  port: number;
  password: string;
}

export type EslPoolOptions = Omit<EslClientOptions, 'host' | 'port' | 'password' | 'name'>;

/** Events: 'event' (EslEvent, .node says which), 'ready' / 'disconnected' / 'reconnecting' / 'error' ({node, ...}). */
export class EslPool extends EventEmitter {
  private clients = new Map<string, EslClient>();
  private rr = 0;

  constructor(nodes: EslNode[], options: EslPoolOptions = {}) {
    super();
    for (const n of nodes) {
      if (this.clients.has(n.name)) throw new Error(`duplicate ESL node name ${n.name}`);
      const c = new EslClient({ ...options, host: n.host, port: n.port, password: n.password, name: n.name });
      c.on('event', (e: EslEvent) => this.emit('event', e));
      c.on('ready', (info: object) => this.emit('ready', { node: n.name, ...info }));
      c.on('disconnected', (info: object) => this.emit('disconnected', { node: n.name, ...info }));
      c.on('reconnecting', (info: object) => this.emit('reconnecting', { node: n.name, ...info }));
      c.on('error', (err: Error) => {
        if (this.listenerCount('error') > 0) this.emit('error', Object.assign(err, { node: n.name }));
      });
      this.clients.set(n.name, c);
    }
  }

  /** Start every node; resolves when each is ready or has failed (auth, no reconnect). */
  async start(): Promise<Array<{ node: string; ok: boolean; error?: Error }>> {
    const names = [...this.clients.keys()];
    const results = await Promise.allSettled(names.map((n) => this.clients.get(n)!.start()));
    return results.map((r, i) => ({
      node: names[i]!,
      ok: r.status === 'fulfilled',
      error: r.status === 'rejected' ? (r.reason as Error) : undefined,
    }));
  }

  node(name: string): EslClient {
    const c = this.clients.get(name);
    if (!c) throw new EslNotConnectedError(`unknown ESL node ${name}`, name);
    return c;
  }

  nodes(): EslClient[] {
    return [...this.clients.values()];
  }

  readyNodes(): EslClient[] {
    return this.nodes().filter((c) => c.ready);
  }

  /** Next ready node, round-robin. */
  pick(): EslClient {
    const ready = this.readyNodes();
    if (!ready.length) throw new EslNotConnectedError('no ESL node is connected');
    return ready[this.rr++ % ready.length]!;
  }

  api(node: string, command: string, opts?: { timeoutMs?: number }): Promise<string> {
    return this.node(node).api(command, opts);
  }

  bgapi(node: string, command: string, opts?: { jobUuid?: string; timeoutMs?: number }): Promise<BgapiResult> {
    return this.node(node).bgapi(command, opts);
  }

  async subscribe(names: string[], customSubclasses: string[] = []): Promise<void> {
    await Promise.all(this.nodes().map((c) => c.subscribe(names, customSubclasses)));
  }

  async addFilter(header: string, value: string): Promise<void> {
    await Promise.all(this.nodes().map((c) => c.addFilter(header, value)));
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes().map((c) => c.close()));
  }
}
