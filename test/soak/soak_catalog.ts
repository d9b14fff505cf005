/**
 * The soak's data: secrets (plain and JSON) and parameters seeded in both
 * regions with values and versions that tell the regions apart, random mount
 * requests over them, and the check of what a mount left in its directory.
 *
 * @module
 */

import type { MountOutcome, Seeder } from "../../devstack/mod.ts";

/** What one file of a mount must hold, per region (0 = primary, 1 = failover). */
export interface ExpectedFile {
  /** File contents by region. */
  contents: [string, string];
  /** Object version by region. */
  versions: [string, string];
  /** The object the file belongs to (jmesPath files share it). */
  object: string;
}

/** One seeded object. */
export interface CatalogEntry {
  /** Secret or parameter name. */
  name: string;
  /** The `objects` entry for it (YAML, one list item). */
  yaml: string;
  /** Files it produces. */
  files: Record<string, ExpectedFile>;
}

/** A pseudo-random number generator (mulberry32), so that a run can be repeated. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tag(next: () => number): string {
  return Math.floor(next() * 2 ** 48).toString(16).padStart(12, "0");
}

/** Seeds `secrets` plain secrets, `jsonSecrets` JSON secrets and `parameters` parameters in both regions. */
export async function seedCatalog(
  seeder: Seeder,
  regions: [string, string],
  counts: { secrets: number; jsonSecrets: number; parameters: number; seed: number },
): Promise<CatalogEntry[]> {
  const next = random(counts.seed);
  const entries: CatalogEntry[] = [];
  for (let i = 0; i < counts.secrets; i++) {
    const name = `soak/secret-${i}`;
    const contents = regions.map((region) => `soak-${region}-${i}-${tag(next)}`) as [
      string,
      string,
    ];
    const versions = await Promise.all(
      regions.map(async (region, r) =>
        (await seeder.createSecret(region, name, contents[r])).versionId
      ),
    ) as [string, string];
    entries.push({
      name,
      yaml: `- {objectName: ${name}, objectType: secretsmanager}`,
      files: { [name.replaceAll("/", "_")]: { contents, versions, object: name } },
    });
  }
  for (let i = 0; i < counts.jsonSecrets; i++) {
    const name = `soak/json-${i}`;
    const users = regions.map((region) => `user-${region}-${tag(next)}`) as [string, string];
    const passwords = regions.map((region) => `password-${region}-${tag(next)}`) as [
      string,
      string,
    ];
    const contents = regions.map((_, r) =>
      JSON.stringify({ username: users[r], password: passwords[r] })
    ) as [string, string];
    const versions = await Promise.all(
      regions.map(async (region, r) =>
        (await seeder.createSecret(region, name, contents[r])).versionId
      ),
    ) as [string, string];
    const file = name.replaceAll("/", "_");
    entries.push({
      name,
      yaml: [
        `- objectName: ${name}`,
        "  objectType: secretsmanager",
        "  jmesPath:",
        `    - {path: username, objectAlias: ${file}-user}`,
        `    - {path: password, objectAlias: ${file}-password, filePermission: "0400"}`,
      ].join("\n"),
      files: {
        [file]: { contents, versions, object: name },
        [`${file}-user`]: { contents: users, versions, object: name },
        [`${file}-password`]: { contents: passwords, versions, object: name },
      },
    });
  }
  for (let i = 0; i < counts.parameters; i++) {
    const name = `/soak/param-${i}`;
    const contents = regions.map((region) => `param-${region}-${i}-${tag(next)}`) as [
      string,
      string,
    ];
    await seeder.putParameter(regions[0], name, contents[0], { type: "SecureString" });
    // Two versions in the failover region: its version number tells it apart.
    await seeder.putParameter(regions[1], name, `old-${contents[1]}`, { type: "SecureString" });
    await seeder.putParameter(regions[1], name, contents[1], {
      type: "SecureString",
      overwrite: true,
    });
    entries.push({
      name,
      yaml: `- {objectName: ${name}, objectType: ssmparameter}`,
      files: { [name.replaceAll("/", "_")]: { contents, versions: ["1", "2"], object: name } },
    });
  }
  return entries;
}

/** A random mount: one to `most` distinct entries. */
export function pickEntries(catalog: CatalogEntry[], next: () => number, most = 5): CatalogEntry[] {
  const count = 1 + Math.floor(next() * most);
  const chosen = new Set<CatalogEntry>();
  while (chosen.size < Math.min(count, catalog.length)) {
    chosen.add(catalog[Math.floor(next() * catalog.length)]);
  }
  return [...chosen];
}

/** Files of a directory, recursively, as relative path → text. */
export async function readFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(relative: string): Promise<void> {
    for await (const entry of Deno.readDir(relative === "" ? dir : `${dir}/${relative}`)) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else files.set(path, await Deno.readTextFile(`${dir}/${path}`));
    }
  }
  await walk("");
  return files;
}

/** What a check of a mount directory found. */
export interface MountCheck {
  /** `undefined` when the directory holds exactly the expected, complete files. */
  problem?: string;
  /** Objects whose content came from the failover region. */
  failovers: number;
}

/**
 * Checks that `files` (what the mount directory holds) are exactly the files
 * of `entries`, each with one region's content, the version of that region
 * (when `outcome` reports versions), and all files of an object from the same
 * region. No temporary file may be left.
 */
export function checkMountFiles(
  entries: CatalogEntry[],
  files: Map<string, string>,
  outcome?: MountOutcome,
): MountCheck {
  const expected = Object.assign({}, ...entries.map((entry) => entry.files)) as Record<
    string,
    ExpectedFile
  >;
  const names = Object.keys(expected).sort();
  const present = [...files.keys()].sort();
  if (JSON.stringify(names) !== JSON.stringify(present)) {
    return {
      problem: `files ${JSON.stringify(present)}, expected ${JSON.stringify(names)}`,
      failovers: 0,
    };
  }
  const regionOf = new Map<string, number>();
  for (const [path, want] of Object.entries(expected)) {
    const region = want.contents.indexOf(files.get(path)!);
    if (region < 0) return { problem: `${path} holds neither region's value`, failovers: 0 };
    if (outcome?.ok && outcome.versions[path] !== want.versions[region]) {
      return {
        problem: `${path}: version ${outcome.versions[path]} is not its region's`,
        failovers: 0,
      };
    }
    const seen = regionOf.get(want.object);
    if (seen !== undefined && seen !== region) {
      return { problem: `files of ${want.object} come from different regions`, failovers: 0 };
    }
    regionOf.set(want.object, region);
  }
  return { failovers: [...regionOf.values()].filter((region) => region === 1).length };
}
