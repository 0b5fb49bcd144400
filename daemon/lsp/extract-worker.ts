/**
 * The worker thread that reads image references out of open documents, so a large document never holds up
 * the daemon's event loop (requests, `/healthz`, other editors). It answers one job at a time.
 *
 * It has no index: every path-like candidate counts here (`isImage` accepts all), and the daemon keeps only
 * references that resolve to an image in a duplicate group, so the result is the same as extracting with
 * the index's own predicate.
 */
import { parentPort } from 'node:worker_threads';
import { extractReferences } from '../refs';
import type { ExtractJob, ExtractAnswer } from './extractor';

parentPort?.on('message', (job: ExtractJob) => {
  let answer: ExtractAnswer;
  try {
    const { references } = extractReferences(job.path, job.text, { isImage: () => true, resolve: job.resolve });
    answer = { id: job.id, references };
  } catch (error) {
    answer = { id: job.id, references: [], error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(answer);
});
