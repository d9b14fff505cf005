package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"sigs.k8s.io/secrets-store-csi-driver/provider/fake"
	"sigs.k8s.io/secrets-store-csi-driver/provider/v1alpha1"
)

const selfExecEnv = "DRIVER_HARNESS_TEST_RUN_MAIN"

// TestMain lets the test binary double as the harness binary (see
// TestProcess), so the process-level behaviour is tested for whichever
// module file (go.mod or go_v1_5.mod) the tests were built with.
func TestMain(m *testing.M) {
	if os.Getenv(selfExecEnv) == "1" {
		os.Exit(realMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// shortTempDir returns a temp dir with a short path: unix socket paths are
// limited to ~108 bytes and t.TempDir() paths can be long.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// recordingProvider wraps the driver's own mock provider
// (provider/fake.MockCSIProviderServer) to record what the driver sends.
type recordingProvider struct {
	*fake.MockCSIProviderServer

	socket string
	srv    *grpc.Server

	mu          sync.Mutex
	requests    []*v1alpha1.MountRequest
	authorities []string
	accepts     atomic.Int32
	inFlight    atomic.Int32
	maxInFlight atomic.Int32

	// when set, Mount writes these files into req.TargetPath itself (like
	// providers from before driver-written files) before delegating.
	writeDirect map[string]string
	symlinks    map[string]string // name -> link target
	delay       time.Duration
}

type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func newRecordingProvider(t *testing.T, dir string) *recordingProvider {
	t.Helper()
	socket := filepath.Join(dir, "aws.sock")
	mock, err := fake.NewMocKCSIProviderServer(socket)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProvider{MockCSIProviderServer: mock, socket: socket}
	p.start(t)
	t.Cleanup(p.stop)
	return p
}

func (p *recordingProvider) start(t *testing.T) {
	t.Helper()
	p.srv = grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		p.mu.Lock()
		p.authorities = append(p.authorities, strings.Join(md.Get(":authority"), ","))
		p.mu.Unlock()
		return handler(ctx, req)
	}))
	v1alpha1.RegisterCSIDriverProviderServer(p.srv, p)
	lis, err := net.Listen("unix", p.socket)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.srv.Serve(countingListener{lis, &p.accepts}) }()
}

func (p *recordingProvider) stop() { p.srv.Stop() }

func (p *recordingProvider) Mount(ctx context.Context, req *v1alpha1.MountRequest) (*v1alpha1.MountResponse, error) {
	n := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	for {
		m := p.maxInFlight.Load()
		if n <= m || p.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	p.mu.Lock()
	p.requests = append(p.requests, req)
	p.mu.Unlock()
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	for name, content := range p.writeDirect {
		path := filepath.Join(req.GetTargetPath(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
			return nil, err
		}
	}
	for name, target := range p.symlinks {
		if err := os.Symlink(target, filepath.Join(req.GetTargetPath(), name)); err != nil {
			return nil, err
		}
	}
	return p.MockCSIProviderServer.Mount(ctx, req)
}

func (p *recordingProvider) lastRequest(t *testing.T) *v1alpha1.MountRequest {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		t.Fatal("provider received no Mount request")
	}
	return p.requests[len(p.requests)-1]
}

// harnessClient drives an in-process harness over the JSON line protocol.
type harnessClient struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Reader
	done chan error
}

func startHarness(t *testing.T, providerDir string) *harnessClient {
	t.Helper()
	h, err := newHarness(providerDir, "aws", "")
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &harnessClient{t: t, in: inW, out: bufio.NewReader(outR), done: make(chan error, 1)}
	go func() {
		err := h.Serve(context.Background(), inR, outW)
		h.Close()
		_ = outW.Close()
		c.done <- err
	}()
	t.Cleanup(func() { _ = inW.Close() })
	return c
}

func (c *harnessClient) sendRaw(line string) map[string]any {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.out.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading result: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(resp), &out); err != nil {
		c.t.Fatalf("result is not JSON: %q: %v", resp, err)
	}
	return out
}

func (c *harnessClient) send(cmd map[string]any) map[string]any {
	c.t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.sendRaw(string(b))
}

