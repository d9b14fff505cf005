import assert from "node:assert/strict";
import { FlagError, HelpRequested } from "../gocompat/mod.ts";
import {
  parsePodIdentityHttpTimeout,
  parseProviderFlags,
  PROVIDER_FLAGS,
} from "./provider_flags.ts";

function timeout(value: string): { ms: number | undefined; warnings: string[] } {
  const warnings: string[] = [];
  const ms = parsePodIdentityHttpTimeout(value, warnings);
  return { ms, warnings };
}

Deno.test("the Go provider's flags have the Go provider's defaults", () => {
  const { config, warnings } = parseProviderFlags([]);
  assert.equal(config.providerVolume, "/var/run/secrets-store-csi-providers");
  assert.equal(config.driverWritesSecrets, false);
  assert.equal(config.qps, 5);
  assert.equal(config.burst, 10);
  assert.equal(config.eksAddonVersion, "");
  assert.equal(config.podIdentityHttpTimeoutMs, undefined);
  assert.deepEqual(warnings, []);
});

Deno.test("the Go provider's flags are all defined, with their kinds", () => {
  const kinds = Object.fromEntries(PROVIDER_FLAGS.map((flag) => [flag.name, flag.kind]));
  assert.equal(kinds["provider-volume"], "string");
  assert.equal(kinds["driver-writes-secrets"], "bool");
  assert.equal(kinds["qps"], "int");
  assert.equal(kinds["burst"], "int");
  assert.equal(kinds["eks-addon-version"], "string");
  assert.equal(kinds["pod-identity-http-timeout"], "string");
});

Deno.test("the DaemonSet arguments of the Go chart are read", () => {
  const { config } = parseProviderFlags([
    "--provider-volume=/etc/kubernetes/secrets-store-csi-providers",
    "--driver-writes-secrets=true",
    "--qps=20",
    "--burst=40",
    "--eks-addon-version=v3.1.1-eksbuild.1",
    "--pod-identity-http-timeout=500ms",
  ]);
  assert.equal(config.providerVolume, "/etc/kubernetes/secrets-store-csi-providers");
  assert.equal(config.driverWritesSecrets, true);
  assert.equal(config.qps, 20);
  assert.equal(config.burst, 40);
  assert.equal(config.eksAddonVersion, "v3.1.1-eksbuild.1");
  assert.equal(config.podIdentityHttpTimeoutMs, 500);
});

Deno.test("an unknown flag and -h behave as with Go's flag package", () => {
  assert.throws(() => parseProviderFlags(["-v=5"]), {
    name: "FlagError",
    message: "flag provided but not defined: -v",
  });
  assert.throws(() => parseProviderFlags(["-logtostderr"]), FlagError);
  assert.throws(() => parseProviderFlags(["-h"]), HelpRequested);
});

Deno.test("parsing stops at a positional argument, which is ignored with a warning, as in Go", () => {
  const { config, warnings } = parseProviderFlags(["--qps=3", "extra", "--burst=7"]);
  assert.equal(config.qps, 3);
  assert.equal(config.burst, 10);
  assert.deepEqual(warnings, ["ignoring arguments after the flags: extra --burst=7"]);
});

Deno.test("KUBECONFIG is used when --kubeconfig is not given", () => {
  assert.equal(parseProviderFlags([], { kubeconfig: "/k" }).config.kubeconfig, "/k");
  assert.equal(
    parseProviderFlags(["--kubeconfig=/flag"], { kubeconfig: "/k" }).config.kubeconfig,
    "/flag",
  );
});

Deno.test("an invalid --log-level, --mount-concurrency or --k8s-cache-ttl is a flag error", () => {
  assert.throws(() => parseProviderFlags(["--log-level=loud"]), {
    message: 'invalid value "loud" for flag -log-level: use debug, info, warn or error',
  });
  assert.throws(() => parseProviderFlags(["--mount-concurrency=0"]), {
    message: 'invalid value "0" for flag -mount-concurrency: must be at least 1',
  });
  assert.throws(() => parseProviderFlags(["--k8s-cache-ttl=10"]), {
    message: 'invalid value "10" for flag -k8s-cache-ttl: time: missing unit in duration "10"',
  });
});

Deno.test("a negative --k8s-cache-ttl turns the cache off", () => {
  assert.equal(parseProviderFlags(["--k8s-cache-ttl=-5s"]).config.k8sCacheTtlMs, 0);
});

