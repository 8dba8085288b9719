/**
 * The alert gate's running throttle periods as state records of their partition
 * (`t:<dedup key>` -> end of the period, ms), saved with the engine's in the same atomic save, so
 * a restarted processor keeps throttling where it stopped.
 */
import type { ThrottleChanges } from "../alerts/gate.ts";
import type { RecordDelta, Records } from "../engine/records.ts";

const PREFIX = "t:";

export const isThrottleRecord = (name: string): boolean => name.startsWith(PREFIX);

/** The saved periods among a partition's records, for the gate to start from. */
export function savedThrottles(records: Records): [string, number][] {
  return Object.entries(records).filter(([name]) => isThrottleRecord(name)).map(([name, until]) => [name.slice(PREFIX.length), Number(until)]);
}

export function throttleDelta(changes: ThrottleChanges): RecordDelta {
  return {
    put: new Map([...changes.started].map(([key, until]) => [PREFIX + key, String(until)])),
    del: [...changes.ended].map((key) => PREFIX + key),
  };
}
