// Every router, mounted in one place so a newcomer sees the whole surface at a glance.
import type { App } from './types.ts';
import { mountCampaigns } from './v3/campaigns.ts';
import { mountDirectory } from './v3/directory.ts';
import { mountAutocall } from './v3/autocall.ts';
import { mountRun } from './v1/run.ts';
import { mountV2Queues } from './v2/queues.ts';
import { mountReport } from './v1/report.ts';
import { mountCallbacks } from './v3/callbacks.ts';
import { mountVoiceBot } from './voicebot/campaigns.ts';
import { mountAudio } from './audio.ts';

export function mountRoutes(app: App): void {
  // v3 campaigns (API.md §1) and the directory they refer to (templates, carriers, users).
  mountCampaigns(app);
  mountDirectory(app);
  // Running autocall (API.md §2): run start/pause/stop and lead import.
  mountRun(app);
  mountAutocall(app);
  mountReport(app);
  // Callback delivery state (callbacks/).
  mountCallbacks(app);
  // v2 queues (API.md §3): a queue is a campaign managed by queue_code.
  mountV2Queues(app);
  // The voice-bot API (API.md §4): POST /api/campaign/create, integer campaign ids.
  mountVoiceBot(app);
  // Text-to-speech audio for FreeSWITCH (media/): GET /audio/<hash>-<sig>.wav, signed, no token.
  mountAudio(app);
}
