import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { folderOf, type ImportEdge, layerProblems, srcImports } from "./layers.ts";

const SRC = new URL("../../src/", import.meta.url);

Deno.test("src/ imports point down the layers and enter each folder through its mod.ts", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", fileURLToPath(new URL("main.ts", SRC))],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const edges = srcImports(JSON.parse(new TextDecoder().decode(output.stdout)), SRC.href);
  assert.ok(edges.length > 50, `only ${edges.length} imports found: is the graph read right?`);
  assert.deepEqual(layerProblems(edges), []);
});

Deno.test("the rules catch an upward import, a sideways import and a deep import", () => {
  const edges: ImportEdge[] = [
    { from: "fetch/fetch_objects.ts", to: "mount/mod.ts" },
    { from: "config/objects.ts", to: "identity/mod.ts" },
    { from: "mount/pipeline.ts", to: "fetch/fetch_objects.ts" },
    { from: "mount/pipeline.ts", to: "mount/request.ts" },
    { from: "server/server.ts", to: "mount/mod.ts" },
  ];
  assert.deepEqual(layerProblems(edges), [
    "config/objects.ts -> identity/mod.ts: config may not import identity (not a lower layer)",
    "fetch/fetch_objects.ts -> mount/mod.ts: fetch may not import mount (not a lower layer)",
    "mount/pipeline.ts -> fetch/fetch_objects.ts: enter fetch/ through fetch/mod.ts",
  ]);
  assert.equal(folderOf("main.ts"), "(root)");
});
