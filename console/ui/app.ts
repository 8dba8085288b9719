/**
 * The console page: signs in (the operator key from the URL fragment, or typed), follows the live
 * feed (/console/api/stream, Server-Sent Events) and renders the active tab from the latest
 * snapshot. Plain DOM and template strings; uPlot draws the charts. Bundled by console/ui/assets.ts.
 */
import uPlot from "uplot";
import type { AlertSummary } from "../api.ts";
import type { RollbackResult, RuleVersionView, RulesView } from "../rules.ts";
import type { Point, Scope, Snapshot } from "../types.ts";

type Tab = "overview" | "pipeline" | "rules" | "alerts";
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let scope: Scope | null = null;
let snapshot: Snapshot | null = null;
let points: Point[] = [];
let alerts: AlertSummary[] = [];
let unseen = 0;
let source: EventSource | null = null;
let selectedRule: string | null = null;
const HISTORY_MS = 15 * 60_000;

// ---------------------------------------------------------------- formatting
const esc = (v: unknown) => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = (n: number) => (n >= 100 ? num(n) : num(n, 1));
const time = (ms: number) => new Date(ms).toLocaleTimeString("en-GB", { hour12: false });
const ago = (ms: number | null) => {
  if (ms === null) return "–";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`;
};
const ms = (n: number | null | undefined) => num(n, n !== null && n !== undefined && n < 100 ? 1 : 0);
const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${num(n / 1024, 1)} KiB` : `${num(n / (1 << 20), 1)} MiB`);
const sumOf = (m: Record<string, number> | undefined) => Object.values(m ?? {}).reduce((a, b) => a + b, 0);

function table(head: (string | [string, "num"])[], rows: string[][], empty: string, attrs = ""): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  const th = head.map((h) => (Array.isArray(h) ? `<th class="num">${esc(h[0])}</th>` : `<th>${esc(h)}</th>`)).join("");
  const isNum = head.map((h) => Array.isArray(h));
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${isNum[i] ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`).join("");
  return `<div class="table-wrap"><table ${attrs}><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

// ---------------------------------------------------------------- session
async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`/console/api${path}`, { credentials: "same-origin", ...init });
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  return { status: res.status, body: body as T };
}

async function login(key: string): Promise<boolean> {
  const res = await api<{ scope?: Scope; message?: string }>("/session", { method: "POST", headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200) {
    $("login-error").textContent = res.body?.message ?? `sign-in failed (${res.status})`;
    return false;
  }
  return true;
}

async function boot() {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromUrl) {
    // The key never stays in the address bar (or the history); the cookie carries the session.
    history.replaceState(null, "", location.pathname + "#overview");
    await login(fromUrl);
  }
  const who = await api<{ scope: Scope }>("/whoami");
  if (who.status !== 200) return showLogin();
  start(who.body.scope);
}

function showLogin() {
  $("login").hidden = false;
  $("tabs").hidden = true;
  document.querySelectorAll<HTMLElement>(".view").forEach((v) => (v.hidden = true));
  $("login-key").focus();
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (await login($<HTMLInputElement>("login-key").value.trim())) {
    $("login").hidden = true;
    void boot();
  }
});
$("logout").addEventListener("click", async () => {
  source?.close();
  await api("/session", { method: "DELETE" });
  location.hash = "";
  location.reload();
});

function start(s: Scope) {
  scope = s;
  $("login").hidden = true;
  $("tabs").hidden = false;
  $("logout").hidden = false;
  $("scope").textContent = s.kind === "operator" ? "operator" : `app ${s.app}`;
  document.querySelectorAll<HTMLElement>("[data-operator]").forEach((el) => (el.hidden = s.kind !== "operator"));
  connect();
  route();
}

