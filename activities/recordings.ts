// The recording retention's pass (workflows/recording-retention.ts): delete the recordings older
// than RECORDING_RETENTION_DAYS (media/recordings.ts purgeRecordings), heartbeating meanwhile.
import { purgeRecordings } from '../media/recordings.ts';
import { withHeartbeat, type ActivityDeps } from './deps.ts';

export function createRecordingActivities(deps: ActivityDeps) {
  return {
    async purgeRecordings(): Promise<{ deleted: number; kept: number }> {
      const r = await withHeartbeat(() => purgeRecordings(deps.config));
      if (r.deleted) deps.logger.info(r, 'recordings past their retention deleted');
      return r;
    },
  };
}
