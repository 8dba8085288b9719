/**
 * Where a rule runs. fg.events is keyed `app_id:key`, so a rule whose group is (app_id, key) sees
 * every event of a group on one partition and runs LOCAL, on the partition's engine. Any other
 * grouping (app_id alone, user_id, which clients may key differently, a property) can span
 * partitions: such a rule is REPARTITIONED, its events re-keyed by group to fg.repartition.
 */
import type { CompiledRule } from "../../rules/compile/rule.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";

/** The group field that, with app_id, makes up fg.events' message key. */
const PARTITION_FIELD = "key";

export const isLocal = (rule: Pick<CompiledRule, "groupBy">): boolean => rule.groupBy === PARTITION_FIELD;

/** The rules each stage runs, under the set's version (a stage switches when the version changes). */
export const localRules = (set: RuleSet): RuleSet => ({ version: set.version, rules: set.rules.filter(isLocal) });
export const repartitionedRules = (set: RuleSet): RuleSet => ({ version: set.version, rules: set.rules.filter((r) => !isLocal(r)) });
