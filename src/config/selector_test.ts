import assert from "node:assert/strict";
import { decodeObjects, type ObjectSpec } from "./objects_decode.ts";
import {
  isSelectorSpec,
  matchFileName,
  parseSelector,
  type Selector,
  selectorLabel,
  ssmPathProblem,
} from "./selector.ts";

function entry(yaml: string): ObjectSpec {
  const [spec] = decodeObjects(yaml);
  assert.ok(spec !== null);
  return spec;
}

function parsed(yaml: string, options: { translationOff?: boolean } = {}): Selector {
  const result = parseSelector(entry(yaml), options.translationOff ? undefined : "_");
  assert.ok("selector" in result, "problem" in result ? result.problem : "");
  return result.selector;
}

function problem(yaml: string): string {
  const result = parseSelector(entry(yaml), "_");
  assert.ok("problem" in result, `no problem with ${yaml}`);
  return result.problem;
}

Deno.test("an entry without objectName but with path, namePrefix or tags is a selector", () => {
  assert.ok(isSelectorSpec(entry("- {path: /app}")));
  assert.ok(isSelectorSpec(entry("- {namePrefix: prod/}")));
  assert.ok(isSelectorSpec(entry("- {tags: {team: a}}")));
  assert.ok(isSelectorSpec(entry("- {recursive: true}")));
  assert.ok(!isSelectorSpec(entry("- {objectName: a}")));
  assert.ok(!isSelectorSpec(entry("- {}")));
});

Deno.test("with objectName, selector fields are ignored as the Go provider ignores unknown keys", () => {
  const spec = entry("- {objectName: a, path: /app, tags: [not, a, map], recursive: {a: b}}");
  assert.equal(spec.selector, undefined);
  assert.ok(!isSelectorSpec(spec));
});

Deno.test("path selects SSM parameters, recursive is Go's ParseBool", () => {
  assert.deepEqual(parsed("- {path: /app/prod, recursive: true}"), {
    store: "ssmparameter",
    path: "/app/prod",
    recursive: true,
    translation: "_",
  });
  assert.equal(
    (parsed("- {path: /app, recursive: 'F', objectType: ssmparameter}") as { recursive: boolean })
      .recursive,
    false,
  );
  assert.equal(
    (parsed("- {path: /app}") as { recursive: boolean }).recursive,
    false,
  );
});

Deno.test("namePrefix and tags select secrets; tags are sorted by key and the last duplicate wins", () => {
  assert.deepEqual(
    parsed("- {namePrefix: prod/app/, tags: {team: payments, env: prod, team: billing}}", {
      translationOff: true,
    }),
    {
      store: "secretsmanager",
      namePrefix: "prod/app/",
      tags: [["env", "prod"], ["team", "billing"]],
      translation: undefined,
    },
  );
  assert.deepEqual(parsed("- {tags: {team: ~, count: 5}}"), {
    store: "secretsmanager",
    namePrefix: "",
    tags: [["count", "5"], ["team", ""]],
    translation: "_",
  });
});

Deno.test("fields that name one object are refused on a selector", () => {
  assert.equal(
    problem("- {path: /app, objectAlias: x}"),
    "objectAlias is not allowed on a selector (each match is named after itself): path /app",
  );
  assert.match(problem("- {namePrefix: p, objectVersion: v1}"), /^objectVersion is not allowed/);
  assert.match(problem("- {namePrefix: p, objectVersionLabel: L}"), /^objectVersionLabel is not/);
  assert.match(
    problem("- {path: /a, jmesPath: [{path: x, objectAlias: y}]}"),
    /^jmesPath is not allowed on a selector \(jmesPath applies to one named object\): path \/a$/,
  );
  assert.match(
    problem("- {tags: {a: b}, failoverObject: {objectName: other}}"),
    /^failoverObject is not allowed on a selector \(the failover region is searched with the same selector\): tags a=b$/,
  );
});

