/** Topic names from docs/design.md, with the configurable prefix applied in one place. */
import type { TopicSpec } from "./port.ts";

export interface Topics {
  events: string;
  dlq: string;
  windows: string;
  alerts: string;
  /** Events too late for their windows (beyond allowed lateness): kept, never dropped. */
  late: string;
  /** Internal: events of rules whose grouping does not follow fg.events' partitioning, keyed by rule and group (processor/repartition). */
  repartition: string;
}

export function topicNames(prefix: string): Topics {
  return {
    events: `${prefix}fg.events`,
    dlq: `${prefix}fg.events.dlq`,
    windows: `${prefix}fg.windows`,
    alerts: `${prefix}fg.alerts`,
    late: `${prefix}fg.windows.late`,
    repartition: `${prefix}fg.repartition`,
  };
}

export function topicSpecs(topics: Topics, partitions = 4): TopicSpec[] {
  return Object.values(topics).map((name) => ({ name, partitions }));
}
