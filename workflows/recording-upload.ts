// A call's recording to the S3-compatible store (RECORDINGS_S3_BUCKET; media/recording-store.ts):
// started by recordCall (activities/record.ts) for a recorded call, id `recording-upload:<call_id>`
// (one per call). Its activity uploads, verifies and deletes the local file, and is retried while
// the file is not there or not closed yet (FreeSWITCH closes it at the hangup), for about 25
// minutes; then the workflow ends and the hourly retention pass uploads what is still on disk.
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { uploadRecording } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 12 },
});

export interface RecordingUploadInput {
  call_id: string;
  domain_uuid: string;
}

export const recordingUploadWorkflowId = (call_id: string): string => `recording-upload:${call_id}`;

export async function recordingUploadWorkflow(input: RecordingUploadInput): Promise<string> {
  try {
    return await uploadRecording(input);
  } catch (err) {
    log.warn('recording not uploaded; the retention pass will try again', { call_id: input.call_id, error: String(err) });
    return 'not uploaded';
  }
}
