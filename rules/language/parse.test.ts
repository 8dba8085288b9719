import { describe, expect, test } from "bun:test";
import { formatProblem, parseRuleText } from "./parse.ts";

const problems = (text: string, file = "r.yaml") => {
  const r = parseRuleText(text, file);
  if (r.ok) throw new Error("expected problems, got a valid rule");
  return r.problems.map(formatProblem);
};

const base = `id: r1
app: shop
description: d
severity: warning
`;
const window = `window:
  type: tumbling
  size: 1m
  threshold: { gt: 3 }
`;

describe("valid files", () => {
  test("a single rule doc, with defaults filled and durations in ms", () => {
    const r = parseRuleText(base + window, "r.yaml");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [rule] = r.rules;
    expect(rule!.rule.window).toMatchObject({ type: "tumbling", size: 60_000, aggregate: "count", allowed_lateness: 0 });
    expect(rule!.rule.group_by).toBe("key");
    expect(rule!.rule.alert).toEqual({ dedup_key: "{{rule_id}}:{{app_id}}:{{group_key}}", throttle: 0, sinks: ["topic"] });
    expect(rule!.line).toBe(1);
  });

  test("a rules: list and several YAML documents in one file", () => {
    const list = `rules:\n  - ${(base + window).trim().replaceAll("\n", "\n    ")}\n  - ${(base + window).replace("r1", "r2").trim().replaceAll("\n", "\n    ")}\n`;
    const r = parseRuleText(`${list}---\n${base.replace("r1", "r3")}${window}`, "r.yaml");
    expect(r.ok && r.rules.map((x) => [x.rule.id, x.line])).toEqual([["r1", 2], ["r2", 10], ["r3", 19]]);
  });

  test("JSON files parse the same way", () => {
    const r = parseRuleText(JSON.stringify({ id: "j", app: "*", description: "d", severity: "info", window: { type: "session", gap: "30m", threshold: { gte: 1 } } }), "r.json");
    expect(r.ok && r.rules[0]!.rule.window).toMatchObject({ type: "session", gap: 1_800_000 });
  });
});

