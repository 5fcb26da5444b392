// Recordings' activities (media/recordings.ts, media/recording-store.ts):
// - purgeRecordings, the retention's pass (workflows/recording-retention.ts): delete the local
//   recordings older than RECORDING_RETENTION_DAYS; with a bucket (RECORDINGS_S3_BUCKET) also
//   upload the local files their upload missed and delete the objects past the retention.
// - uploadRecording (workflows/recording-upload.ts): move one call's recording to the bucket; a
//   file not yet there or not yet closed by FreeSWITCH fails the try, and Temporal retries it.
// - startRecordingUpload: called by recordCall (activities/record.ts) for a recorded call when a
//   bucket is configured; starts that workflow once per call (its id names the call).
import { ApplicationFailure } from '@temporalio/activity';
import { startOnce } from '../control/start-once.ts';
import { purgeRecordings } from '../media/recordings.ts';
import { purgeStore, s3Enabled, sweepToStore, uploadRecording, type UploadResult } from '../media/recording-store.ts';
import { recordingUploadWorkflowId, type RecordingUploadInput } from '../workflows/recording-upload.ts';
import { temporalClient, withHeartbeat, type ActivityDeps } from './deps.ts';

/** Start the call's upload workflow unless it exists (a retried recordCall starts nothing twice). */
export async function startRecordingUpload(deps: ActivityDeps, input: RecordingUploadInput): Promise<void> {
  if (!s3Enabled(deps.config)) return;
  await startOnce(temporalClient(deps), 'recordingUploadWorkflow', {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId: recordingUploadWorkflowId(input.call_id),
    args: [input],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** The retention's pass: recordings deleted and kept; with a bucket, local files uploaded or not. */
type PurgeResult = { deleted: number; kept: number; uploaded?: number; failed?: number };

export function createRecordingActivities(deps: ActivityDeps) {
  return {
    async purgeRecordings(): Promise<PurgeResult> {
      const r = await withHeartbeat(async (): Promise<PurgeResult> => {
        const local = await purgeRecordings(deps.config);
        if (!s3Enabled(deps.config)) return local;
        const swept = await sweepToStore(deps.config);
        const stored = await purgeStore(deps.config);
        return { deleted: local.deleted + stored.deleted, kept: local.kept + stored.kept, ...swept };
      });
      if (r.deleted || r.uploaded || r.failed) deps.logger.info(r, 'recordings past their retention deleted');
      return r;
    },

    async uploadRecording(input: RecordingUploadInput): Promise<UploadResult> {
      const r = await withHeartbeat(() => uploadRecording(deps.config, input.domain_uuid, input.call_id));
      if (r === 'missing' || r === 'incomplete')
        throw ApplicationFailure.retryable(
          `recording of ${input.call_id} is ${r === 'missing' ? 'not there yet' : 'still being written'}`,
          'RecordingNotReady',
        );
      return r;
    },
  };
}
