import assert from "node:assert/strict";
import { dockerCreateArgs, E2E_LABEL, KIND_NETWORK, publishedPort } from "./emulator.ts";

Deno.test("containers join kind's network, publish on 127.0.0.1 only and carry the suite's label", () => {
  assert.deepEqual(
    dockerCreateArgs({
      name: "ascp-deno-e2e-fault-proxy",
      image: "denoland/deno:2.9.6",
      port: 8080,
      cluster: "ascp-deno-e2e",
      env: { UPSTREAM: "http://172.18.0.3:5000", PORT: "8080" },
      entrypoint: "deno",
      command: ["run", "/tmp/region_fault_proxy.ts"],
    }),
    [
      "create",
      "--name",
      "ascp-deno-e2e-fault-proxy",
      "--network",
      KIND_NETWORK,
      "--publish",
      "127.0.0.1::8080",
      "--label",
      `${E2E_LABEL}=ascp-deno-e2e`,
      "--env",
      "UPSTREAM=http://172.18.0.3:5000",
      "--env",
      "PORT=8080",
      "--entrypoint",
      "deno",
      "denoland/deno:2.9.6",
      "run",
      "/tmp/region_fault_proxy.ts",
    ],
  );
  const plain = dockerCreateArgs({
    name: "e",
    image: "motoserver/moto:5.2.5",
    port: 5000,
    cluster: "c",
  });
  // No environment, entrypoint or command: the image's own.
  assert.deepEqual(plain.slice(-3), ["--label", `${E2E_LABEL}=c`, "motoserver/moto:5.2.5"]);
});

Deno.test("publishedPort reads the 127.0.0.1 line of docker port", () => {
  assert.equal(publishedPort("127.0.0.1:49153\n"), 49153);
  assert.equal(publishedPort("[::1]:49154\n127.0.0.1:49153\n"), 49153);
  assert.throws(() => publishedPort("0.0.0.0:49153\n"), /no 127\.0\.0\.1 port/);
});
