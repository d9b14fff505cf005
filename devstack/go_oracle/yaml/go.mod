// The YAML oracle: go-yaml v2 and sigs.k8s.io/yaml exactly as the Go provider uses them.
module devstack.local/go_oracle/yaml

go 1.22

require (
	gopkg.in/yaml.v2 v2.4.0
	sigs.k8s.io/yaml v1.6.0
)

require go.yaml.in/yaml/v2 v2.4.2 // indirect
