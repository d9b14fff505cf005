// Stand-in for monis.app/mlog, which the Go module proxy reachable here does not serve.
// The requirements are the lowest versions both driver releases already use, so this
// module never raises a dependency of the driver it is built with.
module monis.app/mlog

go 1.24

require (
	github.com/go-logr/logr v1.2.4
	k8s.io/klog/v2 v2.100.1
)
