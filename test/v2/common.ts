// What the v2 queue tests share: the API in-process on the engine's servers, and the TTS template
// their posts name (IVR-1).
import pino from 'pino';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import type { EngineOptions } from '../../workflows/contract.ts';
import type { Engine } from '../engine/harness.ts';

/** The engine's options in these tests: quick recalls, reconciliation and lead polling. */
export const V2_ENGINE: EngineOptions = { recallFloorMs: 1_500, reconcileAfterMs: 10_000, pollLeadsMs: 300 };

export const v2App = (e: Engine, engineOptions: EngineOptions = V2_ENGINE): App =>
  createApp({ config: e.config, db: e.mongo.db, temporal: e.client, logger: pino({ level: 'silent' }), engineOptions }, mountRoutes);

/** The IVR-1 template: text-to-speech of `content`. */
export const ivrTemplate = (content: string) => ({
  template_name: 'IVR-1',
  type_autocall: 'autocall_voice_tts' as const,
  content,
  audio_file: '',
  otp_param: '',
  otp_repeat: 2,
  description: '',
});
