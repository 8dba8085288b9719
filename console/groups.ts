/**
 * The consumer groups this process runs, learnt at the bus port: a wrapper records each
 * subscribe()'s group and topics, so the console asks the bus for exactly their lag without
 * knowing how any role names its groups.
 */
import type { Bus } from "../infra/bus/port.ts";

export interface GroupRegistry {
  list(): { groupId: string; topics: string[] }[];
}

export function recordGroups(bus: Bus, ignore: (groupId: string) => boolean): { bus: Bus; groups: GroupRegistry } {
  const groups = new Map<string, Set<string>>();
  return {
    bus: {
      ...bus,
      kind: bus.kind,
      subscribe(options, handler) {
        if (!ignore(options.groupId)) {
          const topics = groups.get(options.groupId) ?? new Set();
          for (const t of options.topics) topics.add(t);
          groups.set(options.groupId, topics);
        }
        return bus.subscribe(options, handler);
      },
    },
    groups: { list: () => [...groups].map(([groupId, topics]) => ({ groupId, topics: [...topics] })) },
  };
}
