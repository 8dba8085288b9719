/** The codecs Fluxgate publishes Kafka batches with (FG_KAFKA_COMPRESSION): both publishers, and the consumers that read them, know these. */
export type KafkaCompression = "none" | "gzip" | "zstd";
