// Package mlog is a local stand-in for the monis.app/mlog logging module.
//
// The Secrets Store CSI driver (sigs.k8s.io/secrets-store-csi-driver) imports
// monis.app/mlog in exactly one place: pkg/secrets-store/server.go calls
// mlog.Fatal(err) when the CSI gRPC server fails to start. The driver harness
// never starts that server, but the package must still compile. The real
// module is not served by the Go module proxy reachable from this build
// environment, so go.mod / go_v1_5.mod redirect it here with
//
//	replace monis.app/mlog => ./mlogshim
//
// This shim replaces a logging helper ONLY. Everything that talks to the
// provider (PluginClientBuilder, MountContent, Version, the atomic writer,
// fileutil) is the real, unmodified driver code.
package mlog

import (
	"fmt"
	"os"
)

// Fatal logs err (plus optional key/value pairs) to stderr and exits with
// status 255, matching the behaviour the driver relies on (process exit).
func Fatal(err error, keysAndValues ...any) {
	fmt.Fprintf(os.Stderr, "fatal: %v", err)
	for i := 0; i+1 < len(keysAndValues); i += 2 {
		fmt.Fprintf(os.Stderr, " %v=%v", keysAndValues[i], keysAndValues[i+1])
	}
	if len(keysAndValues)%2 == 1 {
		fmt.Fprintf(os.Stderr, " %v", keysAndValues[len(keysAndValues)-1])
	}
	fmt.Fprintln(os.Stderr)
	os.Exit(255)
}
