/**
 * Keys that land a marker on each partition of fg.repartition. The bus port places records by
 * key only, so this asks the adapter's own placement (Kafka's murmur2, which both publishers
 * use; Bun's murmur32v2 for the embedded bus, as infra/bus/memory.ts does) which key goes
 * where. The clean fix is a `partition` on the port's OutgoingRecord; until then this must follow
 * the adapters.
 */
import { kafkaPartition } from "../../infra/bus/murmur2.ts";
import type { Bus } from "../../infra/bus/port.ts";

type PartitionOf = (key: string, partitions: number) => number;

const partitionOf: Record<Bus["kind"], PartitionOf> = {
  kafka: (key, partitions) => kafkaPartition(Buffer.from(key), partitions),
  memory: (key, partitions) => Number(Bun.hash.murmur32v2(key) % partitions),
};

/** One key per partition, in partition order: the first `~wm|<n>` that the bus places there. */
export function markerKeys(bus: Bus["kind"], partitions: number): string[] {
  const keys = new Array<string | undefined>(partitions);
  let found = 0;
  for (let n = 0; found < partitions; n++) {
    const key = `~wm|${n}`;
    const p = partitionOf[bus](key, partitions);
    if (keys[p] === undefined) {
      keys[p] = key;
      found++;
    }
  }
  return keys as string[];
}
