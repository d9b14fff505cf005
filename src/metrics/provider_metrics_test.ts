import assert from "node:assert/strict";
import {
  type MetricSources,
  type MountObservation as MountRecord,
  ProviderMetrics,
} from "./provider_metrics.ts";

const PREFIX = "secrets_store_provider_aws_";

function sources(overrides: Partial<MetricSources> = {}): MetricSources {
  return {
    version: "9.8.7",
    inFlight: () => 0,
    caches: () => ({}),
    podIdentityAgentCalls: () => 0,
    ...overrides,
  };
}

function mount(overrides: Partial<MountRecord> = {}): MountRecord {
  return { durationMs: 120, outcome: "ok", summary: {}, ...overrides };
}

/** The sample lines of `name` (exact metric name or with a histogram suffix). */
function samples(text: string, name: string): string[] {
  return text.split("\n").filter((line) =>
    !line.startsWith("#") && new RegExp(`^${name}(_bucket|_sum|_count)?[{ ]`).test(line)
  );
}

/** The metrics of README.md's Observability table: name, type guessed from the name, labels. */
async function documentedMetrics(): Promise<{ name: string; labels: string[] }[]> {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.split("\n## Observability\n")[1].split("\n## ")[0];
  const rows = section.split("\n").filter((line) => line.startsWith(`| \`${PREFIX}`));
  return rows.map((row) => {
    const [, name, labels] = row.split("|").map((cell) => cell.trim());
    return {
      name: name.replaceAll("`", ""),
      // Values in parentheses are examples of label values, not label names.
      labels: [...labels.replace(/\([^)]*\)/g, "").matchAll(/`([^`]+)`/g)].map((m) => m[1]),
    };
  });
}

Deno.test("a successful mount is observed in the duration histogram with outcome ok and counts no error", () => {
  const metrics = new ProviderMetrics(sources());
  metrics.recordMount(mount({ durationMs: 120 }));
  const text = metrics.render();
  assert.ok(
    text.includes(`${PREFIX}mount_duration_seconds_bucket{outcome="ok",le="0.1"} 0\n`),
    text,
  );
  assert.ok(text.includes(`${PREFIX}mount_duration_seconds_bucket{outcome="ok",le="0.25"} 1\n`));
  assert.ok(text.includes(`${PREFIX}mount_duration_seconds_sum{outcome="ok"} 0.12\n`));
  assert.ok(text.includes(`${PREFIX}mount_duration_seconds_count{outcome="ok"} 1\n`));
  assert.deepEqual(samples(text, `${PREFIX}mount_errors_total`), []);
});

Deno.test("a failed mount counts an error by code and is observed with the code as outcome", () => {
  const metrics = new ProviderMetrics(sources());
  metrics.recordMount(mount({ outcome: "FetchError" }));
  metrics.recordMount(mount({ outcome: "FetchError" }));
  metrics.recordMount(mount({ outcome: "TokenError" }));
  const text = metrics.render();
  assert.deepEqual(samples(text, `${PREFIX}mount_errors_total`), [
    `${PREFIX}mount_errors_total{code="FetchError"} 2`,
    `${PREFIX}mount_errors_total{code="TokenError"} 1`,
  ]);
  assert.ok(text.includes(`${PREFIX}mount_duration_seconds_count{outcome="FetchError"} 2\n`));
});

Deno.test("objects served by the failover region are added to the failover counter", () => {
  const metrics = new ProviderMetrics(sources());
  metrics.recordMount(mount({ summary: { failovers: 2 } }));
  metrics.recordMount(mount({ summary: { failovers: 0 } }));
  metrics.recordMount(mount({ summary: { failovers: 3 } }));
  assert.deepEqual(samples(metrics.render(), `${PREFIX}failover_objects_total`), [
    `${PREFIX}failover_objects_total 5`,
  ]);
});

Deno.test("AWS attempts are counted by service, api, region and outcome", () => {
  const metrics = new ProviderMetrics(sources());
  const call = {
    service: "secretsmanager",
    api: "GetSecretValue",
    region: "us-east-1",
    outcome: "throttled",
  } as const;
  metrics.recordAwsCall(call);
  metrics.recordAwsCall(call);
  metrics.recordAwsCall({
    service: "sts",
    api: "AssumeRoleWithWebIdentity",
    region: "us-west-2",
    outcome: "ok",
  });
  assert.deepEqual(samples(metrics.render(), `${PREFIX}aws_calls_total`), [
    `${PREFIX}aws_calls_total{service="secretsmanager",api="GetSecretValue",region="us-east-1",outcome="throttled"} 2`,
    `${PREFIX}aws_calls_total{service="sts",api="AssumeRoleWithWebIdentity",region="us-west-2",outcome="ok"} 1`,
  ]);
});

Deno.test("regions where no endpoint answered share the label value 'other'", () => {
  const metrics = new ProviderMetrics(sources());
  for (let i = 0; i < 100; i++) {
    metrics.recordAwsCall({
      service: "secretsmanager",
      api: "GetSecretValue",
      region: `zz-made-up-${i}`,
      outcome: "network_error",
    });
  }
  assert.deepEqual(samples(metrics.render(), `${PREFIX}aws_calls_total`), [
    `${PREFIX}aws_calls_total{service="secretsmanager",api="GetSecretValue",region="other",outcome="network_error"} 100`,
  ]);
});

Deno.test("Kubernetes reads are counted by resource and outcome", () => {
  const metrics = new ProviderMetrics(sources());
  metrics.recordKubeCall("serviceaccounts", "ok");
  metrics.recordKubeCall("pods", "error");
  metrics.recordKubeCall("serviceaccounts", "ok");
  assert.deepEqual(samples(metrics.render(), `${PREFIX}kubernetes_calls_total`), [
    `${PREFIX}kubernetes_calls_total{resource="serviceaccounts",outcome="ok"} 2`,
    `${PREFIX}kubernetes_calls_total{resource="pods",outcome="error"} 1`,
  ]);
});

Deno.test("in-flight mounts, cache lookups and agent calls are read from the sources at every scrape", () => {
  let inFlight = 4;
  let hits = 10;
  const metrics = new ProviderMetrics(sources({
    inFlight: () => inFlight,
    caches: () => ({
      credentials: { hits, misses: 2 },
      kubernetes: { hits: 0, misses: 1 },
    }),
    podIdentityAgentCalls: () => 6,
  }));
  const first = metrics.render();
  assert.deepEqual(samples(first, `${PREFIX}mounts_in_flight`), [`${PREFIX}mounts_in_flight 4`]);
  assert.deepEqual(samples(first, `${PREFIX}cache_requests_total`), [
    `${PREFIX}cache_requests_total{cache="credentials",result="hit"} 10`,
    `${PREFIX}cache_requests_total{cache="credentials",result="miss"} 2`,
    `${PREFIX}cache_requests_total{cache="kubernetes",result="hit"} 0`,
    `${PREFIX}cache_requests_total{cache="kubernetes",result="miss"} 1`,
  ]);
  assert.deepEqual(samples(first, `${PREFIX}pod_identity_agent_calls_total`), [
    `${PREFIX}pod_identity_agent_calls_total 6`,
  ]);
  inFlight = 0;
  hits = 11;
  const second = metrics.render();
  assert.deepEqual(samples(second, `${PREFIX}mounts_in_flight`), [`${PREFIX}mounts_in_flight 0`]);
  assert.ok(
    second.includes(`${PREFIX}cache_requests_total{cache="credentials",result="hit"} 11\n`),
  );
});

Deno.test("build_info is 1 with the provider, Deno and V8 versions", () => {
  const text = new ProviderMetrics(sources()).render();
  assert.deepEqual(samples(text, `${PREFIX}build_info`), [
    `${PREFIX}build_info{version="9.8.7",deno="${Deno.version.deno}",v8="${Deno.version.v8}"} 1`,
  ]);
});

Deno.test("process memory is reported by kind", () => {
  const lines = samples(new ProviderMetrics(sources()).render(), `${PREFIX}memory_bytes`);
  assert.deepEqual(
    lines.map((line) => /kind="([^"]+)"/.exec(line)?.[1]),
    ["rss", "heap_total", "heap_used", "external"],
  );
  for (const line of lines) assert.match(line, / [1-9]\d*$/);
});

Deno.test("every metric in the README's Observability table is rendered with its documented labels", async () => {
  const documented = await documentedMetrics();
  assert.equal(documented.length, 12, "README Observability table rows");
  const metrics = new ProviderMetrics(sources({
    inFlight: () => 1,
    caches: () => ({ credentials: { hits: 1, misses: 1 } }),
    podIdentityAgentCalls: () => 1,
  }));
  metrics.recordMount(mount({ outcome: "FetchError", summary: { failovers: 1 } }));
  metrics.recordAwsCall({
    service: "ssm",
    api: "GetParameters",
    region: "eu-west-1",
    outcome: "ok",
  });
  metrics.recordKubeCall("nodes", "ok");
  metrics.recordEventLoopDelay(0.002, 0.001);
  const text = metrics.render();
  for (const { name, labels } of documented) {
    assert.match(text, new RegExp(`^# HELP ${name} \\S`, "m"), name);
    const type = name.endsWith("_total")
      ? "counter"
      : name.endsWith("_seconds")
      ? "histogram"
      : "gauge";
    assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, "m"), name);
    const lines = samples(text, name);
    assert.ok(lines.length > 0, `${name} has no samples`);
    for (const line of lines) {
      const names = [...line.matchAll(/[{,]([a-zA-Z_]\w*)="/g)].map((m) => m[1]).filter((n) =>
        n !== "le"
      );
      assert.deepEqual(names, labels, line);
    }
  }
  // And nothing rendered that the table leaves out.
  const rendered = [...text.matchAll(/^# HELP (\S+) /gm)].map((match) => match[1]).sort();
  assert.deepEqual(rendered, documented.map(({ name }) => name).sort());
});
