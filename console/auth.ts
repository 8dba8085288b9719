/**
 * Who may use the console: the operator key (FG_ADMIN_KEY; one is generated per process when it is
 * unset, and printed with the console's URL) sees everything; an app's API key is accepted too,
 * but scoped to its app's data, as everywhere else. A credential comes in the Authorization /
 * X-API-Key header (API clients) or is exchanged once for a session cookie (the page: EventSource
 * cannot send headers). Sessions live in memory, bounded, and end with the process.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { apiKeyOf, type Authenticator } from "../gateway/keys/index.ts";
import type { Scope } from "./types.ts";

export const SESSION_COOKIE = "fg_console";
const SESSION_TTL_MS = 12 * 3_600_000;
const MAX_SESSIONS = 1_000;

export type AuthOutcome = { ok: true; scope: Scope } | { ok: false; status: 401 | 503; message: string };

export interface ConsoleAuth {
  /** The credential a request carries, header first, then the session cookie. */
  check(req: Request): Promise<AuthOutcome>;
  /** Trades a credential for a session cookie value. */
  login(req: Request): Promise<{ ok: true; scope: Scope; cookie: string } | Extract<AuthOutcome, { ok: false }>>;
  logout(req: Request): void;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

export function generateAdminKey(): string {
  return `fgadm_${randomBytes(24).toString("base64url")}`;
}

function cookieOf(req: Request): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === SESSION_COOKIE) return v.join("=");
  }
  return undefined;
}

export function createConsoleAuth(o: { adminKey: string; apps: Authenticator; now?: () => number }): ConsoleAuth {
  const now = o.now ?? Date.now;
  const admin = digest(o.adminKey);
  const sessions = new Map<string, { scope: Scope; until: number }>();

  async function byCredential(secret: string | undefined): Promise<AuthOutcome> {
    if (!secret) return { ok: false, status: 401, message: "the console needs the operator key (FG_ADMIN_KEY) or an app's API key" };
    if (timingSafeEqual(digest(secret), admin)) return { ok: true, scope: { kind: "operator" } };
    const auth = await o.apps.authenticate(secret).catch(() => null);
    if (!auth) return { ok: false, status: 503, message: "cannot check API keys right now" };
    if (!auth.ok) return { ok: false, status: 401, message: auth.message };
    return { ok: true, scope: { kind: "app", app: auth.principal.appId } };
  }

  return {
    async check(req) {
      const secret = apiKeyOf(req.headers);
      if (secret) return byCredential(secret);
      const token = cookieOf(req);
      const session = token ? sessions.get(token) : undefined;
      if (session && session.until > now()) return { ok: true, scope: session.scope };
      if (token) sessions.delete(token);
      return byCredential(undefined);
    },
    async login(req) {
      const result = await byCredential(apiKeyOf(req.headers));
      if (!result.ok) return result;
      for (const [t, s] of sessions) if (s.until <= now()) sessions.delete(t);
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const token = randomBytes(24).toString("base64url");
      sessions.set(token, { scope: result.scope, until: now() + SESSION_TTL_MS });
      return { ok: true, scope: result.scope, cookie: `${SESSION_COOKIE}=${token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}` };
    },
    logout(req) {
      const token = cookieOf(req);
      if (token) sessions.delete(token);
    },
  };
}
