/**
 * Pieces of the service lifecycle: listening and closing the HTTP server, and the shutdown gate that keeps
 * an abandoned poll from writing to the store once shutdown has started.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCode, KeyhuntError } from '../errors.js';
import type { Store } from '../pipeline/ports.js';

/** Rejected store updates of the poller after shutdown started. */
export class ShuttingDownError extends KeyhuntError {
  constructor() {
    super(
      'SHUTTING_DOWN',
      'keyhunt is shutting down; the poll was abandoned and its window is read again at the next start.',
    );
  }
}

/** A flag that closes once, when shutdown starts. */
export class ShutdownGate {
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }
}

/**
 * Wraps a store so that every mutation checks the gate when it runs, not when it is queued. Once the gate is
 * closed, the mutation throws ShuttingDownError before it changes anything. The store then rejects it, and
 * the cursor stays where it was. Reads and close pass through.
 */
export function gatedStore(store: Store, gate: ShutdownGate): Store {
  return {
    read: () => store.read(),
    update: (mutate) =>
      store.update((data) => {
        if (gate.closed) throw new ShuttingDownError();
        return mutate(data);
      }),
    close: () => store.close(),
  };
}

/**
 * A port the HTTP server cannot listen on. The message names PORT, the port and the fix; `exitCode` makes the
 * CLI print it without a stack hint and exit with code 1.
 */
export class ListenError extends KeyhuntError {
  readonly exitCode = 1;
}

/** Turns a listen failure into a ListenError that names PORT and the fix, or returns it unchanged. */
function describeListenError(error: Error, port: number, host: string | undefined): Error {
  const code = errorCode(error);
  const where = host === undefined ? `PORT ${port}` : `PORT ${port} on ${host}`;
  if (code === 'EADDRINUSE') {
    return new ListenError(
      'PORT_IN_USE',
      `${where} is already in use by another process. Stop that process or set PORT to a free port ` +
        '(PORT=0 picks one).',
      { cause: error },
    );
  }
  if (code === 'EACCES') {
    return new ListenError(
      'PORT_ACCESS_DENIED',
      `${where} needs privileges this process does not have (ports below 1024 usually do). Set PORT to ` +
        '1024 or above, such as 3000.',
      { cause: error },
    );
  }
  return error;
}

/**
 * Starts listening on 127.0.0.1 or all interfaces and returns the bound port (useful with port 0). Throws
 * ListenError when the port is taken or needs privileges.
 */
export async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(describeListenError(error, port, host));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Stops accepting connections and closes idle keep-alive ones at once. Requests in progress may finish until
 * `graceMs`; then their connections are closed too.
 */
export async function closeServer(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with true when `promise` settles within `ms`, false when the time ran out first. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
