/**
 * The rule store in Postgres: every pushed version kept, a current version per rule, and numbered
 * rule-set revisions (the combination of versions processors run). A push or rollback is one
 * transaction that validates the WHOLE resulting set first, so the store never holds a current
 * set that a processor would refuse.
 */
import type { Sql, TransactionSql } from "postgres";
import type { RuleProblem } from "../language/parse.ts";
import { validateRuleTexts, type RuleText } from "../set/rule-set.ts";
import { ensureRuleTables } from "./store-schema.ts";

export interface StoredRule {
  id: string;
  version: number;
  body: unknown;
}

/** A revision as published on the rules topic and stored in rule_sets. */
export interface PublishedRuleSet {
  revision: number;
  created_at: number;
  rules: StoredRule[];
}

export interface ChangeMeta {
  author: string;
  comment?: string;
}

export type ChangeResult =
  | { ok: true; revision: number; changed: { id: string; version: number }[]; ruleSet: PublishedRuleSet }
  | { ok: false; problems: RuleProblem[] };

export interface RuleSummary {
  id: string;
  version: number;
  latest_version: number;
  author: string;
  updated_at: Date;
  description: string;
}

export interface RuleVersionRow {
  id: string;
  version: number;
  current: boolean;
  author: string;
  comment: string;
  created_at: Date;
  definition_hash: string;
  body: unknown;
}

/** A revision that made another version of a rule current: a push, or a rollback. */
export interface RuleSwitchRow {
  revision: number;
  version: number;
  previous: number | null;
  author: string;
  comment: string;
  created_at: Date;
}

export interface RuleStore {
  init(): Promise<void>;
  push(texts: readonly RuleText[], meta: ChangeMeta): Promise<ChangeResult>;
  rollback(id: string, version: number, meta: ChangeMeta): Promise<ChangeResult>;
  list(): Promise<RuleSummary[]>;
  history(id: string): Promise<RuleVersionRow[]>;
  /** Who made which version current when, oldest first (versions say who wrote them; this says who ran them). */
  switches(id: string): Promise<RuleSwitchRow[]>;
  current(): Promise<PublishedRuleSet | null>;
}

/** A stored set as rule texts, so every consumer validates it with the same code as files. */
export const storedTexts = (set: Pick<PublishedRuleSet, "rules">): RuleText[] =>
  set.rules.map((r) => ({ file: `store:${r.id}@v${r.version}`, text: JSON.stringify(r.body), version: r.version }));

class Refused extends Error {
  constructor(readonly problems: RuleProblem[]) {
    super("rule set refused");
  }
}

