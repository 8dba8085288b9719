/**
 * A Kafka broker of a test's own, for tests that stop and restart Kafka (the shared one must
 * keep running for every other test): the local stack's own start and stop, on free ports and a
 * data folder of its own. It takes a JVM start (~10 s), so use it only where stopping Kafka is
 * the point of the test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

export interface PrivateKafka {
  brokers: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and deletes its data. */
  destroy(): Promise<void>;
}

export function privateKafka(): PrivateKafka {
  const data = mkdtempSync(join(tmpdir(), "fg-kafka-"));
  const port = freePort();
  const env = { ...process.env, FG_DATA: data, FG_KAFKA_PORT: String(port), FG_KAFKA_CONTROLLER_PORT: String(freePort()) };
  const stack = async (action: "start" | "stop") => {
    const proc = Bun.spawn(["bash", "infra/local/stack", action, "kafka"], { cwd: new URL("../..", import.meta.url).pathname, env, stdout: "pipe", stderr: "pipe" });
    const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`stack ${action} kafka failed (${code}):\n${err.slice(-2000)}`);
  };
  return {
    brokers: `127.0.0.1:${port}`,
    start: () => stack("start"),
    stop: () => stack("stop"),
    async destroy() {
      await stack("stop");
      rmSync(data, { recursive: true, force: true });
    },
  };
}