// sendInto sends cmd and decodes the result line into a typed value.
func sendInto[T any](c *harnessClient, cmd map[string]any) T {
	c.t.Helper()
	raw := c.send(cmd)
	b, _ := json.Marshal(raw)
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		c.t.Fatal(err)
	}
	return v
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func isV15() bool { return strings.HasPrefix(buildVersions().Driver, "v1.5.") }

func TestVersionAndAuthority(t *testing.T) {
	dir := shortTempDir(t)
	p := newRecordingProvider(t, dir)
	c := startHarness(t, dir)

	res := sendInto[versionResult](c, map[string]any{"op": "version", "timeoutMs": 5000})
	if !res.OK || res.RuntimeVersion != "0.0.10" {
		t.Fatalf("version: %+v", res)
	}
	bv := buildVersions()
	if res.DriverModule != bv.Driver || res.GRPCModule != bv.GRPC {
		t.Fatalf("module versions: %+v vs %+v", res, bv)
	}
	t.Logf("built with driver %s, grpc %s", bv.Driver, bv.GRPC)

	p.mu.Lock()
	auth := p.authorities[len(p.authorities)-1]
	p.mu.Unlock()
	switch {
	case strings.HasPrefix(bv.Driver, "v1.6."):
		if auth != "localhost" {
			t.Errorf("driver v1.6 :authority = %q, want localhost", auth)
		}
	case strings.HasPrefix(bv.Driver, "v1.5."):
		if auth != p.socket {
			t.Errorf("driver v1.5 :authority = %q, want raw socket path %q", auth, p.socket)
		}
	default:
		t.Errorf("unexpected driver module version %q", bv.Driver)
	}
}

func TestVersionProviderMissing(t *testing.T) {
	dir := shortTempDir(t)
	c := startHarness(t, dir)
	res := c.send(map[string]any{"op": "version"})
	if res["ok"] != false || res["error"] != `provider not found: provider "aws"` {
		t.Fatalf("got %v", res)
	}
	// the harness stays usable once the provider shows up
	newRecordingProvider(t, dir)
	if res := c.send(map[string]any{"op": "version"}); res["ok"] != true {
		t.Fatalf("got %v", res)
	}
}

