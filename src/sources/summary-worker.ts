/**
 * Worker thread entry of SummaryPool: loads each file it is sent with loadFileSync, summarizes its records
 * with summarizeFileContent and posts back the summary, or null when the file is to be streamed instead.
 */
import { parentPort } from 'node:worker_threads';
import { batchTransferList } from '../detect/record-summary.js';
import { loadFileSync } from './file-load.js';
import { summarizeFileContent } from './file-summary.js';
import type { SummaryReply, SummaryRequest } from './summary-pool.js';

const port = parentPort;
if (!port) throw new Error('summary-worker.js must run as a worker thread, started by SummaryPool');

port.on('message', (request: SummaryRequest) => {
  const content = loadFileSync(request.path, request.maxBytes);
  const summary = content === null ? null : summarizeFileContent(request.path, content, request.options);
  const reply: SummaryReply = { id: request.id, summary };
  port.postMessage(reply, summary ? batchTransferList(summary.batch) : []);
});
