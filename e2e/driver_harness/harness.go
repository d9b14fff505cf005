package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/status"
	secretsstore "sigs.k8s.io/secrets-store-csi-driver/pkg/secrets-store"
	"sigs.k8s.io/secrets-store-csi-driver/pkg/util/fileutil"
)

// CSI volume context keys, exactly as kubelet sends them to the driver and the
// driver forwards them to the provider (pkg/secrets-store/nodeserver.go).
const (
	attrSecretProviderClass   = "secretProviderClass"
	attrPodName               = "csi.storage.k8s.io/pod.name"
	attrPodNamespace          = "csi.storage.k8s.io/pod.namespace"
	attrPodUID                = "csi.storage.k8s.io/pod.uid"
	attrServiceAccountName    = "csi.storage.k8s.io/serviceAccount.name"
	attrEphemeral             = "csi.storage.k8s.io/ephemeral"
	attrServiceAccountTokens  = "csi.storage.k8s.io/serviceAccount.tokens" //nolint:gosec // attribute name, not a credential
	defaultPermission         = "420"                                      // json.Marshal(os.FileMode(0644)), as the driver sends it
	defaultSecrets            = "null"                                     // json.Marshal of a nil nodePublishSecretRef map
	defaultSPC                = "spc"
	defaultVersionTimeout     = 5 * time.Second  // the driver's provider health check timeout
	defaultMountTimeout       = 30 * time.Second // generous; kubelet's NodePublish budget is larger
	maxCommandLineBytes       = 64 << 20
	targetDirPattern          = "volume-"
	targetDirPerm             = 0o750 // the driver creates missing target paths with 0750
	maxDefaultManyConcurrency = 1024
)

type podInfo struct {
	Name               string `json:"name"`
	Namespace          string `json:"namespace"`
	UID                string `json:"uid"`
	ServiceAccountName string `json:"serviceAccountName"`
}

type command struct {
	ID                  json.RawMessage   `json:"id,omitempty"`
	Op                  string            `json:"op"`
	TimeoutMs           int64             `json:"timeoutMs,omitempty"`
	Parameters          map[string]string `json:"parameters,omitempty"`
	Pod                 podInfo           `json:"pod"`
	Tokens              *string           `json:"tokens,omitempty"`
	Secrets             *string           `json:"secrets,omitempty"`
	TargetPath          string            `json:"targetPath,omitempty"`
	Permission          string            `json:"permission,omitempty"`
	OldObjectVersions   map[string]string `json:"oldObjectVersions,omitempty"`
	SecretProviderClass string            `json:"secretProviderClass,omitempty"`
	ReadContents        bool              `json:"readContents,omitempty"`
	Count               int               `json:"count,omitempty"`
	Concurrency         int               `json:"concurrency,omitempty"`
}

type fileResult struct {
	Path     string  `json:"path"`
	Mode     uint32  `json:"mode"`
	Size     int64   `json:"size"`
	SHA256   string  `json:"sha256"`
	Contents *string `json:"contents,omitempty"` // base64, only with readContents
	Error    string  `json:"error,omitempty"`
}

type mountResult struct {
	OK             bool              `json:"ok"`
	Error          string            `json:"error,omitempty"`
	ObjectVersions map[string]string `json:"objectVersions,omitempty"`
	ErrorCode      string            `json:"errorCode"`
	GRPCCode       string            `json:"grpcCode,omitempty"`
	GRPCMessage    string            `json:"grpcMessage,omitempty"`
	TargetPath     string            `json:"targetPath,omitempty"`
	// Files is always present on success (possibly empty) and, on failure,
	// whatever is in the target dir after the failed call.
	Files []fileResult `json:"files"`
	// DriverWroteFiles is true when the target dir holds the driver's atomic
	// writer layout (..data), i.e. the provider returned files in the
	// MountResponse instead of writing them itself.
	DriverWroteFiles bool `json:"driverWroteFiles"`
	// ListError is set when fileutil.GetMountedFiles failed and the files
	// were listed by a plain directory walk instead.
	ListError  string  `json:"listError,omitempty"`
	DurationMs float64 `json:"durationMs"`
}

type versionResult struct {
	OK             bool    `json:"ok"`
	Error          string  `json:"error,omitempty"`
	RuntimeVersion string  `json:"runtimeVersion,omitempty"`
	GRPCCode       string  `json:"grpcCode,omitempty"`
	DriverModule   string  `json:"driverModule"`
	GRPCModule     string  `json:"grpcModule"`
	DurationMs     float64 `json:"durationMs"`
}

