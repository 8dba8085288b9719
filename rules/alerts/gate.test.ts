import { expect, test } from "bun:test";
import { createAlertGate } from "./gate.ts";

test("an id seen before is a duplicate, even after the throttle period", () => {
  let now = 0;
  const gate = createAlertGate({ clock: () => now });
  expect(gate.admit({ id: "a", dedup_key: "k" }, 0)).toBe("send");
  now = 1e9;
  expect(gate.admit({ id: "a", dedup_key: "k" }, 0)).toBe("duplicate");
});

test("throttling: one alert per dedup key per period, measured on the injected clock", () => {
  let now = 1_000;
  const gate = createAlertGate({ clock: () => now });
  expect(gate.admit({ id: "1", dedup_key: "k" }, 60_000)).toBe("send");
  now += 59_999;
  expect(gate.admit({ id: "2", dedup_key: "k" }, 60_000)).toBe("throttled");
  expect(gate.admit({ id: "3", dedup_key: "other" }, 60_000)).toBe("send");
  now += 1;
  expect(gate.admit({ id: "4", dedup_key: "k" }, 60_000)).toBe("send");
  // A throttled alert does not extend the period: the next one is measured from the last sent.
  now += 30_000;
  expect(gate.admit({ id: "5", dedup_key: "k" }, 60_000)).toBe("throttled");
  now += 30_000;
  expect(gate.admit({ id: "6", dedup_key: "k" }, 60_000)).toBe("send");
});

test("an explicit time (event time) overrides the clock; no throttle means every new id passes", () => {
  const gate = createAlertGate({ clock: () => { throw new Error("clock must not be read"); } });
  expect(gate.admit({ id: "1", dedup_key: "k" }, 10, 100)).toBe("send");
  expect(gate.admit({ id: "2", dedup_key: "k" }, 10, 105)).toBe("throttled");
  expect(gate.admit({ id: "3", dedup_key: "k" }, 0, 105)).toBe("send");
});

test("memory is bounded: the oldest ids are forgotten first", () => {
  const gate = createAlertGate({ clock: () => 0, maxRemembered: 2 });
  for (const id of ["a", "b", "c"]) gate.admit({ id, dedup_key: id }, 0);
  expect(gate.admit({ id: "c", dedup_key: "c" }, 0)).toBe("duplicate");
  expect(gate.admit({ id: "a", dedup_key: "a" }, 0)).toBe("send");
});
