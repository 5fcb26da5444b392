// Every router, mounted in one place so a newcomer sees the whole surface at a glance.
import type { App } from './app.ts';
import { mountCampaigns } from './v3/campaigns.ts';
import { mountDirectory } from './v3/directory.ts';

export function mountRoutes(app: App): void {
  // v3 campaigns (API.md §1) and the directory they refer to (templates, carriers, users).
  mountCampaigns(app);
  mountDirectory(app);
  // v1/v3 autocall, v2 queues and the voice-bot API are mounted here.
}