describe("errors name file, line and column, and say what was expected", () => {
  test("a misspelt enum value", () => {
    expect(problems(base.replace("warning", "warnig") + window)).toEqual([
      'r.yaml:4:11: severity: expected one of "info", "warning", "critical", got "warnig"',
    ]);
  });

  test("an unknown key points at the key", () => {
    expect(problems(base + window.replace("  size: 1m", "  size: 1m\n  sise: 2m"))).toEqual(['r.yaml:8:3: window.sise: unknown key "sise"']);
  });

  test("a bad duration and a hop that does not divide the size", () => {
    expect(problems(`${base}window: { type: hopping, size: 5x, hop: 1m, threshold: { gt: 1 } }\n`)).toEqual([
      'r.yaml:5:32: window.size: must be a duration such as "90s", "5m", "1h" or "30d"',
    ]);
    expect(problems(`${base}window: { type: hopping, size: 5m, hop: 2m, threshold: { gt: 1 } }\n`)).toEqual([
      "r.yaml:5:41: window.hop: must divide size evenly, so every event falls into the same number of windows",
    ]);
  });

  test("filters: unknown envelope field (at the key), unknown operator, regex that does not compile", () => {
    const text = `${base}filter:\n  tpye: x\n  props.amount: { gtt: 3 }\n  any:\n    - user_id: { regex: "(" }\n${window}`;
    expect(problems(text)).toEqual([
      'r.yaml:6:3: filter.tpye: unknown field "tpye": expected one of event_id, app_id, type, ts, received_at, key, user_id, session_id, props, source (payload fields are props.<name>)',
      'r.yaml:7:19: filter.props.amount.gtt: unknown key "gtt"',
      "r.yaml:9:25: filter.any[0].user_id.regex: regex does not compile: Invalid regular expression: missing )",
    ]);
  });

  test("a bare props is no field to compare: the rule language and the specs' paths say so alike", () => {
    const text = `${base}filter:\n  props: { exists: true }\n${window}`;
    expect(problems(text)).toEqual(["r.yaml:6:3: filter.props: props needs a field: props.<name>"]);
  });

  test("a missing field is reported at its parent, and exactly one of window or pattern", () => {
    expect(problems("id: r1\napp: shop\nseverity: info\n" + window)).toEqual(["r.yaml:1:1: description: missing: expected a string"]);
    expect(problems(base)).toEqual(["r.yaml:1:1: needs exactly one of window or pattern"]);
  });

  test("in a rules: list, paths and positions point into the right rule", () => {
    const text = `rules:\n  - id: ok\n    app: shop\n    description: d\n    severity: info\n    window: { type: tumbling, size: 1m, threshold: { gt: 1 } }\n  - id: Bad!\n    app: shop\n    description: d\n    severity: info\n    window: { type: tumbling, size: 1m, threshold: { gt: 1 } }\n`;
    expect(problems(text)).toEqual(["r.yaml:7:9: rules[1].id: must be 1-128 of [a-z0-9_.-], starting with a letter or digit"]);
  });

  test("JSON errors have positions too", () => {
    expect(problems('{"id": "j", "app": "shop", "description": "d", "severity": "info", "window": {"type": "weekly"}}', "r.json")).toEqual([
      "r.json:1:87: window.type: Invalid discriminator value. Expected 'tumbling' | 'hopping' | 'session', got \"weekly\"",
    ]);
  });

  test("YAML syntax errors and empty files", () => {
    expect(problems("id: [\n")[0]).toStartWith("r.yaml:1:");
    expect(problems("")).toEqual(["r.yaml:1:1: no rule found: expected a rule or `rules:` with a list of rules"]);
    expect(problems("id: a\nid: b\n")[0]).toContain("not valid YAML/JSON: Map keys must be unique");
    // A syntax error is placed where it is, not at the top of the file.
    expect(problems("id: a\nid: b\n")[0]).toStartWith("r.yaml:2:1:");
    expect(problems("a: 1\nb: { c: 1\nd: 2\n")[0]).toMatch(/^r\.yaml:3:/);
  });

  test("pattern checks that span steps", () => {
    const pattern = (steps: string, extra = "") => `${base}pattern:\n${extra}  steps:\n${steps}`;
    expect(problems(pattern("    - name: a\n      contiguity: next\n      filter: { type: a }\n"))).toEqual([
      "r.yaml:8:7: pattern.steps[0].contiguity: the first step has no contiguity: nothing comes before it",
    ]);
    expect(problems(pattern("    - name: a\n      filter: { type: a }\n    - name: gone\n      contiguity: notFollowedBy\n      filter: { type: b }\n"))).toEqual([
      'r.yaml:6:3: pattern: the trailing notFollowedBy step "gone" needs within: absence is only certain once the time is up',
    ]);
    const laterRef = "    - name: a\n      filter: { props.x: { gt: { ref: { step: b, agg: max, field: props.x } } } }\n    - name: b\n      filter: { type: b }\n";
    expect(problems(pattern(laterRef))).toEqual(['r.yaml:8:32: pattern.steps[0].filter.props.x.gt: ref to step "b", which is not this or an earlier step']);
  });

  test("ref operands only inside pattern steps; template placeholders are checked", () => {
    const ref = `${base}filter: { props.x: { gt: { ref: { step: a, agg: count } } } }\n${window}`;
    expect(problems(ref)).toEqual(["r.yaml:5:26: filter.props.x.gt: ref operands compare with earlier pattern steps, so they are only allowed in pattern steps"]);
    expect(problems(`${base}${window}alert: { dedup_key: "{{rule}}" }\n`)).toEqual([
      "r.yaml:9:21: alert.dedup_key: unknown placeholder {{rule}}: expected one of {{rule_id}}, {{app_id}}, {{group_key}}, {{severity}}, {{value}}",
    ]);
  });
});
