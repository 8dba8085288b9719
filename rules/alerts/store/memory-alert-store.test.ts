import { expect, test } from "bun:test";
import { alertStoreContract } from "./alert-store.contract.ts";
import { createMemoryAlertStore } from "./memory-alert-store.ts";

alertStoreContract("memory", async () => createMemoryAlertStore());

test("delivered jobs are kept as keys only, the newest maxDelivered of them; pending and dead ones stay whole", async () => {
  const store = createMemoryAlertStore({ maxDelivered: 2, maxAttempts: 3 });
  const jobs = ["a1", "a2", "a3", "a4"].map((alertId) => ({ alertId, sink: "webhook:x", body: `{"id":"${alertId}"}` }));
  expect((await store.addJobs(jobs)).length).toBe(4);
  for (const id of ["a1", "a2", "a3"]) {
    await store.recordAttempt({ alertId: id, sink: "webhook:x", attempt: 1, status: "ok", httpStatus: 200, error: null, durationMs: 1 });
    await store.finishJob(id, "webhook:x", { delivered: true, attempts: 1 });
  }
  // a2 and a3 are remembered (a redelivered batch does not deliver them again); a1 was forgotten.
  expect((await store.addJobs(jobs.slice(1, 3))).length).toBe(0);
  expect((await store.addJobs([jobs[0]!])).length).toBe(1);
  expect((await store.pendingJobs()).map((j) => [j.alert_id, j.body])).toEqual([["a4", '{"id":"a4"}'], ["a1", '{"id":"a1"}']]);
  for (let i = 0; i < 10; i++) await store.recordAttempt({ alertId: "a4", sink: "webhook:x", attempt: i + 1, status: "retry", httpStatus: 503, error: "HTTP 503", durationMs: 1 });
  expect((await store.attempts("a4", "webhook:x")).map((a) => a.attempt)).toEqual([8, 9, 10]);
});
