/**
 * The release workflow's helper (`.github/workflows/release.yml`):
 *
 * - `check [--tag vX.Y.Z]`: every place that names the version agrees (and
 *   with the tag); prints the version.
 * - `image-repository`: the image repository of the chart's values (where the
 *   image is pushed; the chart and installers name it).
 * - `chart-registry`: the OCI registry the chart is pushed to.
 * - `assets --image-digest <d> --out <dir>`: the installers for the release.
 * - `notes --image-digest <d> --chart-digest <d> --repository <owner/name>`:
 *   the release notes (stdout).
 *
 * Run from the repository root: `deno run --allow-read --allow-write=dist
 * --allow-env=LOG_TOKENS,LOG_STREAM
 * deployment/release.ts <command> …` (the YAML parser reads the two
 * variables).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import {
  chartRegistry,
  pinInstallerImage,
  type PublishedRelease,
  releaseNotes,
} from "./release_assets.ts";
import {
  RELEASE_FILES,
  releaseVersionSites,
  tagVersion,
  versionProblems,
} from "./release_versions.ts";

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Where the commands read and what they print to. */
export interface ReleaseIo {
  /** Repository root. @default {REPO_ROOT} */
  root?: string;
  /** Standard output. @default {console.log} */
  out?: (text: string) => void;
  /** Errors. @default {console.error} */
  err?: (text: string) => void;
}

/** The release version, once every place agrees (and with `tag`, when given). */
export async function checkedVersion(root: string, tag?: string): Promise<string> {
  const sites = await releaseVersionSites(root);
  const expected = tag === undefined ? sites[0].version : tagVersion(tag);
  const problems = versionProblems(sites, expected);
  if (problems.length > 0) {
    throw new Error(`the release version is not in step:\n  ${problems.join("\n  ")}`);
  }
  return expected;
}

/** `image.repository` of the chart's values. */
export async function imageRepository(root: string): Promise<string> {
  const values = parse(await Deno.readTextFile(`${root}/${RELEASE_FILES.values}`));
  return String(values.image.repository);
}

/** Runs one command; returns the exit code (errors are printed, not thrown). */
export async function runRelease(args: string[], io: ReleaseIo = {}): Promise<number> {
  const root = io.root ?? REPO_ROOT;
  const out = io.out ?? console.log;
  const err = io.err ?? console.error;
  try {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        tag: { type: "string" },
        "image-digest": { type: "string" },
        "chart-digest": { type: "string" },
        repository: { type: "string" },
        out: { type: "string" },
      },
    });
    const command = positionals[0];
    const release = async (): Promise<PublishedRelease> => ({
      version: await checkedVersion(root, values.tag),
      imageRepository: await imageRepository(root),
      imageDigest: required(values["image-digest"], "--image-digest"),
      chartDigest: values["chart-digest"] ?? "",
      repository: values.repository ?? "",
    });
    if (command === "check") {
      out(await checkedVersion(root, values.tag));
    } else if (command === "image-repository") {
      out(await imageRepository(root));
    } else if (command === "chart-registry") {
      out(chartRegistry(await imageRepository(root)));
    } else if (command === "assets") {
      const dir = required(values.out, "--out");
      const published = await release();
      await Deno.mkdir(dir, { recursive: true });
      const installer = await Deno.readTextFile(`${root}/${RELEASE_FILES.installer}`);
      await Deno.writeTextFile(
        `${dir}/aws-provider-installer.yaml`,
        pinInstallerImage(installer, published),
      );
      await Deno.copyFile(
        `${root}/${RELEASE_FILES.privateInstaller}`,
        `${dir}/private-installer.yaml`,
      );
      out(`${dir}/aws-provider-installer.yaml`);
    } else if (command === "notes") {
      const published = await release();
      required(values["chart-digest"], "--chart-digest");
      required(values.repository, "--repository");
      out(releaseNotes(published));
    } else {
      throw new Error(
        `unknown command ${JSON.stringify(command ?? "")}: ` +
          "check, image-repository, chart-registry, assets or notes",
      );
    }
    return 0;
  } catch (error) {
    err((error as Error).message);
    return 1;
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new Error(`${flag} is required`);
  return value;
}

if (import.meta.main) Deno.exit(await runRelease(Deno.args));