function connect() {
  source = new EventSource("/console/api/stream");
  const live = (on: boolean) => {
    $("live-dot").classList.toggle("live", on);
    $("live-text").textContent = on ? "live" : "reconnecting…";
  };
  source.onopen = () => live(true);
  source.onerror = () => live(false);
  source.addEventListener("history", (e) => {
    points = JSON.parse((e as MessageEvent).data);
    drawCharts();
  });
  source.addEventListener("point", (e) => {
    const p = JSON.parse((e as MessageEvent).data) as Point | null;
    if (!p || points.at(-1)?.t === p.t) return;
    points.push(p);
    while (points.length && points[0]!.t < p.t - HISTORY_MS) points.shift();
    drawCharts();
  });
  source.addEventListener("alerts", (e) => {
    alerts = JSON.parse((e as MessageEvent).data);
    renderAlerts();
  });
  source.addEventListener("alert", (e) => {
    const a = JSON.parse((e as MessageEvent).data) as AlertSummary;
    alerts = [a, ...alerts.filter((x) => x.id !== a.id)].slice(0, 500);
    if (currentTab() !== "alerts") unseen++;
    renderAlerts();
  });
  source.addEventListener("snapshot", (e) => {
    snapshot = JSON.parse((e as MessageEvent).data);
    live(true);
    render();
  });
}

// ---------------------------------------------------------------- routing
function currentTab(): Tab {
  const t = location.hash.slice(1) as Tab;
  const allowed: Tab[] = scope?.kind === "operator" ? ["overview", "pipeline", "rules", "alerts"] : ["overview", "alerts"];
  return allowed.includes(t) ? t : "overview";
}

function route() {
  if (!scope) return;
  const tab = currentTab();
  document.querySelectorAll<HTMLElement>(".view").forEach((v) => (v.hidden = v.id !== `view-${tab}`));
  document.querySelectorAll<HTMLAnchorElement>(".tabs a").forEach((a) => a.classList.toggle("active", a.dataset.tab === tab));
  if (tab === "alerts") unseen = 0;
  if (tab === "rules") void loadRules();
  render();
  renderAlerts();
  drawCharts();
}
window.addEventListener("hashchange", route);

function render() {
  if (!snapshot) return;
  const tab = currentTab();
  if (tab === "overview") renderOverview(snapshot);
  if (tab === "pipeline" && snapshot.pipeline) renderPipeline(snapshot.pipeline);
  if (tab === "rules" && snapshot.pipeline) renderProcessors(snapshot.pipeline.processors);
}