type manyResult struct {
	OK         bool           `json:"ok"`
	Results    []*mountResult `json:"results"`
	DurationMs float64        `json:"durationMs"`
}

type simpleResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// harness holds the one PluginClientBuilder (one gRPC connection per
// provider) for the life of the process, exactly like the driver does.
type harness struct {
	providerDir string
	provider    string
	builder     *secretsstore.PluginClientBuilder
	workDir     string
	ownWorkDir  bool
}

func newHarness(providerDir, provider, workDir string) (*harness, error) {
	abs, err := filepath.Abs(providerDir)
	if err != nil {
		return nil, err
	}
	h := &harness{
		providerDir: abs,
		provider:    provider,
		// The driver passes its --provider-volume paths and, optionally,
		// a max receive size option; the builder adds the rest.
		builder: secretsstore.NewPluginClientBuilder([]string{abs}),
	}
	if workDir == "" {
		if workDir, err = os.MkdirTemp("", "driver-harness-"); err != nil {
			return nil, err
		}
		h.ownWorkDir = true
	} else if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	h.workDir = workDir
	return h, nil
}

func (h *harness) socketPath() string {
	return filepath.Join(h.providerDir, h.provider+".sock")
}

// Close closes the gRPC connection and removes the harness-owned work dir.
func (h *harness) Close() {
	h.builder.Cleanup()
	if h.ownWorkDir {
		_ = os.RemoveAll(h.workDir)
	}
}

// Serve reads one JSON command per line from in and writes exactly one JSON
// result line per command to out. It returns nil on EOF or an exit command.
func (h *harness) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	lines := make(chan inputLine)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReaderSize(in, 1<<20)
		for {
			line, tooLong, err := readLine(r)
			if len(line) > 0 || tooLong || err == nil {
				select {
				case lines <- inputLine{line, tooLong}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()

	w := bufio.NewWriter(out)
	write := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			b, _ = json.Marshal(simpleResult{Error: "internal: marshal result: " + err.Error()})
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
		return w.Flush()
	}

	for {
		var line inputLine
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		case line = <-lines:
		}
		var res any
		exit := false
		switch {
		case line.tooLong:
			res = badCommand("line longer than %d bytes", maxCommandLineBytes)
		case len(bytes.TrimSpace(line.data)) == 0:
			continue
		default:
			res, exit = h.handle(ctx, line.data)
		}
		if err := write(res); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		if exit {
			return nil
		}
	}
}

type inputLine struct {
	data    []byte
	tooLong bool
}

// readLine reads a full line (without the newline), rejecting absurdly long
// lines instead of buffering them forever.
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, err := r.ReadLine()
		line = append(line, chunk...)
		if len(line) > maxCommandLineBytes {
			// drain the rest of the line, then report it as a bad command
			for isPrefix && err == nil {
				_, isPrefix, err = r.ReadLine()
			}
			return nil, true, err
		}
		if err != nil || !isPrefix {
			return line, false, err
		}
	}
}

// withID echoes the optional command id back in the result object.
type withID struct {
	id  json.RawMessage
	res any
}

func (w withID) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(w.res)
	if err != nil || len(w.id) == 0 || len(b) < 2 || b[0] != '{' {
		return b, err
	}
	out := append([]byte(`{"id":`), w.id...)
	if len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

func badCommand(format string, args ...any) simpleResult {
	return simpleResult{OK: false, Error: "bad command: " + fmt.Sprintf(format, args...)}
}

func (h *harness) handle(ctx context.Context, line []byte) (res any, exit bool) {
	defer func() {
		if r := recover(); r != nil {
			res, exit = simpleResult{Error: fmt.Sprintf("internal error: %v", r)}, false
		}
	}()

	var cmd command
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cmd); err != nil {
		return badCommand("%v", err), false
	}
	if dec.More() {
		return badCommand("trailing data after JSON object"), false
	}
	var out any
	switch cmd.Op {
	case "version":
		out = h.version(ctx, &cmd)
	case "mount":
		out = h.mount(ctx, &cmd, cmd.TargetPath)
	case "mountMany":
		if cmd.Count < 0 || cmd.Concurrency < 0 {
			return badCommand("count and concurrency must be >= 0"), false
		}
		out = h.mountMany(ctx, &cmd)
	case "exit":
		return withID{cmd.ID, simpleResult{OK: true}}, true
	case "":
		return badCommand("missing op"), false
	default:
		return badCommand("unknown op %q", cmd.Op), false
	}
	return withID{cmd.ID, out}, false
}

