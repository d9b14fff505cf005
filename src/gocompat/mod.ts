/**
 * Go behaviour users of the Go provider see, reproduced where it reaches them
 * (pod events, flag errors, file names and contents). Each file says which
 * Go library it follows; tests pin texts printed by Go itself, and the YAML
 * parser is compared with go-yaml by a differential test
 * (`test/fuzz/yaml_differential_test.ts`).
 *
 * | file         | Go                                     | what users see                                                                          |
 * | ------------ | -------------------------------------- | --------------------------------------------------------------------------------------- |
 * | `json.ts`    | `encoding/json`                        | type errors of the driver's attributes, file permission and the kubelet's tokens         |
 * | `strconv.ts` | `strconv.FormatFloat`, `ParseBool`     | a YAML float in a string field (`0.5` → `"0.5"`), `usePodIdentity` spellings             |
 * | `time.ts`    | `time.ParseDuration`, `Duration.String`| duration flags and their messages                                                       |
 * | `flag.ts`    | `flag`                                 | the command line: `-flag`, `--flag=v`, booleans, usage, errors                           |
 * | `yaml/`      | go-yaml v2 (libyaml)                   | the `objects` YAML: values (`0600` is 384, `yes` is true), errors and their line numbers |
 *
 * JMESPath's view of JSON (Go's `json.Unmarshal` into `interface{}` and
 * `json.Marshal`) lives with the evaluator in `fetch/jmes/`, where its work is
 * charged to the evaluation's budget.
 *
 * @module
 */

export * from "./flag.ts";
export * from "./json.ts";
export * from "./strconv.ts";
export * from "./time.ts";
export * from "./yaml/mod.ts";
