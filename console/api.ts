/**
 * The console's HTTP surface under /console: the page and its bundle, a session login, the JSON
 * API and the live feed (Server-Sent Events: a snapshot a second, each alert as it arrives).
 * Every API answers through the caller's scope: the operator sees every app and the pipeline; an
 * app's key sees its own app's ingest and alerts and nothing else (403 on operator views).
 */
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { Alert } from "../schemas/alert.ts";
import type { AlertBuffer } from "./alerts.ts";
import type { ConsoleAuth } from "./auth.ts";
import type { Collector } from "./collector.ts";
import { NoRuleStore, type ConsoleRules } from "./rules.ts";
import type { Scope } from "./types.ts";
import type { ConsoleAssets } from "./ui/assets.ts";

export interface AlertSummary extends Omit<Alert, "events"> {
  eventCount: number;
}

const summary = ({ events, ...rest }: Alert): AlertSummary => ({ ...rest, eventCount: events.length });
const visible = (scope: Scope, alert: Alert) => scope.kind === "operator" || alert.app_id === scope.app;

type Env = { Variables: { scope: Scope } };

export function consoleRoutes(o: { auth: ConsoleAuth; collector: Collector; alerts: AlertBuffer; rules: ConsoleRules; assets: ConsoleAssets; snapshotMs?: number }): Hono<Env> {
  const snapshotMs = o.snapshotMs ?? 1_000;
  const operatorOnly = (c: Context<Env>) =>
    c.get("scope").kind === "operator" ? null : c.json({ error: "operator_only", message: "this view needs the operator key (FG_ADMIN_KEY), not an app's key" }, 403);
  const storeError = (c: Context<Env>, e: unknown) => {
    if (e instanceof NoRuleStore) return c.json({ error: "no_rule_store", message: e.message }, 409);
    throw e;
  };

  const api = new Hono<Env>()
    .use(async (c, next) => {
      const auth = await o.auth.check(c.req.raw);
      if (!auth.ok) return c.json({ error: auth.status === 401 ? "unauthorized" : "unavailable", message: auth.message }, auth.status);
      c.set("scope", auth.scope);
      await next();
    })
    .get("/whoami", (c) => c.json({ scope: c.get("scope") }))
    .get("/snapshot", (c) => c.json(o.collector.snapshot(c.get("scope"))))
    .get("/history", (c) => c.json(o.collector.history(c.get("scope"))))
    .get("/alerts", (c) => {
      const scope = c.get("scope");
      const { app, rule, severity } = c.req.query();
      const list = o.alerts.recent().filter((a) => visible(scope, a) && (!app || a.app_id === app) && (!rule || a.rule_id === rule) && (!severity || a.severity === severity));
      return c.json(list.slice(0, 200).map(summary));
    })
    .get("/alerts/:id", (c) => {
      const alert = o.alerts.get(c.req.param("id"));
      // Another app's alert is answered as missing: its existence is that app's data too.
      if (!alert || !visible(c.get("scope"), alert)) return c.json({ error: "not_found", message: "no such alert in this console's memory" }, 404);
      return c.json(alert);
    })
    .get("/stream", (c) => {
      const scope = c.get("scope");
      return streamSSE(c, async (stream) => {
        const queue: { event: string; data: string }[] = [];
        let wake: (() => void) | undefined;
        const push = (event: string, data: unknown) => {
          queue.push({ event, data: JSON.stringify(data) });
          wake?.();
        };
        const off = o.alerts.onAlert((a) => visible(scope, a) && push("alert", summary(a)));
        const timer = setInterval(() => {
          o.collector.watched();
          push("snapshot", o.collector.snapshot(scope));
          push("point", o.collector.latestPoint(scope));
        }, snapshotMs);
        stream.onAbort(() => {
          clearInterval(timer);
          off();
          wake?.();
        });
        o.collector.watched();
        push("hello", { scope });
        push("history", o.collector.history(scope));
        push("alerts", o.alerts.recent().filter((a) => visible(scope, a)).slice(0, 200).map(summary));
        push("snapshot", o.collector.snapshot(scope));
        while (!stream.aborted) {
          const next = queue.shift();
          if (next) await stream.writeSSE(next);
          else await new Promise<void>((r) => (wake = r));
        }
      });
    })
    .get("/rules", async (c) => {
      const denied = operatorOnly(c);
      if (denied) return denied;
      const snapshot = o.collector.snapshot(c.get("scope"));
      return c.json({ ...(await o.rules.list()), processors: snapshot.pipeline?.processors ?? [] });
    })
    .get("/rules/:id/history", async (c) => {
      const denied = operatorOnly(c);
      if (denied) return denied;
      try {
        return c.json(await o.rules.history(c.req.param("id")));
      } catch (e) {
        return storeError(c, e);
      }
    })
    .get("/rules/:id/diff", async (c) => {
      const denied = operatorOnly(c);
      if (denied) return denied;
      const from = Number(c.req.query("from"));
      const to = Number(c.req.query("to"));
      if (!Number.isInteger(from) || !Number.isInteger(to)) return c.json({ error: "invalid", message: "?from=<version>&to=<version> are required" }, 400);
      try {
        const patch = await o.rules.diff(c.req.param("id"), from, to);
        return patch === null ? c.json({ error: "not_found", message: `rule ${c.req.param("id")} has no version ${from} or ${to}` }, 404) : c.json({ patch });
      } catch (e) {
        return storeError(c, e);
      }
    })
    .post("/rules/:id/rollback", async (c) => {
      const denied = operatorOnly(c);
      if (denied) return denied;
      const body = (await c.req.json().catch(() => null)) as { version?: unknown; comment?: unknown } | null;
      const version = body?.version;
      if (typeof version !== "number" || !Number.isInteger(version) || version < 1)
        return c.json({ error: "invalid", message: 'expected a JSON body {"version": <positive integer>}' }, 400);
      try {
        const result = await o.rules.rollback(c.req.param("id"), version, {
          author: "console (operator)", comment: typeof body?.comment === "string" ? body.comment : "",
        });
        return c.json(result, result.ok ? 200 : 422);
      } catch (e) {
        return storeError(c, e);
      }
    });

  return new Hono<Env>()
    .get("/console", (c) => c.redirect("/console/"))
    .get("/console/", (c) => c.html(o.assets.html))
    .get("/console/app.js", async (c) => c.body(await o.assets.script(), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }))
    .get("/console/app.css", (c) => c.body(o.assets.css, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" }))
    .post("/console/api/session", async (c) => {
      const result = await o.auth.login(c.req.raw);
      if (!result.ok) return c.json({ error: result.status === 401 ? "unauthorized" : "unavailable", message: result.message }, result.status);
      c.header("set-cookie", result.cookie);
      return c.json({ scope: result.scope });
    })
    .delete("/console/api/session", (c) => {
      o.auth.logout(c.req.raw);
      c.header("set-cookie", "fg_console=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0");
      return c.body(null, 204);
    })
    .route("/console/api", api);
}
