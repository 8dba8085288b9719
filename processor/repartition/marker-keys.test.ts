import { expect, test } from "bun:test";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { markerKeys } from "./marker-keys.ts";

test("on Kafka, marker n lands on partition n as kafkajs' default partitioner places it", () => {
  const partitions = 12;
  const kafkajs = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId): PartitionMetadata => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
  const keys = markerKeys("kafka", partitions);
  expect(keys.map((key) => kafkajs({ topic: "fg.repartition", partitionMetadata, message: { key, value: null } }))).toEqual(keys.map((_, i) => i));
});
