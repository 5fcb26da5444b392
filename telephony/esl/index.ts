export { EslClient, type EslClientOptions, type EslEvent, type BgapiResult, type ReconnectOptions, type Logger } from './client.ts';
export { EslPool, type EslNode, type EslPoolOptions } from './pool.ts';
export * from './errors.ts';
export { lenientDecode, patchModesl } from './modesl-patch.ts';
