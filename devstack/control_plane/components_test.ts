import assert from "node:assert/strict";
import { buildKey, COMPONENTS, DRIVERS, goBuildArgs, KUBE_APISERVER } from "./components.ts";

Deno.test("kube-apiserver is built read-only, trimmed, with its version in the binary", () => {
  assert.deepEqual(goBuildArgs(KUBE_APISERVER, "/out/kube-apiserver"), [
    "build",
    "-mod=readonly",
    "-trimpath",
    "-ldflags=-s -w -X k8s.io/component-base/version.gitVersion=v1.35.4" +
    " -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35" +
    " -X k8s.io/component-base/version.gitTreeState=clean",
    "-o",
    "/out/kube-apiserver",
    "k8s.io/kubernetes/cmd/kube-apiserver",
  ]);
});

Deno.test("each driver release has its own wrapper module and the mlog stand-in", () => {
  assert.notEqual(DRIVERS["v1.6.0"].moduleDir, DRIVERS["v1.5.6"].moduleDir);
  for (const driver of Object.values(DRIVERS)) {
    assert.ok(driver.localModules.some((dir) => dir.endsWith("/go/mlog")));
    assert.match(goBuildArgs(driver, "x").join(" "), /pkg\/version\.BuildVersion=v1\.[56]\.[06]/);
  }
  assert.equal(COMPONENTS.length, 4);
});

Deno.test("every wrapper module names its command as a tool, so go.sum covers its packages", async () => {
  for (const component of COMPONENTS) {
    const goMod = await Deno.readTextFile(`${component.moduleDir}/go.mod`);
    assert.ok(goMod.includes(`\ntool ${component.packagePath}\n`), component.name);
  }
});

Deno.test("the build key changes with the toolchain, the arguments and any input byte", async () => {
  const inputs = {
    toolchain: "go1.26.8 linux amd64",
    args: ["build", "x"],
    files: [{ path: "go.mod", contents: new TextEncoder().encode("module a\n") }],
  };
  const key = await buildKey(inputs);
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(await buildKey(structuredClone(inputs)), key, "stable");
  assert.notEqual(await buildKey({ ...inputs, toolchain: "go1.26.9 linux amd64" }), key);
  assert.notEqual(await buildKey({ ...inputs, args: ["build", "y"] }), key);
  assert.notEqual(
    await buildKey({
      ...inputs,
      files: [{ path: "go.mod", contents: new TextEncoder().encode("module b\n") }],
    }),
    key,
  );
  // The order files are listed in does not matter; their names do.
  const two = [
    { path: "a", contents: new Uint8Array([1]) },
    { path: "b", contents: new Uint8Array([2]) },
  ];
  assert.equal(
    await buildKey({ ...inputs, files: two }),
    await buildKey({ ...inputs, files: [...two].reverse() }),
  );
  assert.notEqual(
    await buildKey({ ...inputs, files: [{ path: "a", contents: new Uint8Array([1, 2]) }] }),
    await buildKey({ ...inputs, files: two }),
  );
});