export function createRuleStore(sql: Sql, schema = "fluxgate"): RuleStore {
  const s = sql(schema);

  async function currentRules(tx: TransactionSql | Sql): Promise<StoredRule[]> {
    return tx<StoredRule[]>`
      select r.id, r.current_version as version, v.body
      from ${s}.rules r join ${s}.rule_versions v on v.id = r.id and v.version = r.current_version
      order by r.id`;
  }

  /** Checks the whole resulting set, then records it as a new revision. */
  async function publish(tx: TransactionSql, meta: ChangeMeta): Promise<PublishedRuleSet> {
    const rules = await currentRules(tx);
    const check = validateRuleTexts(storedTexts({ rules }));
    if (!check.ok) throw new Refused(check.problems);
    const versions = Object.fromEntries(rules.map((r) => [r.id, r.version]));
    const [row] = await tx<{ revision: string; created_at: Date }[]>`
      insert into ${s}.rule_sets (versions, author, comment) values (${tx.json(versions)}, ${meta.author}, ${meta.comment ?? ""})
      returning revision, created_at`;
    return { revision: Number(row!.revision), created_at: row!.created_at.getTime(), rules };
  }

  async function latest(tx: TransactionSql | Sql): Promise<PublishedRuleSet | null> {
    const [row] = await tx<{ revision: string; created_at: Date; versions: Record<string, number> }[]>`
      select revision, created_at, versions from ${s}.rule_sets order by revision desc limit 1`;
    if (!row) return null;
    const ids = Object.keys(row.versions);
    const rules = ids.length
      ? await tx<StoredRule[]>`
          select id, version, body from ${s}.rule_versions
          where (id, version) in (select key, value::int from jsonb_each_text(${tx.json(row.versions)}))
          order by id`
      : [];
    return { revision: Number(row.revision), created_at: row.created_at.getTime(), rules };
  }

  /** Pushes and rollbacks are serialised: each validates the set the previous one left. */
  async function change(work: (tx: TransactionSql) => Promise<{ id: string; version: number }[]>, meta: ChangeMeta): Promise<ChangeResult> {
    try {
      return await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext(${`fluxgate-rules:${schema}`}))`;
        const changed = await work(tx);
        const previous = await latest(tx);
        if (changed.length === 0 && previous) return { ok: true as const, revision: previous.revision, changed, ruleSet: previous };
        const ruleSet = await publish(tx, meta);
        return { ok: true as const, revision: ruleSet.revision, changed, ruleSet };
      });
    } catch (e) {
      if (e instanceof Refused) return { ok: false, problems: e.problems };
      throw e;
    }
  }

  return {
    init: () => ensureRuleTables(sql, schema),

    async push(texts, meta) {
      const pushed = validateRuleTexts(texts);
      if (!pushed.ok) return { ok: false, problems: pushed.problems };
      return change(async (tx) => {
        const changed: { id: string; version: number }[] = [];
        for (const { parsed, compiled } of pushed.rules) {
          const [cur] = await tx<{ definition_hash: string; max: number }[]>`
            select v.definition_hash, (select max(version) from ${s}.rule_versions where id = ${compiled.id}) as max
            from ${s}.rules r join ${s}.rule_versions v on v.id = r.id and v.version = r.current_version
            where r.id = ${compiled.id}`;
          if (cur?.definition_hash === compiled.definitionHash) continue;
          const version = (cur?.max ?? 0) + 1;
          await tx`insert into ${s}.rule_versions (id, version, body, definition_hash, author, comment)
            values (${compiled.id}, ${version}, ${tx.json(parsed.body as never)}, ${compiled.definitionHash}, ${meta.author}, ${meta.comment ?? ""})`;
          await tx`insert into ${s}.rules (id, current_version) values (${compiled.id}, ${version})
            on conflict (id) do update set current_version = excluded.current_version, updated_at = now()`;
          changed.push({ id: compiled.id, version });
        }
        return changed;
      }, meta);
    },

    async rollback(id, version, meta) {
      const [exists] = await sql`select 1 from ${s}.rule_versions where id = ${id} and version = ${version}`;
      if (!exists) {
        const problem = { file: `store:${id}`, line: 1, column: 1, path: "", message: `rule ${id} has no version ${version} (see rules history ${id})` };
        return { ok: false, problems: [problem] };
      }
      return change(async (tx) => {
        const [row] = await tx<{ current_version: number }[]>`select current_version from ${s}.rules where id = ${id}`;
        if (row?.current_version === version) return [];
        await tx`update ${s}.rules set current_version = ${version}, updated_at = now() where id = ${id}`;
        return [{ id, version }];
      }, { ...meta, comment: meta.comment || `rollback ${id} to version ${version}` });
    },

    async list() {
      return sql<RuleSummary[]>`
        select r.id, r.current_version as version,
               (select max(version) from ${s}.rule_versions x where x.id = r.id) as latest_version,
               v.author, r.updated_at, coalesce(v.body->>'description', '') as description
        from ${s}.rules r join ${s}.rule_versions v on v.id = r.id and v.version = r.current_version
        order by r.id`;
    },

    async history(id) {
      return sql<RuleVersionRow[]>`
        select v.id, v.version, (r.current_version = v.version) as current, v.author, v.comment, v.created_at, v.definition_hash, v.body
        from ${s}.rule_versions v left join ${s}.rules r on r.id = v.id
        where v.id = ${id} order by v.version`;
    },

    async switches(id) {
      const rows = await sql<(Omit<RuleSwitchRow, "revision"> & { revision: string })[]>`
        select revision, version, previous, author, comment, created_at from (
          select revision, (versions->>${id})::int as version, author, comment, created_at,
                 lag((versions->>${id})::int) over (order by revision) as previous
          from ${s}.rule_sets) x
        where version is not null and version is distinct from previous
        order by revision`;
      return rows.map((r) => ({ ...r, revision: Number(r.revision) }));
    },

    current: () => latest(sql),
  };
}