Deno.test("a selector's store and objectType must agree; path and namePrefix do not mix", () => {
  assert.equal(
    problem("- {path: /app, objectType: secretsmanager}"),
    "objectType secretsmanager does not match the selector, which selects ssmparameter objects: path /app",
  );
  assert.match(problem("- {namePrefix: p, objectType: ssmparameter}"), /selects secretsmanager/);
  assert.equal(
    problem("- {path: /app, namePrefix: x}"),
    "path (SSM Parameter Store) cannot be combined with namePrefix or tags (Secrets Manager): path /app and namePrefix x",
  );
  assert.equal(
    problem("- {namePrefix: x, recursive: true}"),
    "recursive is allowed only with path: namePrefix x",
  );
});

Deno.test("paths follow GetParametersByPath's rules", () => {
  assert.equal(ssmPathProblem("/"), undefined);
  assert.equal(ssmPathProblem("/a-b/c_d/e.f/"), undefined);
  assert.match(ssmPathProblem("app")!, /starts with \//);
  assert.match(ssmPathProblem("/a b")!, /only letters/);
  assert.match(ssmPathProblem("/" + "a".repeat(2048))!, /longer than 2048/);
  assert.match(ssmPathProblem("/a".repeat(16))!, /more than 15 levels/);
  assert.equal(ssmPathProblem("/a".repeat(15)), undefined);
  assert.match(
    problem("- {path: '/app/*'}"),
    /^invalid path: an SSM path starts with \/ and holds only letters/,
  );
  assert.equal(
    problem("- {path: /app, recursive: maybe}"),
    'recursive must be true or false, not "maybe": path /app',
  );
});

Deno.test("filter values: Secrets Manager's alphabet, at most 512 characters, never a leading '!'", () => {
  assert.match(problem("- {namePrefix: '!prod'}"), /^invalid namePrefix: only letters/);
  assert.match(problem("- {namePrefix: 'a*'}"), /^invalid namePrefix/);
  assert.match(problem(`- {namePrefix: ${"a".repeat(513)}}`), /longer than 512/);
  assert.match(problem("- {namePrefix: ''}"), /^invalid namePrefix: it is empty/);
  assert.match(problem("- {tags: {'!team': a}}"), /^invalid tag/);
  assert.match(problem("- {tags: {team: '!a'}}"), /^invalid tag/);
  assert.match(problem("- {tags: {'': a}}"), /^invalid tag: it is empty/);
  assert.equal(problem("- {tags: {}}"), "tags must name at least one tag: tags ");
  assert.match(
    problem("- {tags: {a: 1, b: 2, c: 3, d: 4, e: 5}}"),
    /^a selector takes at most 4 tags \(Secrets Manager takes 10 filters a call\), not 5/,
  );
  assert.deepEqual(
    (parsed("- {namePrefix: 'a!b: c@d+e=f.g-h'}") as { namePrefix: string })
      .namePrefix,
    "a!b: c@d+e=f.g-h",
  );
});

Deno.test("selector fields of the wrong type are refused, naming the field", () => {
  assert.equal(problem("- {path: [a]}"), "path must be a string (a selector)");
  assert.equal(
    problem("- {tags: [a]}"),
    "tags must be a map of tag keys to values (a selector)",
  );
  assert.equal(
    problem("- {namePrefix: p, tags: {a: [b]}}"),
    "tags must be a map of tag keys to values (namePrefix p)",
  );
});

Deno.test("labels name what a selector selects, long texts cut short", () => {
  assert.equal(selectorLabel(parsed("- {path: /app, recursive: yes}")), "path /app (recursive)");
  assert.equal(
    selectorLabel(parsed("- {namePrefix: prod/, tags: {team: a, env: b}}")),
    "namePrefix prod/ and tags env=b,team=a",
  );
  assert.equal(
    selectorLabel(parsed(`- {namePrefix: ${"n".repeat(100)}}`)),
    `namePrefix ${"n".repeat(64)}…`,
  );
});

Deno.test("a match is named after itself, translated like a listed object", () => {
  assert.equal(matchFileName(parsed("- {path: /app}"), "/app/db/password"), "_app_db_password");
  assert.equal(
    matchFileName(parsed("- {path: /app}", { translationOff: true }), "/app/db/password"),
    "app/db/password",
  );
});
