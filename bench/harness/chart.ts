/** A small SVG line chart (no dependency): time on x, one or more series on a shared y axis. */

export interface Series {
  label: string;
  points: { x: number; y: number }[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Round up to 1, 2 or 5 × 10^n so the axis ends on a readable number. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Series[]; width?: number; height?: number }): string {
  const width = o.width ?? 720;
  const height = o.height ?? 260;
  const m = { l: 64, r: 16, t: 28, b: 40 };
  const all = o.series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(1, ...all.map((p) => p.x)));
  const yMax = niceMax(Math.max(0, ...all.map((p) => p.y)));
  const sx = (x: number) => m.l + (x / xMax) * (width - m.l - m.r);
  const sy = (y: number) => height - m.b - (y / yMax) * (height - m.t - m.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${esc(o.title)}</text>`,
    ...ticks.map((f) => `<line x1="${m.l}" x2="${width - m.r}" y1="${sy(f * yMax)}" y2="${sy(f * yMax)}" stroke="#ddd"/><text x="${m.l - 6}" y="${sy(f * yMax) + 4}" text-anchor="end">${+(f * yMax).toPrecision(3)}</text>`),
    ...ticks.map((f) => `<text x="${sx(f * xMax)}" y="${height - m.b + 16}" text-anchor="middle">${+(f * xMax).toPrecision(3)}</text>`),
    `<text x="${width / 2}" y="${height - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(14 ${height / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
    ...o.series.map((s, i) => {
      const color = COLORS[i % COLORS.length];
      const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
      return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/><text x="${m.l + 8 + i * 170}" y="${m.t + 12}" fill="${color}">${esc(s.label)}</text>`;
    }),
    "</svg>",
  ];
  return parts.join("\n");
}
