/**
 * The Dockerfile runs the provider with the same command line as the chart's
 * defaults, from the official Deno image, with every module cached at build.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defaultImageCommand } from "./expected_command.ts";
import { PROVIDER_PROCESS_ENV } from "../../src/cli/mod.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);

function instruction(name: string): string[] {
  return dockerfile.split("\n").filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());
}

Deno.test("the image is built from the official Deno image of the project's Deno version", () => {
  assert.deepEqual(instruction("FROM"), ["denoland/deno:2.9.6"]);
  assert.match(
    Deno.readTextFileSync(`${ROOT}.ci/run`),
    /deno@2\.9\.6/,
    "the image and CI must use the same Deno",
  );
});

Deno.test("the entrypoint is the default permission-scoped command with --cached-only", () => {
  const [entrypoint] = instruction("ENTRYPOINT");
  assert.deepEqual(JSON.parse(entrypoint), defaultImageCommand());
  assert.deepEqual(JSON.parse(instruction("CMD")[0]), [
    "--provider-volume=/var/run/secrets-store-csi-providers",
  ]);
});

Deno.test("the image's environment holds the provider process's (one glibc malloc arena)", () => {
  const env = new Map(
    dockerfile.match(/^ENV ((?:.*\\\n)*.*)$/m)![1].split(/\s*\\\n\s*|\s+/).filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
  assert.ok(Object.keys(PROVIDER_PROCESS_ENV).length > 0);
  for (const [name, value] of Object.entries(PROVIDER_PROCESS_ENV)) {
    assert.equal(env.get(name), value, name);
  }
  assert.equal(env.get("DENO_DIR"), "/deno-dir");
});

Deno.test("the provider's own config and lock are the image's, cached at build time", () => {
  assert.deepEqual(instruction("COPY"), [
    "deno.provider.json ./deno.json",
    "deno.provider.lock ./",
    "src/ src/",
  ]);
  assert.deepEqual(instruction("RUN"), ["deno install --frozen --entrypoint src/main.ts"]);
  assert.match(dockerfile, /DENO_DIR=\/deno-dir/);
  assert.deepEqual(instruction("WORKDIR"), ["/app"]);
});

Deno.test("the Dockerfile builds with a plain `docker build` (no BuildKit-only syntax)", () => {
  assert.doesNotMatch(dockerfile, /^# *syntax=/m);
  assert.doesNotMatch(dockerfile, /--mount=|--link|--chmod=|--exclude=|--parents|<<\s*-?\w/);
  const stages = instruction("FROM");
  assert.equal(stages.length, 1);
  assert.doesNotMatch(stages[0], /\$\{?(BUILDPLATFORM|TARGETPLATFORM|TARGETARCH)/);
});

Deno.test(".dockerignore lets in only the provider's config, lock and sources", async () => {
  const lines = (await Deno.readTextFile(`${ROOT}.dockerignore`)).split("\n")
    .filter((line) => line && !line.startsWith("#"));
  assert.deepEqual(lines, [
    "*",
    "!deno.provider.json",
    "!deno.provider.lock",
    "!src/",
    "src/**/*_test.ts",
  ]);
});
