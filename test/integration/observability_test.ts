/**
 * The metrics, health and readiness endpoints of the running provider.
 */

import assert from "node:assert/strict";
import { FAILOVER_REGION, PRIMARY_REGION, startStack } from "../../devstack/mod.ts";

const P = "secrets_store_provider_aws_";

/** Samples of a Prometheus text page: `name{k="v",...}` (labels sorted) → value. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels = match[2] ? [...match[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)] : [];
    const key = labels.map(([, k, v]) => `${k}="${v}"`).sort().join(",");
    samples.set(`${match[1]}{${key}}`, Number(match[3]));
  }
  return samples;
}

function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}) {
  const key = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(",");
  return samples.get(`${name}{${key}}`);
}

Deno.test({
  name:
    "/metrics counts mounts, errors, AWS calls by outcome, failovers, Kubernetes calls and caches",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack({
      provider: {
        env: { AWS_MAX_ATTEMPTS: "1" },
      },
    });
    const { provider } = stack;
    for (const region of [PRIMARY_REGION, FAILOVER_REGION]) {
      await stack.seeder.createSecret(region, "it-obs-secret", `value-in-${region}`);
    }
    const mount = async (objects: string, failoverRegion?: string) =>
      provider.driver.mount({
        targetPath: await provider.newTargetPath(),
        parameters: {
          region: PRIMARY_REGION,
          ...(failoverRegion ? { failoverRegion } : {}),
          objects,
        },
      });
    const secret = "- {objectName: it-obs-secret, objectType: secretsmanager}";
    const ok = await provider.driver.mount({
      targetPath: await provider.newTargetPath(),
      parameters: { region: PRIMARY_REGION, objects: secret },
    });
    assert.equal(ok.ok, true);
    const missing = await mount("- {objectName: it-obs-missing, objectType: secretsmanager}");
    assert.equal(missing.ok, false);
    stack.proxy.setFault({ region: PRIMARY_REGION }, { kind: "throttle" });
    const failedOver = await provider.driver.mount({
      targetPath: await provider.newTargetPath(),
      parameters: { region: PRIMARY_REGION, failoverRegion: FAILOVER_REGION, objects: secret },
    });
    stack.proxy.clearFaults();
    assert.equal(failedOver.ok, true);

    const response = await fetch(`${provider.process.metricsUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await response.text());
    assert.equal(sample(samples, `${P}mount_duration_seconds_count`, { outcome: "ok" }), 2);
    assert.equal(sample(samples, `${P}mount_duration_seconds_count`, { outcome: "FetchError" }), 1);
    assert.equal(sample(samples, `${P}mount_errors_total`, { code: "FetchError" }), 1);
    assert.equal(sample(samples, `${P}failover_objects_total`), 1);
    assert.equal(sample(samples, `${P}mounts_in_flight`), 0);
    const calls = (labels: Record<string, string>) =>
      sample(samples, `${P}aws_calls_total`, labels);
    assert.equal(
      calls({
        service: "secretsmanager",
        api: "BatchGetSecretValue",
        region: PRIMARY_REGION,
        outcome: "ok",
      }),
      2,
    );
    assert.ok(
      (calls({
        service: "secretsmanager",
        api: "BatchGetSecretValue",
        region: PRIMARY_REGION,
        outcome: "throttled",
      }) ?? 0) >= 1,
    );
    assert.equal(
      calls({
        service: "sts",
        api: "AssumeRoleWithWebIdentity",
        region: PRIMARY_REGION,
        outcome: "ok",
      }),
      1,
    );
    assert.equal(
      sample(samples, `${P}kubernetes_calls_total`, { resource: "serviceaccounts", outcome: "ok" }),
      1,
    );
    assert.ok(
      (sample(samples, `${P}cache_requests_total`, { cache: "credentials", result: "hit" }) ?? 0) >=
        1,
    );
    assert.ok((sample(samples, `${P}memory_bytes`, { kind: "rss" }) ?? 0) > 10_000_000);
    assert.ok([...samples.keys()].some((key) => key.startsWith(`${P}build_info{`)));

    const health = await fetch(`${provider.process.metricsUrl}/healthz`);
    assert.deepEqual([health.status, await health.text()], [200, "ok\n"]);
    const ready = await fetch(`${provider.process.metricsUrl}/readyz`);
    assert.deepEqual([ready.status, await ready.text()], [200, "ok\n"]);
  },
});

Deno.test({
  name: "/readyz turns 503 while the provider drains its in-flight mounts on SIGTERM",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using stack = await startStack();
    const { provider } = stack;
    await stack.seeder.createSecret(PRIMARY_REGION, "it-obs-slow", "sl0w~obs");
    // A liveness probe first: its self-check keeps a gRPC connection open, as kubelet's probes do.
    assert.equal((await fetch(`${provider.process.metricsUrl}/healthz`)).status, 200);
    stack.proxy.setFault({ service: "secretsmanager" }, { kind: "latency", ms: 2_000 });
    const pending = provider.driver.mount({
      targetPath: await provider.newTargetPath(),
      parameters: {
        region: PRIMARY_REGION,
        objects: "- {objectName: it-obs-slow, objectType: secretsmanager}",
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 800));
    // stop() runs the leak proof once the process has exited.
    const exited = provider.stop("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ready = await fetch(`${provider.process.metricsUrl}/readyz`);
    assert.deepEqual([ready.status, await ready.text()], [503, "not ready\n"]);
    assert.equal((await pending).ok, true);
    assert.equal(await exited, 0, provider.process.lines().slice(-3).join("\n"));
    assert.ok(provider.process.lines().some((line) => line.includes('"msg":"stopped"')));
  },
});