func timeout(ms int64, def time.Duration) time.Duration {
	if ms <= 0 {
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

func sinceMs(start time.Time) float64 {
	return float64(time.Since(start).Microseconds()) / 1000
}

func (h *harness) version(ctx context.Context, cmd *command) *versionResult {
	start := time.Now()
	bv := buildVersions()
	res := &versionResult{DriverModule: bv.Driver, GRPCModule: bv.GRPC}
	ctx, cancel := context.WithTimeout(ctx, timeout(cmd.TimeoutMs, defaultVersionTimeout))
	defer cancel()

	client, err := h.builder.Get(ctx, h.provider)
	if err == nil {
		res.RuntimeVersion, err = secretsstore.Version(ctx, client)
	}
	res.DurationMs = sinceMs(start)
	if err != nil {
		res.Error = err.Error()
		if s, ok := status.FromError(err); ok {
			res.GRPCCode = s.Code().String()
		}
		return res
	}
	res.OK = true
	return res
}

// buildAttributes builds the MountRequest attributes string exactly as the
// driver's NodePublishVolume does: the SecretProviderClass parameters,
// overlaid with the CSI volume context kubelet sends for an inline ephemeral
// volume with podInfoOnMount, plus the service account tokens when present.
func buildAttributes(cmd *command) (string, error) {
	parameters := make(map[string]string, len(cmd.Parameters)+7)
	for k, v := range cmd.Parameters {
		parameters[k] = v
	}
	spc := cmd.SecretProviderClass
	if spc == "" {
		spc = defaultSPC
	}
	volumeContext := map[string]string{
		attrSecretProviderClass: spc,
		attrPodName:             cmd.Pod.Name,
		attrPodNamespace:        cmd.Pod.Namespace,
		attrPodUID:              cmd.Pod.UID,
		attrServiceAccountName:  cmd.Pod.ServiceAccountName,
		attrEphemeral:           "true",
	}
	// maps.Copy(parameters, attrib)
	for k, v := range volumeContext {
		parameters[k] = v
	}
	// driver v1.6.0: `if len(serviceAccountTokens) > 0 { parameters[...] = tokens }`
	if cmd.Tokens != nil && len(*cmd.Tokens) > 0 {
		parameters[attrServiceAccountTokens] = *cmd.Tokens
	}
	b, err := json.Marshal(parameters)
	return string(b), err
}

func (h *harness) mount(ctx context.Context, cmd *command, targetPath string) *mountResult {
	start := time.Now()
	res := &mountResult{Files: []fileResult{}}
	fail := func(err error, code string) *mountResult {
		res.OK = false
		res.Error = err.Error()
		res.ErrorCode = code
		if s, ok := status.FromError(err); ok {
			res.GRPCCode = s.Code().String()
			res.GRPCMessage = s.Message()
		}
		res.DurationMs = sinceMs(start)
		return res
	}

	if targetPath == "" {
		// A fresh volume directory holding "mount", as the kubelet lays out
		// <pods>/<uid>/volumes/kubernetes.io~csi/<volume>/mount (give a
		// work dir that ends in .../volumes/kubernetes.io~csi).
		volume, err := os.MkdirTemp(h.workDir, targetDirPattern)
		if err != nil {
			return fail(fmt.Errorf("create target dir: %w", err), "")
		}
		dir := filepath.Join(volume, "mount")
		if err := os.Mkdir(dir, targetDirPerm); err != nil {
			return fail(fmt.Errorf("create target dir: %w", err), "")
		}
		if err := os.Chmod(dir, targetDirPerm); err != nil {
			return fail(fmt.Errorf("chmod target dir: %w", err), "")
		}
		targetPath = dir
	} else {
		abs, err := filepath.Abs(targetPath)
		if err != nil {
			return fail(err, "")
		}
		targetPath = abs
		// like NodePublishVolume: create the target path if it is missing
		if err := os.MkdirAll(targetPath, targetDirPerm); err != nil {
			return fail(fmt.Errorf("create target dir: %w", err), "")
		}
	}
	res.TargetPath = targetPath

	attributes, err := buildAttributes(cmd)
	if err != nil {
		return fail(fmt.Errorf("marshal attributes: %w", err), "")
	}
	secrets := defaultSecrets
	if cmd.Secrets != nil {
		secrets = *cmd.Secrets
	}
	permission := cmd.Permission
	if permission == "" {
		permission = defaultPermission
	}

	ctx, cancel := context.WithTimeout(ctx, timeout(cmd.TimeoutMs, defaultMountTimeout))
	defer cancel()

	var objectVersions map[string]string
	var errorCode string
	// same sequence as nodeServer.mountSecretsStoreObjectContent
	client, err := h.builder.Get(ctx, h.provider)
	if err != nil {
		err = fmt.Errorf("error connecting to provider %q: %w", h.provider, err)
	} else {
		objectVersions, errorCode, err = secretsstore.MountContent(ctx, client, attributes, secrets, targetPath, permission, cmd.OldObjectVersions)
	}
	elapsed := sinceMs(start)

	files, driverWrote, listErr := listFiles(targetPath, cmd.ReadContents)
	res.Files = files
	res.DriverWroteFiles = driverWrote
	if listErr != nil {
		res.ListError = listErr.Error()
	}
	if err != nil {
		fail(err, errorCode)
		res.DurationMs = elapsed
		return res
	}
	res.OK = true
	res.ErrorCode = errorCode
	res.ObjectVersions = objectVersions
	if res.ObjectVersions == nil {
		res.ObjectVersions = map[string]string{}
	}
	res.DurationMs = elapsed
	return res
}

func (h *harness) mountMany(ctx context.Context, cmd *command) *manyResult {
	start := time.Now()
	n := cmd.Count
	conc := cmd.Concurrency
	if conc <= 0 || conc > n {
		conc = n
	}
	if conc > maxDefaultManyConcurrency && cmd.Concurrency == 0 {
		conc = maxDefaultManyConcurrency
	}
	results := make([]*mountResult, n)
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = h.mount(ctx, cmd, "") // fresh temp dir; targetPath is ignored
		}(i)
	}
	wg.Wait()
	return &manyResult{OK: true, Results: results, DurationMs: sinceMs(start)}
}

