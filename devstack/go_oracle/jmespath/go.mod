// The JMESPath oracle: github.com/jmespath/go-jmespath v0.4.0, the version the Go provider uses.
module devstack.local/go_oracle/jmespath

go 1.22

require github.com/jmespath/go-jmespath v0.4.0
