import assert from "node:assert/strict";
import { startDockerEngineStandIn, untar } from "./docker_engine_stand_in.ts";

Deno.test("untar reads the files of an archive the system tar wrote, long paths included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const deep = `${"d".repeat(60)}/${"e".repeat(60)}`;
    await Deno.mkdir(`${dir}/src/${deep}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/short.ts`, "export const a = 1;\n");
    await Deno.writeTextFile(`${dir}/src/${deep}/long.txt`, "x".repeat(600));
    const tar = await new Deno.Command("tar", {
      args: ["--format=ustar", "-cf", "-", "short.ts", `${deep}/long.txt`],
      cwd: `${dir}/src`,
      stdout: "piped",
    }).output();
    assert.ok(tar.success);
    assert.deepEqual(untar(tar.stdout), [
      { name: "short.ts", content: "export const a = 1;\n" },
      { name: `${deep}/long.txt`, content: "x".repeat(600) },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a call the stand-in does not implement is answered 501 with its path, and recorded", async () => {
  const dir = await Deno.makeTempDir();
  await using engine = startDockerEngineStandIn(dir);
  const client = Deno.createHttpClient({
    proxy: { transport: "unix", path: `${dir}/docker.sock` },
  });
  try {
    const answer = await fetch("http://docker/v1.47/networks/kind", { client });
    assert.equal(answer.status, 501);
    assert.deepEqual(await answer.json(), {
      message: "the stand-in does not implement GET /networks/kind",
    });
    assert.deepEqual(engine.requests, [{ method: "GET", path: "/networks/kind", query: {} }]);
    assert.equal(engine.dockerHost, `unix://${dir}/docker.sock`);
  } finally {
    client.close();
    await engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});
