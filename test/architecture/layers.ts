/**
 * The folder graph of `src/`, derived from the module graph `deno info
 * --json` reports, and the rules it must keep: layers point one way, and a
 * folder is entered only through its `mod.ts`.
 *
 * @module
 */

/** Layers from the top; a folder may import only folders of lower layers. */
export const LAYERS: readonly (readonly string[])[] = [
  ["(root)"], // main.ts, provider.ts: the composition root
  ["cli"],
  ["server"],
  ["mount"],
  ["fetch", "files"],
  ["config", "identity"],
  ["metrics"],
  ["aws"],
  ["cache", "gocompat", "log"],
  ["limits"],
];

/** One import between two modules of `src/`. */
export interface ImportEdge {
  /** Importing module, relative to `src/`. */
  from: string;
  /** Imported module, relative to `src/`. */
  to: string;
}

/** The top folder of a module path relative to `src/` (`(root)` for files directly in it). */
export function folderOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? "(root)" : path.slice(0, slash);
}

/** Every import (code or type) between modules of `src/` in a `deno info --json` graph. */
export function srcImports(graph: unknown, srcUrl: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const modules = (graph as { modules?: { specifier: string; dependencies?: unknown[] }[] })
    .modules ?? [];
  for (const module of modules) {
    if (!module.specifier.startsWith(srcUrl)) continue;
    const from = module.specifier.slice(srcUrl.length);
    for (const dependency of module.dependencies ?? []) {
      const { code, type } = dependency as {
        code?: { specifier?: string };
        type?: { specifier?: string };
      };
      for (const target of [code?.specifier, type?.specifier]) {
        if (target?.startsWith(srcUrl)) edges.push({ from, to: target.slice(srcUrl.length) });
      }
    }
  }
  return edges;
}

/** What is wrong with the imports: upward or sideways imports, and entries not through `mod.ts`. */
export function layerProblems(edges: readonly ImportEdge[]): string[] {
  const rank = new Map<string, number>();
  LAYERS.forEach((layer, index) => layer.forEach((folder) => rank.set(folder, index)));
  const problems = new Set<string>();
  for (const { from, to } of edges) {
    const source = folderOf(from);
    const target = folderOf(to);
    if (source === target) continue;
    const sourceRank = rank.get(source);
    const targetRank = rank.get(target);
    if (sourceRank === undefined || targetRank === undefined) {
      problems.add(
        `${from} -> ${to}: folder ${sourceRank === undefined ? source : target} has no layer`,
      );
    } else if (targetRank <= sourceRank) {
      problems.add(`${from} -> ${to}: ${source} may not import ${target} (not a lower layer)`);
    }
    if (target !== "(root)" && to !== `${target}/mod.ts`) {
      problems.add(`${from} -> ${to}: enter ${target}/ through ${target}/mod.ts`);
    }
  }
  return [...problems].sort();
}
