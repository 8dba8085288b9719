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

test("saved throttle periods hold after a restart; the gate reports the periods it starts and ends", () => {
  const restored = createAlertGate({ throttles: [["k", 1_000]] });
  expect(restored.admit({ id: "1", dedup_key: "k" }, 1_000, 500)).toBe("throttled");
  expect(restored.takeChanges()).toEqual({ started: new Map(), ended: new Set() });
  expect(restored.admit({ id: "2", dedup_key: "k" }, 1_000, 1_000)).toBe("send");
  expect(restored.admit({ id: "3", dedup_key: "other" }, 300, 1_100)).toBe("send");
  expect(restored.takeChanges()).toEqual({ started: new Map([["k", 2_000], ["other", 1_400]]), ended: new Set() });
  // "other" ends at 1,400: the next alert after that drops it from the saved periods.
  expect(restored.admit({ id: "4", dedup_key: "k" }, 1_000, 1_500)).toBe("throttled");
  expect(restored.takeChanges()).toEqual({ started: new Map(), ended: new Set(["other"]) });
});

test("a period renewed after it ended is running, not ended", () => {
  const gate = createAlertGate();
  gate.admit({ id: "1", dedup_key: "k" }, 100, 0);
  gate.takeChanges();
  expect(gate.admit({ id: "2", dedup_key: "k" }, 100, 150)).toBe("send");
  expect(gate.takeChanges()).toEqual({ started: new Map([["k", 250]]), ended: new Set() });
  expect(gate.admit({ id: "3", dedup_key: "k" }, 100, 200)).toBe("throttled");
});
