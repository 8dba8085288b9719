import { expect, test } from "bun:test";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { SinkError } from "../sink.ts";
import { archiveSinkContract } from "./archive-sink.contract.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { freshFsStore, writeThroughArchiveSink } from "../../test/support/store/test-stores.ts";

archiveSinkContract("filesystem", freshFsStore);

test("a store failure is a transient SinkError, so the runtime retries instead of dead-lettering", async () => {
  const store = await freshFsStore();
  const failing = { ...store, put: async () => { throw new Error("connection reset"); } };
  const sink = writeThroughArchiveSink(failing, createLogger("error"), 2);
  const err = await sink.write(sampleEvents(3)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SinkError);
  expect((err as SinkError).permanent).toBe(false);
  expect((err as SinkError).message).toContain("connection reset");
});
