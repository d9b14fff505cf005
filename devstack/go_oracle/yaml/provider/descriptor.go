// Package provider holds the shapes the Go provider (aws/secrets-store-csi-driver-provider-aws
// 3.1.1, provider/secret_descriptor.go) decodes the `objects` parameter into. The package name
// matters: encoding/json names these types in its errors ("[]*provider.SecretDescriptor").
package provider

// SecretDescriptor is one entry of the objects list, with the provider's JSON field names.
type SecretDescriptor struct {
	ObjectName         string              `json:"objectName"`
	ObjectAlias        string              `json:"objectAlias"`
	ObjectVersion      string              `json:"objectVersion"`
	ObjectVersionLabel string              `json:"objectVersionLabel"`
	ObjectType         string              `json:"objectType"`
	FilePermission     string              `json:"filePermission"`
	JMESPath           []JMESPathEntry     `json:"jmesPath"`
	FailoverObject     FailoverObjectEntry `json:"failoverObject"`
}

// JMESPathEntry is one jmesPath entry of an object.
type JMESPathEntry struct {
	Path           string `json:"path"`
	ObjectAlias    string `json:"objectAlias"`
	FilePermission string `json:"filePermission"`
}

// FailoverObjectEntry is the failoverObject of an object.
type FailoverObjectEntry struct {
	ObjectName         string `json:"objectName"`
	ObjectVersion      string `json:"objectVersion"`
	ObjectVersionLabel string `json:"objectVersionLabel"`
}