// ---------------------------------------------------------------- overview
function renderOverview(s: Snapshot) {
  const accepted = s.ingest.rows.reduce((a, r) => a + r.rate, 0);
  const acceptedTotal = s.ingest.rows.reduce((a, r) => a + r.total, 0);
  const rejected = s.ingest.rejects.filter((r) => r.reason !== "rate_limited").reduce((a, r) => a + r.rate, 0);
  const rejectedTotal = s.ingest.rejects.filter((r) => r.reason !== "rate_limited").reduce((a, r) => a + r.total, 0);
  const limited = s.ingest.rateLimited.reduce((a, r) => a + r.rate, 0);
  const limitedTotal = s.ingest.rateLimited.reduce((a, r) => a + r.total, 0);
  const last = points.at(-1);
  const kpi = (id: string, label: string, value: string, sub: string, cls = "") =>
    `<div class="kpi ${cls}" data-testid="kpi-${id}"><div class="label">${esc(label)}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`;
  const cards = [
    kpi("accepted", "Accepted", `${rate(accepted)}<span class="muted">/s</span>`, `<span data-testid="accepted-total">${num(acceptedTotal)}</span> total`),
    kpi("rejected", "Rejected", `${rate(rejected)}<span class="muted">/s</span>`, `<span data-testid="rejected-total">${num(rejectedTotal)}</span> total`, rejected > 0 ? "bad" : ""),
    kpi("limited", "Rate-limited", `${rate(limited)}<span class="muted">/s</span>`, `${num(limitedTotal)} total`, limited > 0 ? "warn" : ""),
  ];
  if (s.pipeline) {
    const lag = s.pipeline.lag.reduce((a, r) => a + r.lag, 0);
    cards.push(
      kpi("processed", "Processed", `${rate(last?.processed ?? 0)}<span class="muted">/s</span>`, "events applied to rules"),
      kpi("stored", "Stored", `${rate(last?.stored ?? 0)}<span class="muted">/s</span>`, "rows written, every tier"),
      kpi("ack", "Ack p99", `${ms(last?.ackP99Ms)}<span class="muted"> ms</span>`, `p50 ${ms(last?.ackP50Ms)} ms`),
      kpi("lag", "Consumer lag", num(lag), `${s.pipeline.lag.length} partitions`, lag > 10_000 ? "warn" : ""),
    );
  }
  cards.push(kpi("alerts", "Alerts", num(alerts.length), "in the live feed"));
  $("kpis").innerHTML = cards.join("");

  const rows = [...s.ingest.rows].sort((a, b) => b.rate - a.rate || b.total - a.total);
  $("ingest").innerHTML = table(["App", "Protocol", ["Events/s", "num"], ["Total", "num"]],
    rows.map((r) => [`<b>${esc(r.app)}</b>`, `<span class="badge plain">${esc(r.source)}</span>`, rate(r.rate), num(r.total)]),
    "Nothing accepted yet.", 'data-testid="ingest-table"');
  $("rejects").innerHTML = table(["App", "Reason", ["/s", "num"], ["Total", "num"]],
    [...s.ingest.rejects].sort((a, b) => b.total - a.total).map((r) => [esc(r.app), `<span class="badge bad">${esc(r.reason)}</span>`, rate(r.rate), num(r.total)]),
    "No event refused.", 'data-testid="rejects-table"');
  $("rate-limited").innerHTML = table(["App", ["/s", "num"], ["Total", "num"]],
    s.ingest.rateLimited.map((r) => [esc(r.app), rate(r.rate), num(r.total)]), "No app over its limit.");
  $("samples").innerHTML = table(["Time", "App", "Protocol", "Reason", "Error", "Event"],
    s.ingest.samples.map((x) => [time(x.at), esc(x.app), esc(x.source), `<span class="badge bad">${esc(x.reason)}</span>`,
      `<span class="err wrap">${esc(x.message)}</span>`, `<code class="wrap">${esc(x.event ?? "")}</code>`]),
    "No rejected event yet.", 'data-testid="samples-table"');
  $("dead-letters").innerHTML = table(["Time", "Sink", "Reason", "Error", "Record", "Value"],
    s.ingest.deadLetters.map((d) => [time(d.at), esc(d.sink), `<span class="badge bad">${esc(d.reason)}</span>`, `<span class="err wrap">${esc(d.error)}</span>`,
      `<code>${esc(d.source)}</code>`, `<code class="wrap">${esc(d.preview)}</code>`]),
    "No dead letter since the console started.");
}

// ---------------------------------------------------------------- charts
const charts: Record<string, uPlot> = {};
const AXIS = { stroke: "#8494a7", grid: { stroke: "#1f2a36", width: 1 }, ticks: { stroke: "#263241", width: 1 } };

function chart(id: string, series: { label: string; stroke: string }[], data: uPlot.AlignedData) {
  const el = $(id);
  if (!el || el.offsetParent === null) return; // hidden tab: drawn when shown
  const width = el.clientWidth;
  const existing = charts[id];
  if (existing && existing.series.length === series.length + 1) {
    if (Math.abs(existing.width - width) > 2) existing.setSize({ width, height: 220 });
    existing.setData(data);
    return;
  }
  existing?.destroy();
  el.innerHTML = "";
  charts[id] = new uPlot({
    width, height: 220,
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] } },
    axes: [AXIS, { ...AXIS, size: 50 }],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.6, points: { show: false }, spanGaps: true }))],
  }, data, el);
}

