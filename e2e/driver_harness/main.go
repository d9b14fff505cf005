// Command driver_harness plays the node side of the Kubernetes Secrets Store
// CSI driver against a provider listening on <provider-dir>/<provider>.sock.
//
// All provider-facing code is the real driver's
// (sigs.k8s.io/secrets-store-csi-driver): the gRPC client comes from
// secretsstore.NewPluginClientBuilder, mounts go through
// secretsstore.MountContent (which validates the returned files and writes
// them with the driver's atomic writer), and the mounted files are listed with
// fileutil.GetMountedFiles. The harness only adds a newline-delimited JSON
// protocol on stdin/stdout so that tests written in any language can drive it.
// See README.md for the protocol.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/klog/v2"
)

func main() {
	os.Exit(realMain(os.Args[1:]))
}

func realMain(args []string) int {
	fs := flag.NewFlagSet("driver_harness", flag.ContinueOnError)
	providerDir := fs.String("provider-dir", "", "directory holding <provider>.sock (required)")
	provider := fs.String("provider", "aws", "provider name; the socket is <provider-dir>/<provider>.sock")
	workDir := fs.String("work-dir", "", "directory in which fresh mount target dirs are created "+
		"(default: a new temp dir that is removed when the harness exits)")
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	klogFlags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, "klog: "+f.Usage) })
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *providerDir == "" {
		fmt.Fprintln(os.Stderr, "driver_harness: -provider-dir is required")
		fs.Usage()
		return 2
	}

	h, err := newHarness(*providerDir, *provider, *workDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "driver_harness: %v\n", err)
		return 1
	}
	defer h.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	info := buildVersions()
	fmt.Fprintf(os.Stderr, "driver_harness: driver %s, grpc %s, provider %q at %s\n",
		info.Driver, info.GRPC, *provider, h.socketPath())

	if err := h.Serve(ctx, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "driver_harness: %v\n", err)
		return 1
	}
	return 0
}
