import assert from "node:assert/strict";
import { builtFrom, goInstallArgs, HELM, KIND } from "./go_tools.ts";

Deno.test("goInstallArgs installs the command package at the pinned version", () => {
  assert.deepEqual(goInstallArgs(HELM), ["install", "helm.sh/helm/v3/cmd/helm@v3.22.0"]);
  assert.deepEqual(goInstallArgs(KIND), ["install", "sigs.k8s.io/kind@v0.33.0"]);
});

Deno.test("builtFrom reads the module version from go version -m", () => {
  const output = [
    "/repo/.cache/bin/helm: go1.26.8",
    "\tpath\thelm.sh/helm/v3/cmd/helm",
    "\tmod\thelm.sh/helm/v3\tv3.22.0\th1:abc=",
    "\tdep\tdario.cat/mergo\tv1.0.1\th1:def=",
  ].join("\n");
  assert.equal(builtFrom(output, HELM), true);
  assert.equal(builtFrom(output.replace("v3.22.0", "v3.21.0"), HELM), false);
  assert.equal(builtFrom(output, KIND), false);
});
