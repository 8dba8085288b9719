/**
 * What a role tells operators' views (the console) about itself, through Role.status(): shared by
 * the roles that report it and the console that shows it, so neither reaches into the other.
 */

/** The rule set a processor runs, and the last one it was offered (which may have been refused). */
export interface RuleSetStatus {
  state: "ok" | "outdated" | "failed" | "starting";
  /** Version of the running set: the store's revision, or a content hash for a rules directory. */
  running: string | null;
  /** Version most recently offered (running, or refused). */
  latest: string | null;
  /** Why the latest was refused, each `file:line:column: message`. */
  problems: string[];
  /** The rules of the running set. */
  rules: { id: string; version: number; app: string; kind: string; enabled: boolean }[];
}

export interface RoleStatus {
  rules?: RuleSetStatus;
}

/** One event the gateway refused, as operators' views show it (newest few per reason are kept). */
export interface RejectSample {
  at: number;
  app: string;
  source: string;
  reason: string;
  /** The error text the client got, e.g. `props.amount: expected number, got string`. */
  message: string;
  /** What was submitted (kept by reference; shortened when shown). */
  event?: unknown;
}
