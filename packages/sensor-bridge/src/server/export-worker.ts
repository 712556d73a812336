// Entry of an export worker thread (export-jobs.ts): runs the job it was started with and posts back
// { result } or { failure }.
import { parentPort, workerData } from 'node:worker_threads';
import { describeFailure, runExportJob, type ExportJob } from './export-jobs';
import { realOfflinePass } from './stored-analysis';

try {
  parentPort?.postMessage({ result: await runExportJob(workerData as ExportJob, realOfflinePass) });
} catch (error) {
  parentPort?.postMessage({ failure: describeFailure(error) });
}
