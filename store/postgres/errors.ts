/**
 * Which Postgres failures are worth retrying: data exceptions (SQLSTATE class 22) fail the same
 * way again and are permanent; a connection refused or lost (class 08, admin shutdown, socket
 * errors) means the server is unavailable; the rest (deadlocks, serialization) are transient.
 */
import { SinkError } from "../sink.ts";
import { SinkUnavailableError, isNetworkError } from "../runtime/unavailable.ts";

export function toSinkError(what: string, err: unknown): SinkError {
  const message = `postgres: ${what}: ${(err as Error).message ?? String(err)}`;
  const code = String((err as { code?: unknown }).code ?? "");
  if (code.startsWith("22")) return new SinkError(message, true, { cause: err });
  if (code.startsWith("08") || code === "57P01" || code === "57P03" || isNetworkError(err)) return new SinkUnavailableError(message, { cause: err });
  return new SinkError(message, false, { cause: err });
}