// listFiles reports what is in targetPath after a mount. It uses the
// driver's fileutil.GetMountedFiles (which follows the atomic writer's
// symlinks and skips ..-prefixed entries); if that fails (e.g. a provider
// wrote an odd layout itself) it falls back to a plain walk.
func listFiles(targetPath string, readContents bool) ([]fileResult, bool, error) {
	_, statErr := os.Lstat(filepath.Join(targetPath, "..data"))
	driverWrote := statErr == nil

	mounted, listErr := fileutil.GetMountedFiles(targetPath)
	if listErr != nil {
		mounted = walkFiles(targetPath)
	}
	files := make([]fileResult, 0, len(mounted))
	for rel, abs := range mounted {
		files = append(files, describeFile(filepath.ToSlash(rel), abs, readContents))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, driverWrote, listErr
}

// walkFiles lists every non-directory below targetPath, skipping top-level
// entries whose name starts with "..", without following symlinks.
func walkFiles(targetPath string) map[string]string {
	out := map[string]string{}
	_ = filepath.WalkDir(targetPath, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == targetPath {
				return err
			}
			return nil
		}
		rel, relErr := filepath.Rel(targetPath, path)
		if relErr != nil || rel == "." {
			return nil
		}
		if !strings.Contains(rel, string(filepath.Separator)) && strings.HasPrefix(rel, "..") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		out[rel] = path
		return nil
	})
	return out
}

func describeFile(rel, abs string, readContents bool) fileResult {
	fr := fileResult{Path: rel}
	info, err := os.Stat(abs) // follow symlinks
	if err != nil {
		fr.Error = err.Error()
		return fr
	}
	fr.Mode = uint32(info.Mode().Perm())
	fr.Size = info.Size()
	if !info.Mode().IsRegular() {
		fr.Error = "not a regular file: " + info.Mode().String()
		return fr
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		fr.Error = err.Error()
		return fr
	}
	sum := sha256.Sum256(data)
	fr.SHA256 = hex.EncodeToString(sum[:])
	if readContents {
		c := base64.StdEncoding.EncodeToString(data)
		fr.Contents = &c
	}
	return fr
}

type moduleVersions struct {
	Driver string
	GRPC   string
}

var (
	buildVersionsOnce sync.Once
	buildVersionsVal  moduleVersions
)

// buildVersions reports which driver and grpc module versions this binary
// was built with (they differ between the go.mod and go_v1_5.mod builds).
func buildVersions() moduleVersions {
	buildVersionsOnce.Do(func() {
		buildVersionsVal = moduleVersions{Driver: "unknown", GRPC: "unknown"}
		bi, ok := debug.ReadBuildInfo()
		if !ok {
			return
		}
		for _, d := range bi.Deps {
			m := d
			if m.Replace != nil {
				m = m.Replace
			}
			switch d.Path {
			case "sigs.k8s.io/secrets-store-csi-driver":
				buildVersionsVal.Driver = m.Version
			case "google.golang.org/grpc":
				buildVersionsVal.GRPC = m.Version
			}
		}
	})
	return buildVersionsVal
}
