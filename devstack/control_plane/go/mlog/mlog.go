// Package mlog is a local stand-in for the monis.app/mlog logging module,
// which the Go module proxy reachable from this project's machines does not
// serve.
//
// The Secrets Store CSI driver's main package (cmd/secrets-store-csi-driver,
// v1.5.6 and v1.6.0) uses exactly this surface: Setup, the FormatText and
// FormatJSON formats, ValidateAndSetKlogLevelAndFormatGlobally, Error and
// Fatal; pkg/secrets-store and (v1.5.6) pkg/rotation call Fatal. The driver's
// code is otherwise unmodified: everything it logs goes through klog as
// usual. This stand-in validates the klog level, sends klog's output to
// stderr as text (klog's own format) or as JSON lines, and exits on Fatal.
package mlog

import (
	"context"
	"fmt"
	"os"

	"github.com/go-logr/logr/funcr"
	"k8s.io/klog/v2"
)

// LogFormat selects how klog's output is written.
type LogFormat string

const (
	// FormatText is klog's own text format.
	FormatText LogFormat = "text"
	// FormatJSON writes one JSON object per line.
	FormatJSON LogFormat = "json"
)

// maxLevel is the highest klog verbosity accepted (klog itself has no upper bound;
// Kubernetes components document 0-10).
const maxLevel klog.Level = 10

// Setup prepares logging and returns the function that flushes it; callers
// defer the result (`defer mlog.Setup()()`).
func Setup() func() {
	return klog.Flush
}

// ValidateAndSetKlogLevelAndFormatGlobally checks the verbosity read from
// klog's -v flag and installs the output format for every klog call.
func ValidateAndSetKlogLevelAndFormatGlobally(_ context.Context, level klog.Level, format LogFormat) error {
	if level < 0 || level > maxLevel {
		return fmt.Errorf("invalid log level %d: must be between 0 and %d", level, maxLevel)
	}
	switch format {
	case FormatText:
		return nil
	case FormatJSON:
		// funcr's verbosity is the highest V level it prints; klog's -v is the same number.
		logger := funcr.NewJSON(func(line string) {
			fmt.Fprintln(os.Stderr, line)
		}, funcr.Options{LogTimestamp: true, Verbosity: int(level)})
		klog.SetLogger(logger)
		return nil
	default:
		return fmt.Errorf("unknown log format %q: use %q or %q", format, FormatText, FormatJSON)
	}
}

// Error logs msg with err and optional key/value pairs.
func Error(msg string, err error, keysAndValues ...any) {
	klog.ErrorSDepth(1, err, msg, keysAndValues...)
}

// Fatal logs err (plus optional key/value pairs), flushes and exits with
// status 255: the driver relies on Fatal ending the process.
func Fatal(err error, keysAndValues ...any) {
	klog.ErrorSDepth(1, err, "fatal error", keysAndValues...)
	klog.Flush()
	os.Exit(255)
}
