/**
 * The chart as the release workflow publishes it: `helm package` (offline,
 * with the stand-in for the driver chart that the release replaces with the
 * real one by `helm dependency build`). The package holds the chart's files
 * and nothing of the repository's, names the release version, passes
 * `helm lint --strict` and renders exactly as the chart directory does.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  CHART_DIR,
  helmTemplateArgs,
  offlineChartCopy,
  parseManifests,
  RENDER_KUBE_VERSION,
  renderChart,
  runHelm,
} from "../../e2e/kind/chart_render.ts";
import { ensureGoTool, HELM } from "../../e2e/kind/go_tools.ts";

const helm = await ensureGoTool(HELM);
const chart = parse(await Deno.readTextFile(`${CHART_DIR}/Chart.yaml`));

async function entries(archive: string): Promise<string[]> {
  const result = await new Deno.Command("tar", { args: ["-tzf", archive], stdout: "piped" })
    .output();
  assert.ok(result.success, "tar -tzf");
  return new TextDecoder().decode(result.stdout).split("\n").filter((line) => line !== "")
    .sort();
}

Deno.test("helm package gives the chart's files only, and the package renders as the chart does", async () => {
  const root = await Deno.makeTempDir();
  try {
    await offlineChartCopy(CHART_DIR, `${root}/chart`);
    await runHelm(helm, ["package", `${root}/chart`, "--destination", `${root}/dist`], root);
    const archive = `${root}/dist/${chart.name}-${chart.version}.tgz`;
    const templates = [...Deno.readDirSync(`${CHART_DIR}/templates`)].map((entry) =>
      `${chart.name}/templates/${entry.name}`
    );
    assert.deepEqual(
      await entries(archive),
      [
        `${chart.name}/.helmignore`,
        `${chart.name}/Chart.lock`,
        `${chart.name}/Chart.yaml`,
        `${chart.name}/README.md`,
        `${chart.name}/charts/secrets-store-csi-driver/Chart.yaml`,
        `${chart.name}/charts/secrets-store-csi-driver/templates/values.yaml`,
        ...templates,
        `${chart.name}/values.yaml`,
      ].sort(),
    );
    const shown = parse(await runHelm(helm, ["show", "chart", archive], root));
    assert.equal(shown.version, chart.version);
    assert.equal(shown.appVersion, chart.appVersion);
    const lint = await runHelm(
      helm,
      ["lint", "--strict", "--kube-version", RENDER_KUBE_VERSION, archive],
      root,
    );
    assert.match(lint, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    const packaged = parseManifests(await runHelm(helm, helmTemplateArgs(archive), root));
    assert.deepEqual(packaged, await renderChart({ helm }));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
