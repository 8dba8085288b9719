/**
 * A port the OS has just handed out as free (from its ephemeral range), for a server a test
 * starts. Fixed or random ranges collide with the local stack's own ports (ClickHouse on 19000,
 * Kafka on 19092, ...), which failed a run now and then.
 */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
