// Command jmes-oracle extracts jmesPath values from secrets the way the Go provider does
// (provider/secret_value.go, getJsonSecrets: json.Unmarshal into interface{}, then
// jmespath.Search for each entry in order on that one document, only string results
// becoming files), for differential tests of our evaluator.
//
// Input (stdin): a JSON array of cases
//
//	{"document": "<base64 secret bytes>", "objectName": "...", "entries": [{"path": "...", "alias": "..."}]}
//
// Output (stdout): a JSON array with one result per case:
//
//	{"outcomes": [<outcome>, ...]}
//
// where an outcome is {"values": ["<base64 file content>", ...]}, {"error": "<the provider's
// error text>"} or {"panic": "<what go-jmespath panicked with>"}. Go iterates maps in a random
// order, so an outcome can depend on the run: each case runs a few times and, when the runs
// disagree, many more times; every distinct outcome seen is listed (most cases have one).
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/jmespath/go-jmespath"
)

type entry struct {
	Path  string `json:"path"`
	Alias string `json:"alias"`
}

type testCase struct {
	Document   string  `json:"document"`
	ObjectName string  `json:"objectName"`
	Entries    []entry `json:"entries"`
}

type outcome struct {
	Values []string `json:"values,omitempty"`
	Error  *string  `json:"error,omitempty"`
	Panic  *string  `json:"panic,omitempty"`
}

type result struct {
	Outcomes []outcome `json:"outcomes"`
}

const (
	firstRuns    = 8
	unstableRuns = 200
)

// extract is getJsonSecrets of the Go provider, with the same error texts.
func extract(document []byte, objectName string, entries []entry) (values [][]byte, err error) {
	var data interface{}
	if err := json.Unmarshal(document, &data); err != nil {
		return nil, fmt.Errorf("Invalid JSON used with jmesPath in secret: %s.", objectName)
	}
	for _, e := range entries {
		found, err := jmespath.Search(e.Path, data)
		if err != nil {
			return nil, fmt.Errorf("Invalid JMES Path: %s.", e.Path)
		}
		if found == nil {
			return nil, fmt.Errorf("JMES Path - %s for object alias - %s does not point to a valid object.",
				e.Path, e.Alias)
		}
		text, isString := found.(string)
		if !isString {
			return nil, fmt.Errorf("Invalid JMES search result type for path:%s. Only string is allowed.", e.Path)
		}
		values = append(values, []byte(text))
	}
	return values, nil
}

func run(document []byte, c testCase) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			text := fmt.Sprint(r)
			o = outcome{Panic: &text}
		}
	}()
	values, err := extract(document, c.ObjectName, c.Entries)
	if err != nil {
		text := err.Error()
		return outcome{Error: &text}
	}
	o.Values = []string{}
	for _, v := range values {
		o.Values = append(o.Values, base64.StdEncoding.EncodeToString(v))
	}
	return o
}

func key(o outcome) string {
	b, _ := json.Marshal(o)
	return string(b)
}

func evaluate(c testCase) result {
	document, err := base64.StdEncoding.DecodeString(c.Document)
	if err != nil {
		text := "bad base64 document: " + err.Error()
		return result{Outcomes: []outcome{{Panic: &text}}}
	}
	seen := map[string]bool{}
	var outcomes []outcome
	add := func(o outcome) {
		if k := key(o); !seen[k] {
			seen[k] = true
			outcomes = append(outcomes, o)
		}
	}
	for i := 0; i < firstRuns; i++ {
		add(run(document, c))
	}
	if len(outcomes) > 1 {
		for i := 0; i < unstableRuns; i++ {
			add(run(document, c))
		}
	}
	return result{Outcomes: outcomes}
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "jmes-oracle: reading stdin:", err)
		os.Exit(2)
	}
	var cases []testCase
	if err := json.Unmarshal(input, &cases); err != nil {
		fmt.Fprintln(os.Stderr, "jmes-oracle: input is not a JSON array of cases:", err)
		os.Exit(2)
	}
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = evaluate(c)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "jmes-oracle: writing stdout:", err)
		os.Exit(2)
	}
}
