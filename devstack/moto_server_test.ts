import assert from "node:assert/strict";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { testClientConfig } from "./aws_seed.ts";
import { ensureMotoInstalled, startMoto } from "./moto_server.ts";

Deno.test("ensureMotoInstalled returns a python with the pinned moto", async () => {
  const python = await ensureMotoInstalled();
  assert.equal(await ensureMotoInstalled(), python);
  const { stdout } = await new Deno.Command(python, {
    args: ["-c", "import moto; print(moto.__version__)"],
  }).output();
  assert.equal(new TextDecoder().decode(stdout).trim(), "5.2.5");
});

Deno.test("moto server", async (t) => {
  await using moto = await startMoto();
  const east = new SecretsManagerClient(testClientConfig(moto.url, "us-east-1"));
  const west = new SecretsManagerClient(testClientConfig(moto.url, "us-west-2"));
  const ssm = new SSMClient(testClientConfig(moto.url, "us-east-1"));
  try {
    await t.step("listens on 127.0.0.1 and captures its output", () => {
      assert.equal(moto.url, `http://127.0.0.1:${moto.port}`);
      assert.match(moto.output(), /GET \/moto-api\/config/);
    });

    await t.step("keeps regions apart", async () => {
      await east.send(new CreateSecretCommand({ Name: "only-east", SecretString: "e" }));
      const inWest = await west.send(new ListSecretsCommand({}));
      assert.deepEqual(inWest.SecretList, []);
    });

    await t.step("BatchGetSecretValue returns binary values as bytes", async () => {
      // What the moto_launch.py patch guards: SecretBinary is base64 on the wire.
      const bytes = new Uint8Array([0, 1, 2, 127, 128, 255]);
      await east.send(new CreateSecretCommand({ Name: "bin", SecretBinary: bytes }));
      const single = await east.send(new GetSecretValueCommand({ SecretId: "bin" }));
      assert.deepEqual(single.SecretBinary, bytes);
      const batch = await east.send(
        new BatchGetSecretValueCommand({ SecretIdList: ["bin", "missing"] }),
      );
      assert.deepEqual(batch.SecretValues?.map((v) => v.SecretBinary), [bytes]);
      assert.deepEqual(batch.Errors?.map((e) => [e.SecretId, e.ErrorCode]), [
        ["missing", "ResourceNotFoundException"],
      ]);
    });

    await t.step("SSM GetParameters accepts name:version", async () => {
      await ssm.send(new PutParameterCommand({ Name: "/p", Value: "v1", Type: "String" }));
      await ssm.send(
        new PutParameterCommand({ Name: "/p", Value: "v2", Type: "String", Overwrite: true }),
      );
      const out = await ssm.send(new GetParametersCommand({ Names: ["/p:1", "/p"] }));
      const values = out.Parameters?.map((p) => `${p.Name}=${p.Value}`).sort();
      assert.deepEqual(values, ["/p=v1", "/p=v2"]); // moto drops the selector from Name
    });

    await t.step("reset deletes everything", async () => {
      await moto.reset();
      assert.deepEqual((await east.send(new ListSecretsCommand({}))).SecretList, []);
    });

    await t.step("stop is idempotent and ends the process", async () => {
      await moto.stop();
      await moto.stop();
      await assert.rejects(fetch(`${moto.url}/moto-api/config`));
    });
  } finally {
    for (const client of [east, west, ssm]) client.destroy();
  }
});

Deno.test("moto_launch.py turns a bytes repr into base64 and leaves base64 alone", async () => {
  const python = await ensureMotoInstalled();
  const script = [
    "import sys; sys.path.insert(0, sys.argv[1])",
    "from moto_launch import repr_to_base64 as f",
    "print(f(\"b'\\\\x00\\\\x01\\\\xff'\"), f('AAH/'), f(None))",
  ].join("\n");
  const { stdout, success } = await new Deno.Command(python, {
    args: ["-B", "-c", script, new URL(".", import.meta.url).pathname],
  }).output();
  assert.ok(success);
  assert.equal(new TextDecoder().decode(stdout).trim(), "AAH/ AAH/ None");
});

Deno.test("startMoto reports a process that dies before it is ready", async () => {
  await assert.rejects(
    startMoto({ python: "false" }),
    /moto exited with code 1 before it was ready/,
  );
});

Deno.test("startMoto times out with the process's last output", async () => {
  const fake = await Deno.makeTempFile({ suffix: ".sh" });
  try {
    await Deno.writeTextFile(fake, "#!/bin/sh\necho 'boom: not moto' >&2\nexec sleep 30\n");
    await Deno.chmod(fake, 0o755);
    await assert.rejects(
      startMoto({ python: fake, readyTimeoutMs: 1_000 }),
      /not ready on http:\/\/127\.0\.0\.1:\d+ after 1000 ms; moto output:\nboom: not moto/,
    );
  } finally {
    await Deno.remove(fake);
  }
});
