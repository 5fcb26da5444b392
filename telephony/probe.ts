// A health probe for one ESL node: connect, read the auth/request greeting, authenticate, leave.
// Raw socket on purpose: it must say "down" cleanly for any failure without touching the shared
// client's connections, and it works the same against FreeSWITCH and the simulator.
import { connect } from 'node:net';
import type { EslNode } from '../config/index.ts';

export interface ProbeResult {
  node: string;
  up: boolean;
  latency_ms: number;
  error?: string;
}

export function probeEslNode(node: EslNode, timeoutMs = 2_000): Promise<ProbeResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let buf = '';
    let authSent = false;
    const done = (up: boolean, error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      const r: ProbeResult = { node: node.name, up, latency_ms: Math.round((performance.now() - t0) * 10) / 10 };
      if (error) r.error = error;
      resolve(r);
    };
    const socket = connect({ host: node.host, port: node.port });
    const timer = setTimeout(() => done(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', (err) => done(false, err.message));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (!authSent && buf.includes('Content-Type: auth/request')) {
        authSent = true;
        buf = '';
        socket.write(`auth ${node.password}\n\n`);
      } else if (authSent && buf.includes('\n\n')) {
        if (buf.includes('Reply-Text: +OK accepted')) {
          socket.write('exit\n\n');
          done(true);
        } else done(false, 'authentication refused');
      }
    });
  });
}
