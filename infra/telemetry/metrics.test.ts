import { expect, test } from "bun:test";
import { hotCounter, registry } from "./metrics.ts";

test("a hot counter's increments show in every read, once each, per label values", async () => {
  const c = hotCounter("test_hot_total", "test", ["app", "outcome"]);
  c.inc({ app: "a", outcome: "ok" });
  c.inc({ app: "a", outcome: "ok" }, 4);
  c.inc({ outcome: "ok", app: "b" }, 2);
  const read = async () => Object.fromEntries((await registry.getSingleMetric("fluxgate_test_hot_total")!.get()).values.map((v) => [v.labels.app, v.value]));
  expect(await read()).toEqual({ a: 5, b: 2 });
  // A second read adds nothing; later increments add to the sums.
  expect(await read()).toEqual({ a: 5, b: 2 });
  c.inc({ app: "b", outcome: "ok" });
  expect(await registry.metrics()).toMatch(/^fluxgate_test_hot_total\{[^}]*app="b"[^}]*\} 3$/m);
});
