import { expect, test } from "bun:test";
import { lineChart, niceMax } from "./chart.ts";

test("axis maxima round up to 1, 2 or 5 times a power of ten", () => {
  expect([niceMax(0), niceMax(0.7), niceMax(3), niceMax(12_000), niceMax(50_001)]).toEqual([1, 1, 5, 20_000, 100_000]);
});

test("each series is a polyline scaled into the plot, labels escaped", () => {
  const svg = lineChart({
    title: "a < b", xLabel: "s", yLabel: "events/s", width: 200, height: 100,
    series: [{ label: "accepted", points: [{ x: 0, y: 0 }, { x: 10, y: 5 }] }, { label: "rows", points: [{ x: 10, y: 0 }] }],
  });
  expect(svg).toContain("a &lt; b");
  expect(svg.match(/<polyline/g)?.length).toBe(2);
  // x 0..10 spans the plot from the left margin (64) to width - right margin (184); y max 5 is the top margin (28).
  expect(svg).toContain('points="64.0,60.0 184.0,28.0"');
});
