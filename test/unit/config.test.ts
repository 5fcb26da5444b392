// The configuration module: defaults for the embedded stack, and a clear error naming each bad
// variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/index.ts';

describe('parseConfig', () => {
  it('defaults point at the embedded stack', () => {
    const c = parseConfig({});
    expect(c.API_PORT).toBe(3000);
    expect(c.MONGODB_URI).toBe('mongodb://127.0.0.1:27017/');
    expect(c.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(c.TEMPORAL_NAMESPACE).toBe('default');
    expect(c.eslNodes).toEqual([{ name: '127.0.0.1:8021', host: '127.0.0.1', port: 8021, password: 'ClueCon' }]);
    expect(c.CALLBACK_ALLOW_PRIVATE).toBe(false);
    expect(c.WORKER_NICE).toBe(10);
  });

  it('derives addresses from the embedded ports unless the address is given', () => {
    expect(parseConfig({ TEMPORAL_PORT: '7999', MONGODB_PORT: '27999' })).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7999',
      MONGODB_URI: 'mongodb://127.0.0.1:27999/',
    });
    expect(parseConfig({ TEMPORAL_PORT: '7999', TEMPORAL_ADDRESS: 'temporal:7233' }).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('treats empty strings as unset', () => {
    expect(parseConfig({ API_PORT: '', LOG_LEVEL: '' })).toMatchObject({ API_PORT: 3000, LOG_LEVEL: 'info' });
  });

  it('takes the worker at the same priority as the API when WORKER_NICE is 0', () => {
    expect(parseConfig({ WORKER_NICE: '0' }).WORKER_NICE).toBe(0);
    expect(parseConfig({ WORKER_NICE: '19' }).WORKER_NICE).toBe(19);
  });

  it.each([
    ['API_PORT', '70000'],
    ['API_PORT', 'abc'],
    ['MONGODB_URI', 'http://x'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['LOG_LEVEL', 'loud'],
    ['CALLBACK_ALLOW_PRIVATE', 'maybe'],
    ['MONGODB_DB', 'bad name!'],
    ['API_BODY_LIMIT_BYTES', '10'],
    ['WORKER_NICE', '20'],
    ['WORKER_NICE', '-5'],
    ['WORKER_NICE', '2.5'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    let err: unknown;
    try {
      parseConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`${name}:`);
    expect((err as Error).message).toContain(JSON.stringify(value));
  });

  it('names every bad variable at once', () => {
    expect(() => parseConfig({ API_PORT: 'x', ESL_PORT: '0' })).toThrow(/API_PORT[\s\S]*ESL_PORT|ESL_PORT[\s\S]*API_PORT/);
  });

  it('parses several ESL nodes, with per-node or shared passwords', () => {
    const c = parseConfig({ ESL_NODES: 'fs1:8021, fs2:8022:secret', ESL_PASSWORD: 'shared' });
    expect(c.eslNodes).toEqual([
      { name: 'fs1:8021', host: 'fs1', port: 8021, password: 'shared' },
      { name: 'fs2:8022', host: 'fs2', port: 8022, password: 'secret' },
    ]);
    expect(() => parseConfig({ ESL_NODES: 'fs1' })).toThrow(/ESL_NODES: "fs1"/);
    expect(() => parseConfig({ ESL_NODES: 'fs1:99999' })).toThrow(ConfigError);
  });
});
