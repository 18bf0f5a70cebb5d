/**
 * The shared error base. Every keyhunt error has a stable `code` that callers and tests match on (messages
 * may be reworded), and keeps the underlying failure as `cause`.
 */

export class KeyhuntError extends Error {
  /** Stable upper-case identifier, such as `CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** Returns the `code` of a KeyhuntError or of a Node system error, or null when the value has none. */
export function errorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}
