/** What every AlertStore does, run against the Postgres store and the in-memory one. */
import { expect, test } from "bun:test";
import type { AlertStore } from "./alert-store.ts";

export function alertStoreContract(name: string, open: () => Promise<AlertStore>): void {
  test(`${name}: a job exists once per alert and sink, so a redelivered alert does not run twice`, async () => {
    const store = await open();
    const first = await store.addJobs([{ alertId: "a1", sink: "webhook:x", body: "{}" }, { alertId: "a1", sink: "webhook:y", body: "{}" }]);
    expect(first.map((j) => j.sink).sort()).toEqual(["webhook:x", "webhook:y"]);
    expect(await store.addJobs([{ alertId: "a1", sink: "webhook:x", body: "{}" }])).toEqual([]);
    expect((await store.pendingJobs()).map((j) => j.sink).sort()).toEqual(["webhook:x", "webhook:y"]);
  });

  test(`${name}: finished jobs leave the pending list; dead ones are listed per sink and revived for a replay`, async () => {
    const store = await open();
    await store.addJobs([{ alertId: "a2", sink: "webhook:x", body: "b" }, { alertId: "a3", sink: "webhook:y", body: "c" }]);
    await store.finishJob("a2", "webhook:x", { delivered: true, attempts: 1 });
    await store.finishJob("a3", "webhook:y", { delivered: false, attempts: 6, error: "HTTP 500" });
    expect(await store.pendingJobs()).toEqual([]);
    expect(await store.deadLetters("webhook:x")).toEqual([]);
    const dead = await store.deadLetters();
    expect(dead.map((j) => [j.alert_id, j.attempts, j.last_error])).toEqual([["a3", 6, "HTTP 500"]]);
    expect((await store.reviveDeadLetters("webhook:y")).map((j) => j.alert_id)).toEqual(["a3"]);
    expect((await store.pendingJobs()).map((j) => j.body)).toEqual(["c"]);
    expect(await store.deadLetters()).toEqual([]);
  });

  test(`${name}: every attempt is recorded in order`, async () => {
    const store = await open();
    await store.recordAttempt({ alertId: "a4", sink: "webhook:x", attempt: 1, status: "retry", httpStatus: 503, error: "HTTP 503", durationMs: 12.4 });
    await store.recordAttempt({ alertId: "a4", sink: "webhook:x", attempt: 2, status: "ok", httpStatus: 200, error: null, durationMs: 8 });
    const attempts = await store.attempts("a4", "webhook:x");
    expect(attempts.map((a) => [a.attempt, a.status, a.httpStatus, a.durationMs])).toEqual([[1, "retry", 503, 12], [2, "ok", 200, 8]]);
    expect(await store.attempts("a4", "webhook:other")).toEqual([]);
  });
}