func TestMountDriverWritesFiles(t *testing.T) {
	dir := shortTempDir(t)
	p := newRecordingProvider(t, dir)
	p.SetObjects(map[string]string{"secret/a": "v1", "secret/b": "v7"})
	p.SetFiles([]*v1alpha1.File{
		{Path: "a.txt", Mode: 0o644, Contents: []byte("hello")},
		{Path: "nested/b.bin", Mode: 0o600, Contents: []byte{0, 1, 2, 255}},
		{Path: "empty", Mode: 0o400, Contents: nil},
	})
	c := startHarness(t, dir)
	target := filepath.Join(shortTempDir(t), "target")

	res := sendInto[mountResult](c, map[string]any{
		"op": "mount", "parameters": map[string]string{"objects": "x"},
		"pod":        map[string]string{"name": "p", "namespace": "ns", "uid": "u", "serviceAccountName": "sa"},
		"targetPath": target, "readContents": true,
	})
	if !res.OK || res.ErrorCode != "" || res.TargetPath != target || !res.DriverWroteFiles {
		t.Fatalf("mount: %+v", res)
	}
	if res.ObjectVersions["secret/a"] != "v1" || res.ObjectVersions["secret/b"] != "v7" || len(res.ObjectVersions) != 2 {
		t.Fatalf("objectVersions: %v", res.ObjectVersions)
	}
	b64 := func(s string) *string { e := base64.StdEncoding.EncodeToString([]byte(s)); return &e }
	want := []fileResult{
		{Path: "a.txt", Mode: 0o644, Size: 5, SHA256: sha("hello"), Contents: b64("hello")},
		{Path: "empty", Mode: 0o400, Size: 0, SHA256: sha(""), Contents: b64("")},
		{Path: "nested/b.bin", Mode: 0o600, Size: 4, SHA256: sha("\x00\x01\x02\xff"), Contents: b64("\x00\x01\x02\xff")},
	}
	if got, w := mustJSON(res.Files), mustJSON(want); got != w {
		t.Fatalf("files:\n got %s\nwant %s", got, w)
	}
	// the files really are in the target dir, written by the atomic writer
	if data, err := os.ReadFile(filepath.Join(target, "nested", "b.bin")); err != nil || string(data) != "\x00\x01\x02\xff" {
		t.Fatalf("file on disk: %q %v", data, err)
	}
	if fi, err := os.Lstat(filepath.Join(target, "a.txt")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("a.txt should be an atomic-writer symlink: %v %v", fi, err)
	}

	// without readContents no contents are returned; the digest still is
	raw := c.send(map[string]any{"op": "mount", "targetPath": target})
	files := raw["files"].([]any)
	if _, has := files[0].(map[string]any)["contents"]; has || files[0].(map[string]any)["sha256"] != sha("hello") {
		t.Fatalf("files: %v", files)
	}
	if _, ok := raw["durationMs"].(float64); !ok {
		t.Fatalf("durationMs missing: %v", raw)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestMountRequestAsDriverBuildsIt(t *testing.T) {
	dir := shortTempDir(t)
	p := newRecordingProvider(t, dir)
	p.SetObjects(map[string]string{"o": "1"})
	c := startHarness(t, dir)

	tokens := `{"sts.amazonaws.com":{"token":"tok","expirationTimestamp":"2030-01-01T00:00:00Z"}}`
	res := c.send(map[string]any{
		"op": "mount",
		"parameters": map[string]string{
			"objects": "- objectName: x", "region": "us-east-1",
			// kubelet's volume context wins over an SPC parameter of the same name
			"csi.storage.k8s.io/pod.name": "spoofed",
		},
		"pod":                 map[string]string{"name": "p", "namespace": "ns", "uid": "u", "serviceAccountName": "sa"},
		"tokens":              tokens,
		"secretProviderClass": "my-spc",
		"oldObjectVersions":   map[string]string{"id1": "ver1"},
	})
	if res["ok"] != true {
		t.Fatalf("mount: %v", res)
	}
	req := p.lastRequest(t)
	wantAttrs := `{"csi.storage.k8s.io/ephemeral":"true","csi.storage.k8s.io/pod.name":"p","csi.storage.k8s.io/pod.namespace":"ns",` +
		`"csi.storage.k8s.io/pod.uid":"u","csi.storage.k8s.io/serviceAccount.name":"sa",` +
		`"csi.storage.k8s.io/serviceAccount.tokens":"{\"sts.amazonaws.com\":{\"token\":\"tok\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}",` +
		`"objects":"- objectName: x","region":"us-east-1","secretProviderClass":"my-spc"}`
	if req.GetAttributes() != wantAttrs {
		t.Errorf("attributes:\n got %s\nwant %s", req.GetAttributes(), wantAttrs)
	}
	if req.GetSecrets() != "null" || req.GetPermission() != "420" || req.GetTargetPath() != res["targetPath"] {
		t.Errorf("secrets=%q permission=%q targetPath=%q", req.GetSecrets(), req.GetPermission(), req.GetTargetPath())
	}
	if ov := req.GetCurrentObjectVersion(); len(ov) != 1 || ov[0].GetId() != "id1" || ov[0].GetVersion() != "ver1" {
		t.Errorf("currentObjectVersion: %v", ov)
	}

	// tokens omitted or empty -> no tokens key; defaults for spc; explicit secrets/permission passed through
	for _, tok := range []any{nil, ""} {
		cmd := map[string]any{"op": "mount", "secrets": `{"k":"v"}`, "permission": "384"}
		if tok != nil {
			cmd["tokens"] = tok
		}
		if res := c.send(cmd); res["ok"] != true {
			t.Fatalf("mount: %v", res)
		}
		req = p.lastRequest(t)
		var attrs map[string]string
		if err := json.Unmarshal([]byte(req.GetAttributes()), &attrs); err != nil {
			t.Fatal(err)
		}
		if _, has := attrs[attrServiceAccountTokens]; has {
			t.Errorf("tokens=%v: unexpected tokens attribute", tok)
		}
		if attrs["secretProviderClass"] != "spc" || attrs["csi.storage.k8s.io/ephemeral"] != "true" || len(attrs) != 6 {
			t.Errorf("attrs: %v", attrs)
		}
		if req.GetSecrets() != `{"k":"v"}` || req.GetPermission() != "384" || len(req.GetCurrentObjectVersion()) != 0 {
			t.Errorf("secrets=%q permission=%q ov=%v", req.GetSecrets(), req.GetPermission(), req.GetCurrentObjectVersion())
		}
	}
}

func TestMountErrors(t *testing.T) {
	dir := shortTempDir(t)
	p := newRecordingProvider(t, dir)
	c := startHarness(t, dir)

	// gRPC error from the provider
	p.SetReturnError(status.Error(codes.PermissionDenied, "no access to secret x"))
	res := sendInto[mountResult](c, map[string]any{"op": "mount"})
	if res.OK || res.ErrorCode != "GRPCProviderError" || res.GRPCCode != "PermissionDenied" ||
		res.GRPCMessage != "no access to secret x" || res.Error != "rpc error: code = PermissionDenied desc = no access to secret x" {
		t.Fatalf("grpc error: %+v", res)
	}
	// a plain error returned by a Go provider surfaces as Unknown
	p.SetReturnError(errors.New("boom"))
	res = sendInto[mountResult](c, map[string]any{"op": "mount"})
	if res.OK || res.GRPCCode != "Unknown" || res.GRPCMessage != "boom" || res.ErrorCode != "GRPCProviderError" {
		t.Fatalf("unknown error: %+v", res)
	}
	p.SetReturnError(nil)

	// provider-reported error code in the MountResponse
	p.SetProviderErrorCode("AuthError")
	res = sendInto[mountResult](c, map[string]any{"op": "mount"})
	if res.OK || res.ErrorCode != "AuthError" || res.GRPCCode != "" ||
		res.Error != "mount request failed with provider error code AuthError" {
		t.Fatalf("provider error code: %+v", res)
	}
	p.SetProviderErrorCode("")

	// no object versions -> the driver rejects the response
	res = sendInto[mountResult](c, map[string]any{"op": "mount"})
	if res.OK || res.ErrorCode != "GRPCProviderError" || res.Error != "missing object versions" {
		t.Fatalf("missing object versions: %+v", res)
	}

	// invalid file path -> the driver's validation refuses to write anything
	p.SetObjects(map[string]string{"o": "1"})
	p.SetFiles([]*v1alpha1.File{{Path: "../escape", Mode: 0o644, Contents: []byte("x")}})
	res = sendInto[mountResult](c, map[string]any{"op": "mount"})
	if res.OK || res.ErrorCode != "FileWriteError" || len(res.Files) != 0 {
		t.Fatalf("bad path: %+v", res)
	}
	t.Logf("bad path error: %s", res.Error)

	// timeout
	p.SetFiles(nil)
	p.delay = 300 * time.Millisecond
	res = sendInto[mountResult](c, map[string]any{"op": "mount", "timeoutMs": 50})
	if res.OK || res.GRPCCode != "DeadlineExceeded" {
		t.Fatalf("timeout: %+v", res)
	}
}

func TestMountProviderWritesFiles(t *testing.T) {
	dir := shortTempDir(t)
	p := newRecordingProvider(t, dir)
	p.SetObjects(map[string]string{"o": "1"})
	p.writeDirect = map[string]string{"direct.txt": "abc", "sub/deep.txt": "defg"}
	c := startHarness(t, dir)

	res := sendInto[mountResult](c, map[string]any{"op": "mount", "readContents": true})
	if !res.OK || res.DriverWroteFiles || res.ListError != "" {
		t.Fatalf("mount: %+v", res)
	}
	got := []string{}
	for _, f := range res.Files {
		got = append(got, fmt.Sprintf("%s:%o:%d:%s", f.Path, f.Mode, f.Size, f.SHA256[:8]))
	}
	want := []string{"direct.txt:640:3:" + sha("abc")[:8], "sub/deep.txt:640:4:" + sha("defg")[:8]}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("files: %v want %v", got, want)
	}

	// an absolute symlink trips fileutil.GetMountedFiles; the plain walk
	// still reports what is there
	p.symlinks = map[string]string{"abs-link": "/nonexistent/target"}
	res = sendInto[mountResult](c, map[string]any{"op": "mount"})
	if !res.OK || res.ListError == "" {
		t.Fatalf("mount: %+v", res)
	}
	paths := []string{}
	for _, f := range res.Files {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, ",") != "abs-link,direct.txt,sub/deep.txt" || res.Files[0].Error == "" {
		t.Fatalf("fallback listing: %+v", res.Files)
	}
}

func TestMountMany(t *testing.T) {
	dir := shortTempDir(t)
	p := newRecordingProvider(t, dir)
	p.SetObjects(map[string]string{"o": "1"})
	p.SetFiles([]*v1alpha1.File{{Path: "s", Mode: 0o644, Contents: []byte("v")}})
	p.delay = 50 * time.Millisecond
	c := startHarness(t, dir)

	if res := c.send(map[string]any{"op": "version"}); res["ok"] != true {
		t.Fatal(res)
	}
	res := sendInto[manyResult](c, map[string]any{
		"op": "mountMany", "count": 50, "concurrency": 50, "targetPath": "/ignored",
		"pod": map[string]string{"name": "p", "namespace": "ns", "uid": "u", "serviceAccountName": "sa"},
	})
	if !res.OK || len(res.Results) != 50 {
		t.Fatalf("mountMany: ok=%v n=%d", res.OK, len(res.Results))
	}
	seen := map[string]bool{}
	for i, r := range res.Results {
		if !r.OK || len(r.Files) != 1 || r.Files[0].SHA256 != sha("v") || r.ObjectVersions["o"] != "1" {
			t.Fatalf("result %d: %+v", i, r)
		}
		if seen[r.TargetPath] || r.TargetPath == "/ignored" {
			t.Fatalf("target path %q reused", r.TargetPath)
		}
		seen[r.TargetPath] = true
	}
	if m := p.maxInFlight.Load(); m < 10 {
		t.Errorf("max concurrent Mount calls = %d, expected real concurrency", m)
	}
	// one PluginClientBuilder, one connection for everything
	if n := p.accepts.Load(); n != 1 {
		t.Errorf("provider accepted %d connections, want 1", n)
	}

	// bounded concurrency
	p.maxInFlight.Store(0)
	res = sendInto[manyResult](c, map[string]any{"op": "mountMany", "count": 12, "concurrency": 3})
	if len(res.Results) != 12 || p.maxInFlight.Load() > 3 {
		t.Fatalf("n=%d maxInFlight=%d", len(res.Results), p.maxInFlight.Load())
	}
}

func TestReconnectAfterProviderRestart(t *testing.T) {
	dir := shortTempDir(t)
	socket := filepath.Join(dir, "aws.sock")
	// the driver's mock server, used as is
	mock, err := fake.NewMocKCSIProviderServer(socket)
	if err != nil {
		t.Fatal(err)
	}
	if err := mock.Start(); err != nil {
		t.Fatal(err)
	}
	c := startHarness(t, dir)
	if res := c.send(map[string]any{"op": "version"}); res["ok"] != true {
		t.Fatal(res)
	}
	mock.Stop()
	if res := c.send(map[string]any{"op": "version", "timeoutMs": 1000}); res["ok"] != false {
		t.Fatalf("version with provider down: %v", res)
	} else {
		t.Logf("provider down: %v (%v)", res["error"], res["grpcCode"])
	}

	mock2, err := fake.NewMocKCSIProviderServer(socket)
	if err != nil {
		t.Fatal(err)
	}
	if err := mock2.Start(); err != nil {
		t.Fatal(err)
	}
	defer mock2.Stop()
	mock2.SetObjects(map[string]string{"o": "2"})
	deadline := time.Now().Add(20 * time.Second)
	for {
		res := c.send(map[string]any{"op": "mount", "timeoutMs": 1000})
		if res["ok"] == true {
			if res["objectVersions"].(map[string]any)["o"] != "2" {
				t.Fatal(res)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect: %v", res)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestBadCommands(t *testing.T) {
	dir := shortTempDir(t)
	c := startHarness(t, dir)
	for _, line := range []string{
		`{not json`,
		`[]`,
		`{"op":"nope"}`,
		`{}`,
		`{"op":"version","timeout":5}`,
		`{"op":"version"} {"op":"version"}`,
		`{"op":"mount","parameters":{"a":1}}`,
		`{"op":"mountMany","count":-1}`,
	} {
		res := c.sendRaw(line)
		if res["ok"] != false || !strings.HasPrefix(fmt.Sprint(res["error"]), "bad command: ") {
			t.Errorf("%s -> %v", line, res)
		}
	}
	// blank lines are not commands; ids are echoed
	res := c.sendRaw("\n  \n" + `{"op":"exit","id":7}`)
	if res["ok"] != true || res["id"] != float64(7) {
		t.Fatalf("exit: %v", res)
	}
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("harness did not stop after exit")
	}
}

func TestMountManyZero(t *testing.T) {
	c := startHarness(t, shortTempDir(t))
	res := c.send(map[string]any{"op": "mountMany", "count": 0})
	if res["ok"] != true || len(res["results"].([]any)) != 0 {
		t.Fatal(res)
	}
}

// TestProcess runs the harness as a real process (the test binary re-executed
// in harness mode) to check flags, the stdin/stdout protocol and exit codes.
func TestProcess(t *testing.T) {
	dir := shortTempDir(t)
	newRecordingProvider(t, dir)

	run := func(stdin string, args ...string) (string, int) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), selfExecEnv+"=1")
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}

	out, code := run(`{"op":"version"}`+"\n"+`{"op":"exit"}`+"\n"+`{"op":"version"}`+"\n", "-provider-dir", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"runtimeVersion":"0.0.10"`) || lines[1] != `{"ok":true}` {
		t.Fatalf("code=%d out=%q", code, out)
	}

	// EOF (last line without newline is still a command) -> exit 0
	out, code = run(`{"op":"mount"}`, "-provider-dir", dir, "-provider", "aws")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"ok":false`) {
		t.Fatalf("code=%d out=%q", code, out)
	}

	if _, code = run("", "-provider-dir", dir); code != 0 {
		t.Fatalf("empty stdin: code=%d", code)
	}
	if _, code = run(""); code != 2 {
		t.Fatalf("missing -provider-dir: code=%d", code)
	}
}

