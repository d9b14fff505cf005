/**
 * The image holds only what the provider runs. The Dockerfile caches the npm
 * packages of deno.provider.lock (`deno install` caches every package of the
 * lock it is given), so these tests check, offline, that this lock is exactly
 * the provider's module graph: the provider's imports and what they need,
 * none of the test or e2e tooling, and the same versions as the development
 * lock the tests run with.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PROVIDER_CONFIG = `${ROOT}deno.provider.json`;

interface Lock {
  specifiers: Record<string, string>;
  npm: Record<
    string,
    { integrity: string; dependencies?: string[]; optionalDependencies?: string[] }
  >;
  workspace: { dependencies: string[] };
}

// deno-lint-ignore no-explicit-any
async function readJson(path: string): Promise<any> {
  return JSON.parse(await Deno.readTextFile(path));
}

const devConfig = await readJson(`${ROOT}deno.json`);
const devLock: Lock = await readJson(`${ROOT}deno.lock`);
const providerConfig = await readJson(PROVIDER_CONFIG);
const providerLock: Lock = await readJson(`${ROOT}deno.provider.lock`);

/** Packages the tests and the e2e suites use and the provider must never carry. */
const TOOLING = ["fast-check", "testcontainers", "dockerode", "docker-modem", "ssh2"];

/** `name` of a lock key (`name@version`, `@scope/name@version_peer@1.0.0`). */
function packageName(key: string): string {
  return key.slice(0, key.indexOf("@", 1));
}

/** The lock keys reachable from `roots` (lock keys) through dependencies. */
function closure(lock: Lock, roots: string[]): Set<string> {
  const byName = new Map<string, string[]>();
  for (const key of Object.keys(lock.npm)) {
    byName.set(packageName(key), [...byName.get(packageName(key)) ?? [], key]);
  }
  const resolve = (dependency: string): string => {
    // An npm alias (`string-width-cjs@npm:string-width@4.2.3`) names the package it stands for.
    const reference = dependency.includes("@npm:")
      ? dependency.slice(dependency.indexOf("@npm:") + "@npm:".length)
      : dependency;
    if (reference in lock.npm) return reference;
    const candidates = byName.get(reference) ?? [];
    assert.equal(candidates.length, 1, `lock reference ${reference}: ${candidates.join(", ")}`);
    return candidates[0];
  };
  const seen = new Set<string>();
  const pending = roots.map(resolve);
  while (pending.length > 0) {
    const key = pending.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = lock.npm[key];
    for (const reference of [...entry.dependencies ?? [], ...entry.optionalDependencies ?? []]) {
      pending.push(resolve(reference));
    }
  }
  return seen;
}

/** Lock keys of the packages `specifiers` (`npm:name@version`) resolve to. */
function rootsOf(lock: Lock, specifiers: string[]): string[] {
  return specifiers.map((specifier) => {
    const resolved = lock.specifiers[specifier];
    assert.ok(resolved, `${specifier} is not in the lock`);
    return `${packageName(specifier.slice("npm:".length))}@${resolved}`;
  });
}

Deno.test("the provider's imports are the development config's, same names and versions", () => {
  const imports: Record<string, string> = providerConfig.imports;
  assert.ok(Object.keys(imports).length > 0);
  for (const [name, specifier] of Object.entries(imports)) {
    assert.equal(devConfig.imports[name], specifier, name);
  }
  for (const tool of TOOLING) assert.equal(imports[tool], undefined, tool);
  assert.deepEqual(providerConfig.lock, { path: "./deno.provider.lock" });
});

Deno.test("deno.provider.lock is in step with deno.provider.json", () => {
  assert.deepEqual(
    [...providerLock.workspace.dependencies].sort(),
    Object.values(providerConfig.imports as Record<string, string>).sort(),
  );
  assert.deepEqual(
    Object.keys(providerLock.specifiers).sort(),
    [...providerLock.workspace.dependencies].sort(),
  );
});

Deno.test("deno.provider.lock holds exactly the closure of the provider's imports", () => {
  const roots = rootsOf(providerLock, providerLock.workspace.dependencies);
  const reachable = closure(providerLock, roots);
  assert.deepEqual([...reachable].sort(), Object.keys(providerLock.npm).sort());
});

Deno.test("every package of the image is the one the tests run with (same version and integrity)", () => {
  for (const [key, entry] of Object.entries(providerLock.npm)) {
    assert.ok(key in devLock.npm, `${key} is not in deno.lock`);
    assert.equal(entry.integrity, devLock.npm[key].integrity, key);
  }
});

Deno.test("nothing that only the test and e2e tooling needs is in the image", () => {
  const providerRoots = rootsOf(devLock, providerLock.workspace.dependencies);
  const toolingRoots = rootsOf(
    devLock,
    devLock.workspace.dependencies.filter((specifier) =>
      !providerLock.workspace.dependencies.includes(specifier)
    ),
  );
  assert.ok(toolingRoots.length > 0, "the development config has tooling of its own");
  const providerPackages = closure(devLock, providerRoots);
  const toolingOnly = [...closure(devLock, toolingRoots)]
    .filter((key) => !providerPackages.has(key));
  assert.ok(toolingOnly.length > 0);
  for (const key of toolingOnly) assert.ok(!(key in providerLock.npm), key);
  const names = new Set(Object.keys(providerLock.npm).map(packageName));
  for (const tool of TOOLING) assert.ok(!names.has(tool), tool);
});

Deno.test("the provider's module graph (deno info) needs exactly the image's packages and sources", async () => {
  // Offline: resolved from the local cache, which `deno install --frozen` of the development
  // lock (a superset, checked above) has filled; --frozen fails instead of changing the lock.
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--frozen", "--json", "--config", PROVIDER_CONFIG, "src/main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(result.success, new TextDecoder().decode(result.stderr));
  const graph = JSON.parse(new TextDecoder().decode(result.stdout));
  // deno-lint-ignore no-explicit-any
  const modules: any[] = graph.modules;
  const broken = modules.filter((module) => module.error).map((module) => module.error);
  assert.deepEqual(broken, [], "the provider's module graph does not resolve");
  const used = new Set(
    modules.filter((module) => module.kind === "npm").map((module) => `npm:${module.npmPackage}`),
  );
  const imported: string[] = providerLock.workspace.dependencies;
  assert.deepEqual(
    imported.filter((specifier) => !used.has(specifier)),
    [],
    "deno.provider.json imports packages the provider no longer uses: remove them there, then " +
      "prune the lock with `deno install --config deno.provider.json --entrypoint src/main.ts`",
  );
  assert.deepEqual(
    [...used].filter((specifier) => !imported.includes(specifier)),
    [],
    "the provider uses packages deno.provider.json lacks: add them (same version as deno.json)",
  );
  assert.deepEqual(Object.keys(graph.npmPackages).sort(), Object.keys(providerLock.npm).sort());
  const sources = modules.filter((module) => module.kind === "esm")
    .map((module) => fileURLToPath(module.specifier).slice(ROOT.length));
  assert.ok(sources.includes("src/main.ts"));
  for (const source of sources) {
    assert.match(source, /^src\/.+\.ts$/, "the image copies only src/");
    assert.doesNotMatch(source, /_test\.ts$/);
  }
});
