/**
 * The bench report's verdicts: a target that passes only thanks to an
 * allowance says so, and every allowance is printed next to its verdict.
 * The stored full run is the fixture; the numbers a test depends on are set
 * here.
 */

import assert from "node:assert/strict";
import {
  type BenchResults,
  checkTargets,
  formatMarkdown,
  formatText,
  type TargetCheck,
  verdict,
} from "../../bench/_report.ts";

const STORED = new URL("../../bench/results/latest.json", import.meta.url);

/** The stored results with the p50 of some scenarios and the warm Kubernetes calls replaced. */
async function fixture(
  p50: Record<string, number>,
  warmKubeCalls: Record<string, number> = {},
): Promise<BenchResults> {
  const results = JSON.parse(await Deno.readTextFile(STORED)) as BenchResults;
  for (const scenario of results.scenarios) {
    if (scenario.name in p50) scenario.latencyMs.p50 = p50[scenario.name];
    if (scenario.mode === "warm") {
      scenario.kubeCallsPerMount = (warmKubeCalls[scenario.name] ?? 0) / scenario.mounts;
      scenario.wallMs = 4_000;
    }
  }
  return { ...results, targets: checkTargets(results) };
}

function find(results: BenchResults, start: string): TargetCheck {
  const check = results.targets.find((target) => target.target.startsWith(start));
  assert.ok(check, `no target starting with ${start}`);
  return check;
}

const FAILOVER = {
  "sm-20-warm": 31,
  "sm-20-failover-warm": 34, // slower, within +10% + 1 ms (35.1)
  "ssm-20-warm": 42,
  "ssm-20-failover-warm": 37, // faster
  "mixed-jmes-20-warm": 38,
  "mixed-jmes-20-failover-warm": 44, // slower, beyond 42.8
  "sm-20-cold": 58,
  "sm-20-failover-cold": 57,
  "ssm-20-cold": 68,
  "ssm-20-failover-cold": 67,
  "mixed-jmes-20-cold": 66,
  "mixed-jmes-20-failover-cold": 60,
};

Deno.test("failover slower than without, within the noise allowance, is a pass within allowance", async () => {
  const results = await fixture(FAILOVER);
  const slower = find(results, "sm-20 warm with a failover region");
  assert.deepEqual(slower, {
    target: "sm-20 warm with a failover region: no slower than without",
    value: "p50 34.0 ms vs 31.0 ms (+3.0 ms)",
    pass: true,
    allowance: { text: "+10% + 1 ms of noise: up to 35.1 ms", used: true },
  });
  assert.equal(verdict(slower), "PASS within allowance");
  const faster = find(results, "ssm-20 warm with a failover region");
  assert.deepEqual([faster.pass, faster.allowance?.used, verdict(faster)], [true, false, "PASS"]);
  const beyond = find(results, "mixed-jmes-20 warm with a failover region");
  assert.deepEqual([beyond.pass, verdict(beyond)], [false, "MISS"]);
});

Deno.test("one Kubernetes refresh on warm mounts passes only within its allowance", async () => {
  const none = find(await fixture({}), "Kubernetes calls per warm mount");
  assert.deepEqual([none.pass, verdict(none)], [true, "PASS"]);
  const one = find(
    await fixture({}, { "ssm-20-failover-warm": 1 }),
    "Kubernetes calls per warm mount",
  );
  assert.equal(verdict(one), "PASS within allowance");
  assert.match(one.allowance!.text, /^one refresh per scenario per 30 s .*: up to 12 in all/);
  const two = find(
    await fixture({}, { "ssm-20-failover-warm": 2 }),
    "Kubernetes calls per warm mount",
  );
  assert.equal(verdict(two), "MISS");
});

Deno.test("the text and markdown reports print each allowance next to its verdict", async () => {
  const results = await fixture(FAILOVER, { "sm-20-warm": 1 });
  // The stored run decides the other verdicts; the summary counts what they are.
  const withinAllowance =
    results.targets.filter((check) => verdict(check) === "PASS within allowance").length;
  assert.ok(withinAllowance >= 2, `${withinAllowance} passes within an allowance`);
  const text = formatText(results);
  assert.match(
    text,
    /\n {2}PASS within allowance {2}sm-20 warm with a failover region: no slower than without: p50 34\.0 ms vs 31\.0 ms \(\+3\.0 ms\) {2}\[allowance: \+10% \+ 1 ms of noise: up to 35\.1 ms\]\n/,
  );
  assert.match(
    text,
    // The summary ends the targets' section (issue 15's footprint table may follow).
    new RegExp(
      `^ {2}\\d+ PASS \\(${withinAllowance} of them only within an allowance\\), \\d+ MISS$`,
      "m",
    ),
  );
  const markdown = formatMarkdown(results);
  assert.match(markdown, /\| Target \(issue 6\) \| Measured \| Allowance \| Verdict \|/);
  assert.match(
    markdown,
    /\| sm-20 warm with a failover region: no slower than without \| p50 34\.0 ms vs 31\.0 ms \(\+3\.0 ms\) \| \+10% \+ 1 ms of noise: up to 35\.1 ms \| PASS within allowance \|/,
  );
  assert.match(
    markdown,
    /\| storm: all \d+ mounts succeed [^|]*\| \d+\/\d+ \| none \| (PASS|\*\*MISS\*\*) \|/,
  );
  assert.match(
    markdown,
    new RegExp(`\\d+ PASS \\(${withinAllowance} of them only within an allowance\\), \\d+ MISS\\.`),
  );
});