func TestFilesSorted(t *testing.T) {
	dir := shortTempDir(t)
	for _, n := range []string{"b", "a/z", "a/b", "..hidden", "c"} {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, driverWrote, err := listFiles(dir, false)
	if err != nil || driverWrote {
		t.Fatal(err, driverWrote)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if !sort.StringsAreSorted(paths) || strings.Join(paths, ",") != "a/b,a/z,b,c" {
		t.Fatal(paths)
	}
	walked := walkFiles(dir)
	if len(walked) != 4 || walked["a/z"] == "" {
		t.Fatal(walked)
	}
}

// TestBuiltBinary checks a built harness binary (bin/driver-v1.6 or
// bin/driver-v1.5) end to end. It runs only when DRIVER_HARNESS_BIN is set,
// e.g. by `./build.sh --check`.
func TestBuiltBinary(t *testing.T) {
	bin := os.Getenv("DRIVER_HARNESS_BIN")
	if bin == "" {
		t.Skip("DRIVER_HARNESS_BIN not set")
	}
	dir := shortTempDir(t)
	p := newRecordingProvider(t, dir)
	p.SetObjects(map[string]string{"o": "1"})
	p.SetFiles([]*v1alpha1.File{{Path: "f", Mode: 0o640, Contents: []byte("data")}})

	cmd := exec.Command(bin, "-provider-dir", dir)
	cmd.Stdin = strings.NewReader(`{"op":"version"}` + "\n" + `{"op":"mount","readContents":true}` + "\n")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("output: %q", out)
	}
	var v versionResult
	var m mountResult
	if err := json.Unmarshal([]byte(lines[0]), &v); err != nil || !v.OK {
		t.Fatalf("version: %s %v", lines[0], err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil || !m.OK || len(m.Files) != 1 ||
		m.Files[0].Mode != 0o640 || m.Files[0].SHA256 != sha("data") {
		t.Fatalf("mount: %s %v", lines[1], err)
	}
	p.mu.Lock()
	auths := append([]string(nil), p.authorities...)
	p.mu.Unlock()
	want := "localhost"
	if strings.HasPrefix(v.DriverModule, "v1.5.") {
		want = p.socket
	}
	for _, a := range auths {
		if a != want {
			t.Errorf("%s (driver %s, grpc %s): :authority %q, want %q", bin, v.DriverModule, v.GRPCModule, a, want)
		}
	}
	t.Logf("%s: driver %s, grpc %s, :authority %q", bin, v.DriverModule, v.GRPCModule, want)
}
