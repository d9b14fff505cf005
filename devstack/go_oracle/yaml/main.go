// Command yaml-oracle decodes YAML documents the way the Go provider does, for differential
// tests of our YAML 1.1 parser.
//
// Input (stdin): a JSON array of documents (strings). Output (stdout): a JSON array with one
// result per document:
//
//	{"value": <typed>, "valueError": "..."}        gopkg.in/yaml.v2 Unmarshal into interface{}
//	{"objects": [...], "objectsError": "..."}      sigs.k8s.io/yaml Unmarshal into []*provider.SecretDescriptor
//
// sigs.k8s.io/yaml walks Go maps in random order, so when a document has two keys JSON cannot
// take, which one its error names varies: the descriptors are decoded several times and
// "objectsErrors" lists every distinct error seen.
//
// A typed value keeps what JSON would lose: integers are {"int": "<decimal>"}, floats
// {"float": "<strconv 'g' -1>"} (NaN, +Inf, -Inf included), mappings {"map": [[key, value], ...]}
// in Go's map (unspecified) order, anything else {"other": "<%T %#v>"}. A panic other than
// go-yaml's own errors is reported as {"panic": "..."}.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"devstack.local/go_oracle/yaml/provider"
	yamlv2 "gopkg.in/yaml.v2"
	"sigs.k8s.io/yaml"
)

type result struct {
	Value         interface{} `json:"value"`
	ValueError    *string     `json:"valueError,omitempty"`
	Objects       interface{} `json:"objects"`
	ObjectsError  *string     `json:"objectsError,omitempty"`
	ObjectsErrors []string    `json:"objectsErrors,omitempty"`
	Panic         *string     `json:"panic,omitempty"`
}

func typed(value interface{}) interface{} {
	switch v := value.(type) {
	case nil, bool, string:
		return v
	case int:
		return map[string]string{"int": strconv.FormatInt(int64(v), 10)}
	case int64:
		return map[string]string{"int": strconv.FormatInt(v, 10)}
	case uint64:
		return map[string]string{"int": strconv.FormatUint(v, 10)}
	case float64:
		switch {
		case math.IsNaN(v):
			return map[string]string{"float": "NaN"}
		case math.IsInf(v, 1):
			return map[string]string{"float": "+Inf"}
		case math.IsInf(v, -1):
			return map[string]string{"float": "-Inf"}
		}
		return map[string]string{"float": strconv.FormatFloat(v, 'g', -1, 64)}
	case []interface{}:
		items := make([]interface{}, len(v))
		for i, item := range v {
			items[i] = typed(item)
		}
		return items
	case map[interface{}]interface{}:
		pairs := make([][2]interface{}, 0, len(v))
		for key, item := range v {
			pairs = append(pairs, [2]interface{}{typed(key), typed(item)})
		}
		return map[string]interface{}{"map": pairs}
	}
	return map[string]string{"other": fmt.Sprintf("%T %#v", value, value)}
}

func decode(document string) (out result) {
	defer func() {
		if recovered := recover(); recovered != nil {
			text := fmt.Sprint(recovered)
			out = result{Panic: &text}
		}
	}()
	var value interface{}
	if err := yamlv2.Unmarshal([]byte(document), &value); err != nil {
		text := err.Error()
		out.ValueError = &text
	} else {
		out.Value = typed(value)
	}
	seen := map[string]bool{}
	for run := 0; run < objectsRuns; run++ {
		descriptors := make([]*provider.SecretDescriptor, 0)
		err := yaml.Unmarshal([]byte(document), &descriptors)
		if err == nil {
			out.Objects = descriptors
			break
		}
		text := err.Error()
		if out.ObjectsError == nil {
			out.ObjectsError = &text
		}
		if !seen[text] {
			seen[text] = true
			out.ObjectsErrors = append(out.ObjectsErrors, text)
		}
	}
	return out
}

// objectsRuns is how often a failing document is decoded again to see the errors random map
// order gives (with two candidate keys, eight runs miss one with probability 1/128).
const objectsRuns = 8

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "yaml-oracle: reading stdin:", err)
		os.Exit(2)
	}
	var documents []string
	if err := json.Unmarshal(input, &documents); err != nil {
		fmt.Fprintln(os.Stderr, "yaml-oracle: stdin is not a JSON array of strings:", err)
		os.Exit(2)
	}
	results := make([]result, len(documents))
	for i, document := range documents {
		results[i] = decode(document)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "yaml-oracle: writing stdout:", err)
		os.Exit(2)
	}
}
