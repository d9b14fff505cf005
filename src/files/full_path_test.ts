import assert from "node:assert/strict";
import { fullPathProblem, TEMP_NAME_BYTES } from "./full_path.ts";

const TARGET = "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/secrets/mount";

Deno.test("ordinary names fit in both write modes", () => {
  for (const driverWritesSecrets of [false, true]) {
    assert.equal(fullPathProblem(TARGET, "db/password", { driverWritesSecrets }), undefined);
    assert.equal(fullPathProblem(TARGET, "x".repeat(255), { driverWritesSecrets }), undefined);
  }
});

Deno.test("a path that reaches PATH_MAX with the target is refused, naming the length", () => {
  const deep = Array(21).fill("d".repeat(200)).join("/");
  assert.equal(
    fullPathProblem(TARGET, deep, { driverWritesSecrets: false }),
    `its path in the mount would be ${
      TARGET.length + 1 + deep.length
    } bytes long; the system allows 4095`,
  );
});

Deno.test("provider-writes counts the temporary file next to a short destination", () => {
  // The destination fits exactly; the temporary name is longer than "x" and does not.
  const directory = "d".repeat(4095 - TARGET.length - 1 - 2);
  assert.equal(
    fullPathProblem(TARGET, `${directory}/x`, { driverWritesSecrets: false }),
    `its path in the mount would be ${
      TARGET.length + 1 + directory.length + 1 + TEMP_NAME_BYTES
    } bytes long; the system allows 4095`,
  );
});

Deno.test("driver-writes counts the driver's timestamped directory", () => {
  const file = "f".repeat(4095 - TARGET.length - 1);
  assert.equal(fullPathProblem(TARGET, file, { driverWritesSecrets: false }), undefined);
  assert.match(fullPathProblem(TARGET, file, { driverWritesSecrets: true }) ?? "", /4095$/);
});
