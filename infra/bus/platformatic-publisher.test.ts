/**
 * The publisher's own record batches, read back by @platformatic/kafka's decoder (a reader
 * written apart from this encoder): keys, values, headers, offsets, the producer's identity and
 * the CRC must all come out as Kafka's consumers will read them.
 */
import { expect, test } from "bun:test";
import { crc32c, readRecordsBatch, Reader } from "@platformatic/kafka";
import { compress, crc32cOf, encodeBatch, encodeRecords } from "./platformatic-publisher.ts";

const records = Array.from({ length: 300 }, (_, i) => ({
  key: Buffer.from(`app:user-${i}`),
  // Values of every varint width: 1, 2 and 3 bytes of length.
  // Bytes and text (with characters of several UTF-8 lengths).
  value: i % 4 === 3 ? `é€𝄞${"y".repeat(i)}` : Buffer.from("x".repeat(i % 3 === 0 ? 10 : i % 3 === 1 ? 200 : 20_000)),
  headers: i % 2 ? [[Buffer.from("traceparent"), Buffer.from(`00-${"a".repeat(32)}-${"b".repeat(16)}-01`)] as [Buffer, Buffer]] : [],
}));

for (const codec of ["none", "zstd", "gzip"] as const) {
  test(`a ${codec} batch reads back record by record`, () => {
    const batch = encodeBatch({ count: records.length, timestamp: 1_765_000_000_000, producerId: 4242n, producerEpoch: 3, baseSequence: 77, codec }, compress(codec, encodeRecords(records)));
    // The CRC covers the attributes to the end, as the broker checks it.
    expect(batch.readUInt32BE(17)).toBe(crc32c(batch.subarray(21)) >>> 0);
    const read = readRecordsBatch(Reader.from(batch));
    expect(read).toMatchObject({ magic: 2, lastOffsetDelta: 299, producerId: 4242n, producerEpoch: 3, firstSequence: 77, firstTimestamp: 1_765_000_000_000n });
    expect(read.length).toBe(batch.length - 12);
    expect(read.records).toHaveLength(300);
    read.records.forEach((r, i) => {
      expect(r.offsetDelta).toBe(i);
      expect(r.key!.toString()).toBe(`app:user-${i}`);
      expect(r.value!.equals(Buffer.from(records[i]!.value))).toBe(true);
      expect(r.headers.map(([k, v]) => [k!.toString(), v!.toString()])).toEqual(records[i]!.headers.map(([k, v]) => [k.toString(), v.toString()]));
    });
  });
}

test("the JS CRC-32C of small batches is the native one's", () => {
  for (const size of [0, 1, 61, 600, 4095, 4096, 10_000]) {
    const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + size) & 0xff));
    expect(crc32cOf(data)).toBe(crc32c(data) >>> 0);
  }
  // The check value of CRC-32C (RFC 3720): "123456789" -> 0xe3069283.
  expect(crc32cOf(Buffer.from("123456789"))).toBe(0xe3069283);
});
