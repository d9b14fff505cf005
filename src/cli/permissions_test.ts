import assert from "node:assert/strict";
import { DEFAULT_PERMISSIONS, permissionFlags, PROVIDER_PROCESS_ENV } from "./permissions.ts";

const denoJson = JSON.parse(
  await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
) as { tasks: Record<string, string> };

/** The task's arguments with the shell quotes around single arguments removed. */
function unquoted(task: string): string {
  return task.replace(/'([^']*)'/g, "$1");
}

Deno.test("the start task runs src/main.ts with exactly the default permissions and environment", () => {
  const environment = Object.entries(PROVIDER_PROCESS_ENV).map(([name, value]) =>
    `${name}=${value}`
  );
  assert.equal(
    unquoted(denoJson.tasks.start),
    `${environment.join(" ")} deno run ${
      permissionFlags(DEFAULT_PERMISSIONS).join(" ")
    } src/main.ts`,
  );
});

Deno.test("the start task quotes the arguments that contain shell glob characters", () => {
  for (const flag of permissionFlags(DEFAULT_PERMISSIONS)) {
    if (flag.includes("*") || flag.includes("[")) {
      assert.ok(denoJson.tasks.start.includes(`'${flag}'`), flag);
    }
  }
});

Deno.test("without a kubelet pods directory nothing but the socket directory is writable", () => {
  const flags = permissionFlags({ ...DEFAULT_PERMISSIONS, kubeletPodsDir: undefined });
  assert.ok(flags.includes("--allow-write=/var/run/secrets-store-csi-providers"));
  assert.ok(
    flags.includes(
      "--allow-read=/var/run/secrets-store-csi-providers," +
        "/var/run/secrets/kubernetes.io/serviceaccount",
    ),
  );
});

Deno.test("the provider may read only its volumes and the service account, not proto/", () => {
  // The gRPC codec is hand-written; the .proto is read only by test clients.
  const read = permissionFlags(DEFAULT_PERMISSIONS).find((flag) =>
    flag.startsWith("--allow-read=")
  );
  assert.deepEqual(read?.slice("--allow-read=".length).split(","), [
    "/var/run/secrets-store-csi-providers",
    "/var/lib/kubelet/pods",
    "/var/run/secrets/kubernetes.io/serviceaccount",
  ]);
});

Deno.test("extra environment variables are appended to the allowed ones", () => {
  const flags = permissionFlags({ ...DEFAULT_PERMISSIONS, envVars: ["HTTPS_PROXY"] });
  assert.ok(
    flags.includes(
      "--allow-env=AWS_*,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT,KUBECONFIG,HTTPS_PROXY",
    ),
  );
});
