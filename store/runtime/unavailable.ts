/**
 * A write failed because the tier cannot be reached (connection refused, reset, timed out):
 * not the batch's fault, so the runtime retries it without a budget instead of sending good data
 * to the DLQ, and the sink's consumer group simply falls behind until the tier is back.
 */
import { SinkError } from "../sink.ts";

export class SinkUnavailableError extends SinkError {
  override name = "SinkUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "ConnectionRefused", "ConnectionClosed", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);

/** True when an error (or one of its causes) says the service was not reached or hung up. */
export function isNetworkError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && networkCodes.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && /socket hang up|ECONNREFUSED|ECONNRESET|Unable to connect|connection (was )?closed|Timeout error/i.test(message)) return true;
  }
  return false;
}
