// Structured JSON logs (pino) for every process; `name` tells which process wrote the line. A line
// written while a call's activity runs carries the call's campaign_uuid, lead_uuid and call_id
// (config/call-context.ts); fields the line sets itself win.
import pino, { type Logger } from 'pino';
import { currentCall } from './call-context.ts';

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, mixin: () => ({ ...currentCall() }) });
}
