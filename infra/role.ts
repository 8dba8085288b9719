/**
 * What every role (gateway, processor, store) is to the entry point: something that starts,
 * reports readiness, and stops by draining its in-flight work within a deadline.
 */
import type { Bus } from "./bus/port.ts";
import type { RoleStatus } from "../schemas/status.ts";
import type { SharedEnv } from "./config/shared.ts";
import type { Topics } from "./bus/topics.ts";
import type { Logger } from "./telemetry/logger.ts";

/** E: the role's own config type; the composition root hands every role the whole parsed configuration. */
export interface RoleContext<E extends SharedEnv = SharedEnv> {
  env: E;
  bus: Bus;
  topics: Topics;
  logger: Logger;
  /** More HTTP routes for the role that serves HTTP (the console); undefined = not one of them. */
  routes?: (req: Request) => Response | Promise<Response> | undefined;
}

export interface Role {
  readonly name: string;
  start(): Promise<void>;
  /** True while the role does its job (connected, consuming); a role without it is ready once started. */
  ready?(): boolean;
  /** What operators' views show about the role (e.g. the processor's rule set). */
  status?(): RoleStatus;
  /** Drains in-flight work; resolves when nothing more will be written. */
  stop(): Promise<void>;
}

export type RoleFactory<E extends SharedEnv = SharedEnv> = (ctx: RoleContext<E>) => Role;