function drawCharts() {
  if (!scope || currentTab() !== "overview") return;
  const t = points.map((p) => p.t / 1000);
  const operator = scope.kind === "operator";
  chart("chart-throughput", [
    { label: "accepted", stroke: "#4aa3ff" }, { label: "rejected", stroke: "#ff5d6c" },
    ...(operator ? [{ label: "processed", stroke: "#3ccf8e" }, { label: "stored", stroke: "#b18cff" }] : []),
  ], [t, points.map((p) => sumOf(p.accepted)), points.map((p) => sumOf(p.rejected)),
    ...(operator ? [points.map((p) => p.processed ?? null), points.map((p) => p.stored ?? null)] : [])] as uPlot.AlignedData);
  if (operator)
    chart("chart-latency", [{ label: "ack p50", stroke: "#3ccf8e" }, { label: "ack p99", stroke: "#f5b942" }, { label: "sink write p99", stroke: "#b18cff" }],
      [t, points.map((p) => p.ackP50Ms ?? null), points.map((p) => p.ackP99Ms ?? null), points.map((p) => p.writeP99Ms ?? null)] as uPlot.AlignedData);
}
window.addEventListener("resize", drawCharts);

// ---------------------------------------------------------------- pipeline
function renderPipeline(p: NonNullable<Snapshot["pipeline"]>) {
  $("services").innerHTML = [
    ...p.services.map((s) => `<div class="chip" data-testid="service-${esc(s.name)}"><b>${esc(s.name)}</b><span class="badge ${s.ready ? "ok" : "bad"}">${s.ready ? "ready" : "not ready"}</span></div>`),
    `<div class="chip"><b>bus</b><span class="badge plain">${esc(p.bus)}</span></div>`,
  ].join("");
  // One row per group and topic, its partitions side by side: readable on a phone too.
  const byGroup = new Map<string, typeof p.lag>();
  for (const l of [...p.lag].sort((a, b) => a.partition - b.partition)) {
    const key = `${l.groupId}\u0000${l.topic}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), l]);
  }
  const groups = [...byGroup].sort(([a], [b]) => a.localeCompare(b));
  $("lag").innerHTML = (p.lagError ? `<p class="err">lag unavailable: ${esc(p.lagError)}</p>` : "") + table(
    ["Group", "Topic", ["Lag", "num"], "Per partition: lag (committed / end)"],
    groups.map(([, parts]) => {
      const total = parts.reduce((a, l) => a + l.lag, 0);
      return [`<code>${esc(parts[0]!.groupId)}</code>`, `<code>${esc(parts[0]!.topic)}</code>`, `<b class="${total ? "warnv" : ""}">${num(total)}</b>`,
        `<div class="parts">${parts.map((l) => `<span class="part${l.lag ? " behind" : ""}" title="committed ${l.committed ?? "none"} of ${l.end}">p${l.partition} <b>${num(l.lag)}</b> <span class="muted">${l.committed === null ? "–" : num(l.committed)}/${num(l.end)}</span></span>`).join("")}</div>`];
    }),
    p.lagAt === null ? "Measuring…" : "No consumer group in this process.", 'data-testid="lag-table"',
  ) + (p.lagAt ? `<p class="muted">measured ${ago(p.lagAt)}</p>` : "");
  $("watermarks").innerHTML = table(["Partition", "Watermark (event time)", ["Behind wall clock", "num"]],
    p.watermarks.map((w) => [String(w.partition), w.watermarkMs > 0 ? new Date(w.watermarkMs).toISOString().replace("T", " ").replace(".000Z", "Z") : "–",
      w.eventTimeLagSeconds === null ? "–" : `${num(w.eventTimeLagSeconds, 1)} s`]),
    "No processor partition in this process.", 'data-testid="watermarks-table"');
  $("state").innerHTML = table(["Rule", ["Group keys", "num"]], p.stateKeys.map((s) => [`<code>${esc(s.rule)}</code>`, num(s.keys)]), "No state yet.", 'data-testid="state-table"')
    + `<h3>Bytes per partition</h3>` + table(["Partition", ["Size", "num"]], p.stateBytes.map((s) => [String(s.partition), bytes(s.bytes)]), "–");
  $("sinks").innerHTML = table(["Sink", ["Rows/s", "num"], ["Rows", "num"], ["Writes", "num"], "Last write", ["Avg batch", "num"], ["Retries", "num"], ["DLQ", "num"], ["Lag", "num"]],
    p.sinks.map((s) => [`<b>${esc(s.sink)}</b>`, rate(s.rowsPerSecond), num(s.rows), num(s.writes), ago(s.lastWriteAt), num(s.avgBatchRows, 1),
      s.retries ? `<span class="badge warn">${num(s.retries)}</span>` : "0", s.dlq ? `<span class="badge bad">${num(s.dlq)}</span>` : "0",
      s.lagSeconds === null ? "–" : `${num(s.lagSeconds, 1)} s`]),
    "No sink in this process.", 'data-testid="sinks-table"');
}

// ---------------------------------------------------------------- rules
function renderProcessors(processors: NonNullable<Snapshot["pipeline"]>["processors"]) {
  const state = (s: string) => `<span class="badge ${s === "ok" ? "ok" : s === "starting" ? "info" : "bad"}">${esc(s)}</span>`;
  $("processors").innerHTML = table(["Processor", "State", "Running revision", "Latest offered", "Rules"],
    processors.map((p) => [`<b>${esc(p.name)}</b> <span class="badge ${p.ready ? "ok" : "bad"}">${p.ready ? "ready" : "not ready"}</span>`,
      state(p.rules?.state ?? "starting"), `<code class="strong" data-testid="processor-revision">${esc(p.rules?.running ?? "–")}</code>`, `<code>${esc(p.rules?.latest ?? "–")}</code>`,
      (p.rules?.rules ?? []).map((r) => `<span class="badge plain" data-testid="running-rule">${esc(r.id)} v${r.version}${r.enabled ? "" : " (disabled)"}</span>`).join(" ") || "–"]),
    "No processor in this process.", 'data-testid="processors-table"');
  const problems = processors.flatMap((p) => (p.rules?.problems ?? []).map((x) => ({ p: p.name, x })));
  $("problems").innerHTML = problems.length
    ? `<p class="muted">The newest rule set was refused; the processors keep running the previous one.</p>`
      + table(["Processor", "Where and what"], problems.map(({ p, x }) => [esc(p), `<code class="err wrap">${esc(x)}</code>`]), "")
    : `<p class="empty">None: every processor runs the newest rule set it was offered.</p>`;
}

async function loadRules(refreshDetail = true) {
  const res = await api<RulesView & { message?: string }>("/rules");
  if (res.status !== 200) {
    $("rule-list").innerHTML = `<p class="err">${esc(res.body?.message ?? res.status)}</p>`;
    return;
  }
  if (!res.body.store) {
    $("rule-list").innerHTML = `<p class="empty">No rule store here (FG_POSTGRES_URL is unset): the processors read rules from a directory, shown above. History and rollback need the rule store.</p>`;
    return;
  }
  $("rule-list").innerHTML = table(["Rule", ["Current", "num"], ["Latest", "num"], "Updated"],
    res.body.rules.map((r) => [`<code>${esc(r.id)}</code><div class="muted">${esc(r.description)}</div>`, `v${r.version}`, `v${r.latest}`, ago(Date.parse(r.updatedAt))]),
    "The rule store is empty: push rules with `fluxgate rules push`.", 'data-testid="rule-list"');
  $("rule-list").querySelectorAll("tbody tr").forEach((tr, i) => {
    const id = res.body.rules[i]!.id;
    tr.classList.add("clickable");
    tr.classList.toggle("selected", id === selectedRule);
    tr.addEventListener("click", () => void showRule(id));
  });
  // Refresh the open history (a rollback or push changed it), unless it is the one being opened.
  if (refreshDetail && selectedRule && !showing) void showRule(selectedRule);
}

let showing = false;

async function showRule(id: string, output?: RollbackResult) {
  selectedRule = id;
  showing = true;
  try {
    await renderRule(id, output);
  } finally {
    showing = false;
  }
}

async function renderRule(id: string, output?: RollbackResult) {
  $("rule-list").querySelectorAll("tbody tr").forEach((tr) => tr.classList.toggle("selected", tr.querySelector("code")?.textContent === id));
  const res = await api<{ versions: RuleVersionView[]; switches: { revision: number; version: number; previous: number | null; author: string; comment: string; at: string }[] }>(`/rules/${encodeURIComponent(id)}/history`);
  const box = $("rule-detail");
  if (res.status !== 200) {
    box.innerHTML = `<h2>History</h2><p class="err">${esc((res.body as unknown as { message?: string })?.message ?? res.status)}</p>`;
    return;
  }
  const { versions, switches } = res.body;
  const current = versions.find((v) => v.current)?.version ?? versions.at(-1)?.version ?? 1;
  const other = versions.filter((v) => v.version !== current).at(-1)?.version ?? current;
  const options = (sel: number) => versions.map((v) => `<option value="${v.version}"${v.version === sel ? " selected" : ""}>v${v.version}</option>`).join("");
  box.innerHTML = `<h2>History of <code>${esc(id)}</code></h2>`
    + table(["Version", "Author", "Comment", "Created", ""], [...versions].reverse().map((v) => [
      `v${v.version} ${v.current ? '<span class="badge ok">current</span>' : ""}`, esc(v.author), esc(v.comment), ago(Date.parse(v.createdAt)),
      v.current ? "" : `<button class="small danger" data-rollback="${v.version}">Roll back to v${v.version}</button>`]), "", 'data-testid="history-table"')
    + `<div class="row"><b>Diff</b> <select id="diff-from">${options(other)}</select> → <select id="diff-to">${options(current)}</select></div>`
    + `<pre class="diff" id="diff"></pre>`
    + (output ? `<pre class="output mono ${output.ok ? "" : "err"}" data-testid="rollback-output">${esc(output.output.join("\n"))}</pre>` : "")
    + `<h3>Made current</h3>` + table(["Revision", "Change", "By", "When"], [...switches].reverse().map((s) => [
      String(s.revision), `${s.previous === null ? "" : `v${s.previous} → `}v${s.version}`, esc(s.author), ago(Date.parse(s.at))]), "–");
  const diff = async () => {
    const from = $<HTMLSelectElement>("diff-from").value;
    const to = $<HTMLSelectElement>("diff-to").value;
    const d = await api<{ patch?: string; message?: string }>(`/rules/${encodeURIComponent(id)}/diff?from=${from}&to=${to}`);
    $("diff").innerHTML = d.body?.patch ? colorDiff(d.body.patch) : esc(d.body?.message ?? "");
  };
  $("diff-from").addEventListener("change", diff);
  $("diff-to").addEventListener("change", diff);
  await diff();
  box.querySelectorAll<HTMLButtonElement>("[data-rollback]").forEach((b) => b.addEventListener("click", () => void confirmRollback(id, Number(b.dataset.rollback), current)));
}

function colorDiff(patch: string): string {
  // The file headers only repeat what the two selects say.
  const lines = patch.split("\n").filter((l) => !/^(={10,}|Index: |--- |\+\+\+ |\\ No newline)/.test(l));
  if (!lines.some((l) => l.startsWith("@@"))) return '<span class="meta">The two versions are the same.</span>';
  return lines.map((l) => {
    const cls = l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@@") ? "hunk" : "";
    return cls ? `<span class="${cls}">${esc(l)}</span>` : `${esc(l)}\n`;
  }).join("");
}

function confirmRollback(id: string, version: number, current: number) {
  const dialog = $<HTMLDialogElement>("confirm-dialog");
  $("confirm-title").textContent = `Roll back ${id} to v${version}?`;
  $("confirm-text").innerHTML = `v${current} is current. This stores a new rule-set revision with <b>${esc(id)} v${version}</b> and publishes it: every processor switches to it. The whole set is validated first; if it does not validate, nothing changes.`;
  dialog.returnValue = "";
  dialog.showModal();
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "ok") return;
    const res = await api<RollbackResult & { message?: string }>(`/rules/${encodeURIComponent(id)}/rollback`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ version }),
    });
    await loadRules(false);
    await showRule(id, res.body?.output ? res.body : { ok: false, code: res.status, output: [res.body?.message ?? `failed (${res.status})`] });
  }, { once: true });
}

// ---------------------------------------------------------------- alerts
const filters = ["f-app", "f-rule", "f-severity"] as const;
filters.forEach((f) => $(f).addEventListener("change", renderAlerts));

function fillSelect(id: string, values: string[]) {
  const select = $<HTMLSelectElement>(id);
  const have = new Set([...select.options].map((o) => o.value));
  for (const v of values.sort()) if (!have.has(v)) select.add(new Option(v, v));
}

function renderAlerts() {
  $("alert-count").textContent = unseen ? String(unseen) : "";
  if (currentTab() !== "alerts") return;
  fillSelect("f-app", [...new Set(alerts.map((a) => a.app_id))]);
  fillSelect("f-rule", [...new Set(alerts.map((a) => a.rule_id))]);
  const [app, rule, severity] = filters.map((f) => $<HTMLSelectElement>(f).value);
  const shown = alerts.filter((a) => (!app || a.app_id === app) && (!rule || a.rule_id === rule) && (!severity || a.severity === severity));
  $("alerts").innerHTML = table(["Time", "Severity", "Rule", "App", "Title", "Group", ["Events", "num"]],
    shown.map((a) => [`<span title="event time ${esc(new Date(a.ts).toISOString())}">${time(a.ts)}</span>`, `<span class="badge ${esc(a.severity)}">${esc(a.severity)}</span>`,
      `<code>${esc(a.rule_id)}</code> <span class="muted">v${a.rule_version}</span>`, esc(a.app_id), `<span class="wrap">${esc(a.title)}</span>`,
      `<code>${esc(a.group_key)}</code>`, num(a.eventCount)]),
    alerts.length ? "No alert matches these filters." : "No alert yet. Alerts of rules with the `live` sink appear here as they fire.", 'data-testid="alerts-table"');
  $("alerts").querySelectorAll("tbody tr").forEach((tr, i) => {
    tr.classList.add("clickable");
    tr.setAttribute("data-testid", "alert-row");
    tr.addEventListener("click", () => void showAlert(shown[i]!.id));
  });
}

async function showAlert(id: string) {
  const res = await api<AlertSummary & { events: { event_id: string; type: string; ts: number; user_id?: string; props?: unknown }[]; window?: Record<string, unknown>; match?: Record<string, unknown> }>(`/alerts/${encodeURIComponent(id)}`);
  const dialog = $<HTMLDialogElement>("alert-dialog");
  if (res.status !== 200) return;
  const a = res.body;
  const cause = a.window
    ? `window ${new Date(a.window.start as number).toISOString()} – ${new Date(a.window.end as number).toISOString()}: ${esc(a.window.aggregate)} = ${esc(a.window.value)}`
    : a.match ? `pattern match ${esc(a.match.match_id)}` : "–";
  dialog.innerHTML = `<button class="secondary small close" data-close>Close</button>
    <h2><span class="badge ${esc(a.severity)}">${esc(a.severity)}</span> ${esc(a.title)}</h2>
    <dl><dt>Rule</dt><dd><code>${esc(a.rule_id)}</code> v${a.rule_version} (rule set ${esc(a.rule_set_version)})</dd>
    <dt>App</dt><dd>${esc(a.app_id)}</dd><dt>Group</dt><dd><code>${esc(a.group_key)}</code></dd>
    <dt>Event time</dt><dd>${esc(new Date(a.ts).toISOString())}</dd><dt>Cause</dt><dd>${cause}</dd><dt>Alert id</dt><dd><code>${esc(a.id)}</code></dd></dl>
    <h3>Events that matched (${a.events.length})</h3>`
    + table(["Event time", "Type", "User", "Props", "Id"], a.events.map((e) => [esc(new Date(e.ts).toISOString().slice(11, 23)), `<code>${esc(e.type)}</code>`,
      esc(e.user_id ?? ""), `<code class="wrap">${esc(JSON.stringify(e.props ?? {}))}</code>`, `<code class="muted">${esc(e.event_id.slice(0, 8))}</code>`]),
    "The engine kept no event for this alert.", 'data-testid="alert-events"');
  dialog.querySelector("[data-close]")!.addEventListener("click", () => dialog.close());
  dialog.showModal();
}

void boot();
