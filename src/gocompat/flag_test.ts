// Expected values and texts were printed by Go 1.26's flag package (a FlagSet
// with the same three flags) for the same argument lists.
import assert from "node:assert/strict";
import {
  type FlagDefinition,
  FlagError,
  formatUsage,
  HelpRequested,
  parseGoFlags,
} from "./flag.ts";

const DEFINITIONS: FlagDefinition[] = [
  {
    name: "provider-volume",
    kind: "string",
    defaultValue: "/var/run/secrets-store-csi-providers",
    usage: "Rendezvous directory for provider socket",
  },
  {
    name: "driver-writes-secrets",
    kind: "bool",
    defaultValue: "false",
    usage: "The driver will do the write instead of the plugin",
  },
  { name: "qps", kind: "int", defaultValue: "5", usage: "Maximum queries" },
];

function parse(args: string[]) {
  return parseGoFlags(args, DEFINITIONS);
}

function flagError(args: string[]): string {
  try {
    parse(args);
  } catch (error) {
    assert.ok(error instanceof FlagError);
    return error.message;
  }
  assert.fail(`parseGoFlags(${JSON.stringify(args)}) did not throw`);
}

Deno.test("no arguments give the defaults", () => {
  assert.deepEqual(parse([]), {
    values: {
      "provider-volume": "/var/run/secrets-store-csi-providers",
      "driver-writes-secrets": false,
      qps: 5,
    },
    rest: [],
  });
});

Deno.test("a flag takes one or two dashes, and its value after = or as the next argument", async (t) => {
  for (const args of [["-qps", "7"], ["--qps", "7"], ["-qps=7"], ["--qps=7"]]) {
    await t.step(args.join(" "), () => assert.equal(parse(args).values.qps, 7));
  }
});

Deno.test("the next argument is taken as the value even when it looks like a flag", () => {
  assert.equal(parse(["-provider-volume", "-qps"]).values["provider-volume"], "-qps");
});

Deno.test("only the first = separates name and value", () => {
  assert.equal(parse(["-provider-volume=a=b"]).values["provider-volume"], "a=b");
});

Deno.test("the last occurrence of a flag wins", () => {
  assert.equal(parse(["-qps", "3", "-qps", "4"]).values.qps, 4);
});

Deno.test("integers use Go's ParseInt base prefixes and underscores", async (t) => {
  const cases: [string, number][] = [
    ["10", 10],
    ["0x10", 16],
    ["010", 8],
    ["0b11", 3],
    ["1_000", 1000],
    ["-3", -3],
  ];
  for (const [value, expected] of cases) {
    await t.step(`-qps=${value} is ${expected}`, () => {
      assert.equal(parse([`-qps=${value}`]).values.qps, expected);
    });
  }
});

Deno.test("bad integers fail with Go's texts", () => {
  assert.equal(flagError(["-qps="]), 'invalid value "" for flag -qps: parse error');
  assert.equal(flagError(["-qps=x"]), 'invalid value "x" for flag -qps: parse error');
  assert.equal(flagError(["-qps=1_"]), 'invalid value "1_" for flag -qps: parse error');
  assert.equal(flagError(["-qps=1.5"]), 'invalid value "1.5" for flag -qps: parse error');
  assert.equal(flagError(['-qps="1"']), 'invalid value "\\"1\\"" for flag -qps: parse error');
  assert.equal(
    flagError(["-qps=9223372036854775808"]),
    'invalid value "9223372036854775808" for flag -qps: value out of range',
  );
});

Deno.test("a value flag at the end without a value fails", () => {
  assert.equal(flagError(["-qps"]), "flag needs an argument: -qps");
});

Deno.test("a bool flag alone is true and takes a value only after =", () => {
  assert.equal(parse(["-driver-writes-secrets"]).values["driver-writes-secrets"], true);
  assert.equal(parse(["--driver-writes-secrets=0"]).values["driver-writes-secrets"], false);
  assert.equal(parse(["-driver-writes-secrets=false"]).values["driver-writes-secrets"], false);
});

Deno.test("a bool flag does not consume the next argument", () => {
  assert.deepEqual(parse(["-driver-writes-secrets", "false"]), {
    values: {
      "provider-volume": "/var/run/secrets-store-csi-providers",
      "driver-writes-secrets": true,
      qps: 5,
    },
    rest: ["false"],
  });
});

Deno.test("bad booleans fail with Go's texts", () => {
  assert.equal(
    flagError(["-driver-writes-secrets=yes"]),
    'invalid boolean value "yes" for -driver-writes-secrets: parse error',
  );
  assert.equal(
    flagError(["-driver-writes-secrets="]),
    'invalid boolean value "" for -driver-writes-secrets: parse error',
  );
});

Deno.test("an unknown flag fails with Go's text, names being case-sensitive", () => {
  assert.equal(flagError(["-x"]), "flag provided but not defined: -x");
  assert.equal(flagError(["--x=1"]), "flag provided but not defined: -x");
  assert.equal(flagError(["-Qps=3"]), "flag provided but not defined: -Qps");
});

Deno.test("-h, --help and -help=... ask for help", () => {
  for (const args of [["-h"], ["--help"], ["-help=1"]]) {
    assert.throws(() => parse(args), HelpRequested);
  }
});

Deno.test("three dashes or an empty name is bad flag syntax", () => {
  assert.equal(flagError(["---qps=3"]), "bad flag syntax: ---qps=3");
  assert.equal(flagError(["-=3"]), "bad flag syntax: -=3");
});

Deno.test("parsing stops at --, at - and at the first non-flag argument", () => {
  assert.deepEqual(parse(["--", "-qps=3"]).rest, ["-qps=3"]);
  assert.equal(parse(["--", "-qps=3"]).values.qps, 5);
  assert.deepEqual(parse(["-"]).rest, ["-"]);
  assert.deepEqual(parse(["x", "-qps=3"]).rest, ["x", "-qps=3"]);
  assert.equal(parse(["x", "-qps=3"]).values.qps, 5);
});

Deno.test("usage lists flags sorted by name in Go's layout", () => {
  assert.equal(
    formatUsage("provider", [
      ...DEFINITIONS,
      {
        name: "eks-addon-version",
        kind: "string",
        defaultValue: "",
        usage: "The EKS addon version of the provider",
      },
    ]),
    [
      "Usage of provider:",
      "  -driver-writes-secrets",
      "    \tThe driver will do the write instead of the plugin",
      "  -eks-addon-version string",
      "    \tThe EKS addon version of the provider",
      "  -provider-volume string",
      '    \tRendezvous directory for provider socket (default "/var/run/secrets-store-csi-providers")',
      "  -qps int",
      "    \tMaximum queries (default 5)",
    ].join("\n"),
  );
});

Deno.test("usage sorts names by bytes, as Go does, not by locale", () => {
  const names = ["a_b", "aB", "a-b", "Ab"].map((name): FlagDefinition => ({
    name,
    kind: "bool",
    defaultValue: "false",
    usage: "u",
  }));
  assert.deepEqual(
    formatUsage("p", names).split("\n").filter((line) => line.startsWith("  -")),
    ["  -Ab", "  -a-b", "  -aB", "  -a_b"],
  );
});
