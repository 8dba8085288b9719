/**
 * Which ClickHouse failures are worth retrying. Server codes that mean "this data cannot be
 * parsed or stored" are permanent (retrying the same rows fails the same way, as Vector also
 * decides); a connection that was never made or was cut means the server is unavailable;
 * everything else (too many parts, memory limit, timeouts) is transient.
 */
import { ClickHouseError } from "@clickhouse/client";
import { SinkError } from "../sink.ts";
import { SinkUnavailableError, isNetworkError } from "../runtime/unavailable.ts";

// CANNOT_PARSE_TEXT, CANNOT_PARSE_QUOTED_STRING, CANNOT_PARSE_INPUT_ASSERTION_FAILED, TYPE_MISMATCH,
// CANNOT_CONVERT_TYPE, CANNOT_PARSE_NUMBER, INCORRECT_DATA, CANNOT_PARSE_DATE, CANNOT_PARSE_DATETIME.
const permanentCodes = new Set(["6", "26", "27", "53", "70", "72", "117", "38", "41"]);

export function toSinkError(what: string, err: unknown): SinkError {
  const message = `clickhouse: ${what}: ${(err as Error).message ?? String(err)}`;
  if (err instanceof ClickHouseError) return new SinkError(message, permanentCodes.has(err.code), { cause: err });
  if (isNetworkError(err)) return new SinkUnavailableError(message, { cause: err });
  return new SinkError(message, false, { cause: err });
}
