/**
 * Worker thread entry of FileLoader: loads the files it is sent with loadFileSync and posts back their
 * content, transferring the memory instead of copying it.
 */
import { parentPort } from 'node:worker_threads';
import { loadFileSync } from './file-load.js';
import type { LoadReply, LoadRequest } from './file-loader.js';

const port = parentPort;
if (!port) throw new Error('file-load-worker.js must run as a worker thread, started by FileLoader');

port.on('message', (request: LoadRequest) => {
  const content = loadFileSync(request.path, request.maxBytes);
  if (content === null) {
    port.postMessage({ id: request.id, content: null } satisfies LoadReply);
    return;
  }
  // Only memory that contains this content alone may be transferred; a view into a larger or shared
  // ArrayBuffer is copied first.
  const whole = content.byteOffset === 0 && content.byteLength === content.buffer.byteLength;
  const owned = whole ? content : new Uint8Array(content);
  const reply: LoadReply = { id: request.id, content: owned.buffer as ArrayBuffer };
  port.postMessage(reply, [reply.content!]);
});