Deno.test("an empty --pod-identity-http-timeout leaves the SDK default, silently", () => {
  assert.deepEqual(timeout(""), { ms: undefined, warnings: [] });
});

Deno.test("a positive --pod-identity-http-timeout up to 30s is kept without a warning", () => {
  assert.deepEqual(timeout("100ms"), { ms: 100, warnings: [] });
  assert.deepEqual(timeout("2s"), { ms: 2_000, warnings: [] });
  assert.deepEqual(timeout("0.5s"), { ms: 500, warnings: [] });
});

Deno.test("exactly 30s is kept without a warning", () => {
  assert.deepEqual(timeout("30s"), { ms: 30_000, warnings: [] });
});

Deno.test("more than 30s is kept with a warning", () => {
  assert.deepEqual(timeout("30.000000001s"), {
    ms: 30_000.000001,
    warnings: [
      "podIdentityHttpTimeout value 30.000000001s is unusually high, consider using a smaller value",
    ],
  });
  assert.deepEqual(timeout("1m30s"), {
    ms: 90_000,
    warnings: [
      "podIdentityHttpTimeout value 1m30s is unusually high, consider using a smaller value",
    ],
  });
});

Deno.test("zero or a negative timeout is dropped with Go's message", () => {
  assert.deepEqual(timeout("0"), {
    ms: undefined,
    warnings: ["podIdentityHttpTimeout must be positive, got: 0s, using default SDK value"],
  });
  assert.deepEqual(timeout("-0s"), {
    ms: undefined,
    warnings: ["podIdentityHttpTimeout must be positive, got: 0s, using default SDK value"],
  });
  assert.deepEqual(timeout("-1.5s"), {
    ms: undefined,
    warnings: ["podIdentityHttpTimeout must be positive, got: -1.5s, using default SDK value"],
  });
  assert.deepEqual(timeout("0.5ns"), {
    ms: undefined,
    warnings: ["podIdentityHttpTimeout must be positive, got: 0s, using default SDK value"],
  });
});

Deno.test("an unparsable timeout is dropped with Go's message and parse error", () => {
  assert.deepEqual(timeout("10"), {
    ms: undefined,
    warnings: [
      `failed to parse podIdentityHttpTimeout value '10': time: missing unit in duration "10", using default SDK value`,
    ],
  });
  assert.deepEqual(timeout("fast"), {
    ms: undefined,
    warnings: [
      `failed to parse podIdentityHttpTimeout value 'fast': time: invalid duration "fast", using default SDK value`,
    ],
  });
  assert.deepEqual(timeout("5sec"), {
    ms: undefined,
    warnings: [
      `failed to parse podIdentityHttpTimeout value '5sec': time: unknown unit "sec" in duration "5sec", using default SDK value`,
    ],
  });
});

Deno.test("a bad --pod-identity-http-timeout does not stop the provider", () => {
  const { config, warnings } = parseProviderFlags(["--pod-identity-http-timeout=-1s"]);
  assert.equal(config.podIdentityHttpTimeoutMs, undefined);
  assert.deepEqual(warnings, [
    "podIdentityHttpTimeout must be positive, got: -1s, using default SDK value",
  ]);
});

Deno.test("every mount limit has a flag with its default, and the flags set the limits", () => {
  const defaults = parseProviderFlags([]).config;
  assert.equal(defaults.limits.objectsBytes.max, 256 * 1024);
  assert.equal(defaults.limits.jmesPathWork.flag, "max-jmes-path-work");
  const { config } = parseProviderFlags(["--max-objects-bytes=1000", "-max-jmes-path-work", "7"]);
  assert.equal(config.limits.objectsBytes.max, 1000);
  assert.equal(config.limits.jmesPathWork.max, 7);
  assert.throws(() => parseProviderFlags(["--max-objects=0"]), {
    name: "FlagError",
    message: 'invalid value "0" for flag -max-objects: must be at least 1',
  });
});

Deno.test("--kubelet-pods-dir defaults to the kubelet's and must be absolute", () => {
  assert.equal(parseProviderFlags([]).config.kubeletPodsDir, "/var/lib/kubelet/pods");
  assert.equal(
    parseProviderFlags(["--kubelet-pods-dir=/data/kubelet/pods/"]).config.kubeletPodsDir,
    "/data/kubelet/pods",
  );
  assert.throws(() => parseProviderFlags(["--kubelet-pods-dir=pods"]), {
    name: "FlagError",
    message: 'invalid value "pods" for flag -kubelet-pods-dir: must be an absolute path',
  });
});
