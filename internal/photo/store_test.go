package photo

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
)

// storeContract runs the behaviour every Store must have.
func storeContract(t *testing.T, s Store) {
	ctx := context.Background()
	key := blobKey(Public, sha256Hex([]byte("hello")), "jpg")
	if err := s.Put(ctx, key, strings.NewReader("hello"), 5, MIMEJPEG); err != nil {
		t.Fatal(err)
	}
	// a retried Put of the same content-addressed key is harmless
	if err := s.Put(ctx, key, strings.NewReader("hello"), 5, MIMEJPEG); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" {
		t.Fatalf("got %q", b)
	}
	if got := listed(t, s, "public/"); len(got) != 1 || got[0].Key != key || got[0].Size != 5 || got[0].Modified.IsZero() {
		t.Fatalf("list public/: %+v", got)
	}
	if got := listed(t, s, "original/"); len(got) != 0 {
		t.Fatalf("list original/ has another variant's blob: %+v", got)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, s, ""); len(got) != 0 {
		t.Fatalf("list after delete: %+v", got)
	}
	if _, err := s.Get(ctx, key); !errs.Is(err, errs.NotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("deleting a missing blob: %v", err)
	}
	if err := s.Put(ctx, "../escape", strings.NewReader("x"), 1, ""); !errs.Is(err, errs.Invalid) {
		t.Fatalf("traversal key: %v", err)
	}
}

// listed collects what s.List gives for prefix, sorted by key.
func listed(t *testing.T, s Store, prefix string) []Object {
	t.Helper()
	var out []Object
	if err := s.List(context.Background(), prefix, func(o Object) error { out = append(out, o); return nil }); err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func TestLocalStoreKeepsBlobsUnderItsFolder(t *testing.T) {
	root := filepath.Join(t.TempDir(), "photos")
	s, err := NewLocalStore(root)
	if err != nil {
		t.Fatal(err)
	}
	storeContract(t, s)

	ctx := context.Background()
	key := "original/ab/cd/abcd.jpg"
	if err := s.Put(ctx, key, bytes.NewReader([]byte("12345")), 5, MIMEJPEG); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "original", "ab", "cd", "abcd.jpg")); err != nil {
		t.Fatal(err)
	}
	// short and long bodies are refused and leave nothing behind
	if err := s.Put(ctx, "x/short.jpg", strings.NewReader("123"), 5, ""); err == nil {
		t.Fatal("short body accepted")
	}
	if err := s.Put(ctx, "x/long.jpg", strings.NewReader("1234567"), 5, ""); err == nil {
		t.Fatal("long body accepted")
	}
	entries, _ := os.ReadDir(filepath.Join(root, "x"))
	if len(entries) != 0 {
		t.Fatalf("left behind %v", entries)
	}
}

func TestStoreKeysCannotEscapeTheFolder(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "photos")
	s, err := NewLocalStore(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bad := []string{
		"", "..", "../x", "a/../../x", "a/..", "/etc/passwd", "a//b", "a/b/", "./a", "a/./b",
		`a\..\..\x`, `..\x`, "a/.tmp-1", ".hidden", "a\x00b", "a b", "照片.jpg", "a/%2e%2e/b",
		"C:/x", strings.Repeat("a", 513),
	}
	for _, k := range bad {
		if err := ValidKey(k); !errs.Is(err, errs.Invalid) {
			t.Errorf("key %q accepted", k)
		}
		if err := s.Put(ctx, k, strings.NewReader("x"), 1, ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("put %q: %v", k, err)
		}
		if _, err := s.Get(ctx, k); !errs.Is(err, errs.Invalid) {
			t.Errorf("get %q: %v", k, err)
		}
		if err := s.Delete(ctx, k); !errs.Is(err, errs.Invalid) {
			t.Errorf("delete %q: %v", k, err)
		}
	}
	// nothing was written next to the store's folder
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "photos" {
		t.Fatalf("parent folder has %v", entries)
	}
	for _, k := range []string{"a", "original/ab/cd/" + strings.Repeat("0", 64) + ".jpg", "A-b_c.d/e"} {
		if err := ValidKey(k); err != nil {
			t.Errorf("key %q refused: %v", k, err)
		}
	}
}

// --- AWS Signature Version 4 ---

// The "GET Object" example of the Amazon S3 SigV4 documentation
// (sig-v4-header-based-auth.html): known request, known answer.
func TestSigV4MatchesTheS3DocumentationExample(t *testing.T) {
	s := sigV4{AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Region: "us-east-1", Service: "s3"}
	hdr := map[string]string{
		"host":                 "examplebucket.s3.amazonaws.com",
		"range":                "bytes=0-9",
		"x-amz-content-sha256": emptySHA256Hex,
		"x-amz-date":           "20130524T000000Z",
	}
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	creq, signed := canonicalRequest("GET", "/test.txt", nil, hdr, emptySHA256Hex)
	wantCreq := "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n" +
		"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
		"x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if creq != wantCreq || signed != "host;range;x-amz-content-sha256;x-amz-date" {
		t.Fatalf("canonical request:\n%s", creq)
	}
	sts := stringToSign(at, "20130524/us-east-1/s3/aws4_request", creq)
	if want := "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
		"7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"; sts != want {
		t.Fatalf("string to sign:\n%s", sts)
	}
	got := s.authorization("GET", "/test.txt", nil, hdr, emptySHA256Hex, at)
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
		"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
		"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	if got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}
}

// "get-vanilla" of the AWS SigV4 test suite (generic service, no payload
// header).
func TestSigV4MatchesTheGetVanillaTestSuiteCase(t *testing.T) {
	s := sigV4{AccessKey: "AKIDEXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Region: "us-east-1", Service: "service"}
	hdr := map[string]string{"host": "example.amazonaws.com", "x-amz-date": "20150830T123600Z"}
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	got := s.authorization("GET", "/", nil, hdr, emptySHA256Hex, at)
	want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
		"SignedHeaders=host;x-amz-date, " +
		"Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	if got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}
}

func TestSigV4CanonicalQueryIsSortedAndEncoded(t *testing.T) {
	q := url.Values{"b": {"2", "1"}, "a b": {"x/y"}, "c": {""}}
	if got, want := canonicalQuery(q), "a%20b=x%2Fy&b=1&b=2&c="; got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

// verifySigV4 is the server side of the test S3: it rebuilds the canonical
// request from what actually arrived on the wire, independently of the
// client code, and checks the signature.
func verifySigV4(r *http.Request, body []byte, access, secret, region string, now time.Time) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("algorithm in %q", auth)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 5 || cred[0] != access || cred[2] != region || cred[3] != "s3" || cred[4] != "aws4_request" {
		return fmt.Errorf("credential %q", fields["Credential"])
	}
	date := r.Header.Get("X-Amz-Date")
	at, err := time.Parse("20060102T150405Z", date)
	if err != nil || cred[1] != date[:8] {
		return fmt.Errorf("date %q / %q", date, cred[1])
	}
	if d := now.Sub(at); d > 15*time.Minute || d < -15*time.Minute {
		return fmt.Errorf("request time %s too far from %s", at, now)
	}
	sum := sha256.Sum256(body)
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("payload hash %q does not match the body", payload)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	need := map[string]bool{"host": true, "x-amz-date": true, "x-amz-content-sha256": true}
	var canon strings.Builder
	for _, h := range signed {
		delete(need, h)
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canon.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	if len(need) > 0 {
		return fmt.Errorf("unsigned headers %v", need)
	}
	creq := r.Method + "\n" + r.URL.EscapedPath() + "\n" + testCanonicalQuery(r.URL.Query()) + "\n" + canon.String() + "\n" + fields["SignedHeaders"] + "\n" + payload
	ch := sha256.Sum256([]byte(creq))
	sts := "AWS4-HMAC-SHA256\n" + date + "\n" + strings.Join(cred[1:], "/") + "\n" + hex.EncodeToString(ch[:])
	mac := func(k []byte, s string) []byte { m := hmac.New(sha256.New, k); m.Write([]byte(s)); return m.Sum(nil) }
	k := mac(mac(mac(mac([]byte("AWS4"+secret), cred[1]), cred[2]), cred[3]), cred[4])
	sig, _ := hex.DecodeString(fields["Signature"])
	if !hmac.Equal(sig, mac(k, sts)) {
		return fmt.Errorf("signature mismatch; canonical request:\n%s", creq)
	}
	return nil
}

// testCanonicalQuery is SigV4's canonical query string written apart from
// the client's: names and values percent-encoded (space as %20), sorted.
func testCanonicalQuery(q url.Values) string {
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, enc(k)+"="+enc(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

func TestTheTestVerifierAcceptsTheDocumentedRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "http://examplebucket.s3.amazonaws.com/test.txt", nil)
	r.Header.Set("Range", "bytes=0-9")
	r.Header.Set("X-Amz-Content-Sha256", emptySHA256Hex)
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
		"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"+
		"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	if err := verifySigV4(r, nil, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Range", "bytes=0-10")
	if err := verifySigV4(r, nil, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", at); err == nil {
		t.Fatal("a changed signed header passed")
	}
}

// fakeS3 is an in-memory S3 that checks every request's signature.
type fakeS3 struct {
	t                              *testing.T
	access, secret, region, bucket string
	pathStyle                      bool
	clock                          clock.Clock
	mu                             sync.Mutex
	objects                        map[string][]byte
	types                          map[string]string
	modified                       map[string]time.Time
	requests                       int
	pageSize                       int // keys per ListObjectsV2 page (0: 1,000)
}

// list answers ListObjectsV2: keys with the prefix in order, a page at a
// time, the continuation token being the last key given.
func (f *fakeS3) list(w http.ResponseWriter, q url.Values) {
	if q.Get("list-type") != "2" {
		http.Error(w, "only ListObjectsV2", http.StatusBadRequest)
		return
	}
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, q.Get("prefix")) && k > q.Get("continuation-token") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	size := f.pageSize
	if size == 0 {
		size = 1000
	}
	truncated := len(keys) > size
	if truncated {
		keys = keys[:size]
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name><Prefix>%s</Prefix><KeyCount>%d</KeyCount><IsTruncated>%v</IsTruncated>`,
		f.bucket, q.Get("prefix"), len(keys), truncated)
	if truncated {
		fmt.Fprintf(w, "<NextContinuationToken>%s</NextContinuationToken>", keys[len(keys)-1])
	}
	for _, k := range keys {
		fmt.Fprintf(w, `<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>"x"</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>`,
			k, f.modified[k].UTC().Format("2006-01-02T15:04:05.000Z"), len(f.objects[k]))
	}
	fmt.Fprint(w, "</ListBucketResult>")
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if err := verifySigV4(r, body, f.access, f.secret, f.region, f.clock.Now()); err != nil {
		f.t.Logf("fake S3 refused %s %s: %v", r.Method, r.URL, err)
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>`)
		return
	}
	if r.Method == http.MethodGet && (f.pathStyle && r.URL.Path == "/"+f.bucket || !f.pathStyle && r.URL.Path == "/") {
		f.list(w, r.URL.Query())
		return
	}
	var key string
	if f.pathStyle {
		k, ok := strings.CutPrefix(r.URL.Path, "/"+f.bucket+"/")
		if !ok {
			http.Error(w, "no bucket in path", http.StatusBadRequest)
			return
		}
		key = k
	} else {
		if !strings.HasPrefix(r.Host, f.bucket+".") {
			http.Error(w, "no bucket in host "+r.Host, http.StatusBadRequest)
			return
		}
		key = strings.TrimPrefix(r.URL.Path, "/")
	}
	switch r.Method {
	case http.MethodPut:
		if r.ContentLength != int64(len(body)) {
			http.Error(w, "length", http.StatusBadRequest)
			return
		}
		f.objects[key] = body
		f.types[key] = r.Header.Get("Content-Type")
		f.modified[key] = f.clock.Now()
	case http.MethodGet:
		b, ok := f.objects[key]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<Error><Code>NoSuchKey</Code></Error>`)
			return
		}
		w.Write(b)
	case http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func TestS3StoreTalksSignedS3(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 5, 8, 30, 0, 0, time.UTC))
	for _, pathStyle := range []bool{true, false} {
		t.Run(fmt.Sprintf("pathStyle=%v", pathStyle), func(t *testing.T) {
			f := &fakeS3{t: t, access: "AKWENMING", secret: "s3cr3t/+key", region: "cn-southwest-1", bucket: "wenming-photos",
				pathStyle: pathStyle, clock: clk, objects: map[string][]byte{}, types: map[string]string{}, modified: map[string]time.Time{}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			endpoint, client := srv.URL, srv.Client()
			if !pathStyle {
				// bucket.s3.test must reach the test server: dial it whatever the host.
				addr := srv.Listener.Addr().String()
				endpoint = "http://s3.test"
				client = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, addr)
				}}}
			}
			s, err := NewS3Store(S3Config{Endpoint: endpoint, Region: f.region, Bucket: f.bucket, AccessKey: f.access,
				SecretKey: f.secret, PathStyle: pathStyle, Prefix: "city/", Client: client, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			storeContract(t, s)

			ctx := context.Background()
			jpg := encJPEG(t, quadrants(16, 16))
			key := blobKey(Original, sha256Hex(jpg), "jpg")
			if err := s.Put(ctx, key, bytes.NewReader(jpg), int64(len(jpg)), MIMEJPEG); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			stored, typ := f.objects["city/"+key], f.types["city/"+key]
			f.mu.Unlock()
			if !bytes.Equal(stored, jpg) || typ != MIMEJPEG {
				t.Fatalf("server has %d bytes of %q", len(stored), typ)
			}
			rc, err := s.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, jpg) {
				t.Fatal("round trip changed the bytes")
			}

			// a wrong secret is refused by the server, and the error says so
			bad, _ := NewS3Store(S3Config{Endpoint: endpoint, Region: f.region, Bucket: f.bucket, AccessKey: f.access,
				SecretKey: "wrong", PathStyle: pathStyle, Client: client, Clock: clk})
			err = bad.Put(ctx, key, bytes.NewReader(jpg), int64(len(jpg)), MIMEJPEG)
			if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
				t.Fatalf("wrong secret: %v", err)
			}
		})
	}
}

func TestS3StoreRefusesABadConfiguration(t *testing.T) {
	good := S3Config{Endpoint: "https://s3.example.cn", Bucket: "b", AccessKey: "a", SecretKey: "s"}
	if _, err := NewS3Store(good); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*S3Config){
		"no scheme":     func(c *S3Config) { c.Endpoint = "s3.example.cn" },
		"ftp":           func(c *S3Config) { c.Endpoint = "ftp://s3.example.cn" },
		"no bucket":     func(c *S3Config) { c.Bucket = "" },
		"bucket slash":  func(c *S3Config) { c.Bucket = "a/b" },
		"no secret":     func(c *S3Config) { c.SecretKey = "" },
		"prefix escape": func(c *S3Config) { c.Prefix = "../" },
	} {
		c := good
		mod(&c)
		if _, err := NewS3Store(c); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestS3StoreListsKeysBelowAPrefixPageByPageWithoutTheStoresPrefix(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 5, 8, 30, 0, 0, time.UTC))
	f := &fakeS3{t: t, access: "AKWENMING", secret: "s3cr3t/+key", region: "cn-southwest-1", bucket: "wenming-photos",
		pathStyle: true, clock: clk, objects: map[string][]byte{}, types: map[string]string{}, modified: map[string]time.Time{}, pageSize: 2}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s, err := NewS3Store(S3Config{Endpoint: srv.URL, Region: f.region, Bucket: f.bucket, AccessKey: f.access,
		SecretKey: f.secret, PathStyle: true, Prefix: "city/", Client: srv.Client(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var want []string
	for i := range 5 {
		sum := sha256Hex([]byte{byte(i)})
		key := blobKey(Original, sum, "jpg")
		if i >= 3 {
			key = blobKey(Thumb, sum, "jpg")
		} else {
			want = append(want, key)
		}
		if err := s.Put(ctx, key, strings.NewReader("blob"), 4, MIMEJPEG); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	f.mu.Lock()
	f.objects["elsewhere/original/aa/bb/x.jpg"] = []byte("not ours") // outside the store's prefix
	f.mu.Unlock()
	sort.Strings(want)
	got := listed(t, s, "original/")
	if len(got) != 3 {
		t.Fatalf("listed %+v, want %v", got, want)
	}
	for i, o := range got {
		if o.Key != want[i] || o.Size != 4 || o.Modified.Before(time.Date(2026, 3, 5, 8, 30, 0, 0, time.UTC)) || o.Modified.After(clk.Now()) {
			t.Fatalf("object %d: %+v, want key %s of 4 bytes written on the fake clock", i, o, want[i])
		}
	}
	if n := len(listed(t, s, "")); n != 5 {
		t.Fatalf("the whole store lists %d blobs, want 5", n)
	}
	stop := errors.New("enough")
	if err := s.List(ctx, "", func(Object) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("an error from fn: %v", err)
	}
}

func TestLocalStoreListSkipsUnfinishedWrites(t *testing.T) {
	s, err := NewLocalStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := blobKey(Original, sha256Hex([]byte("a")), "png")
	if err := s.Put(context.Background(), key, strings.NewReader("a"), 1, MIMEPNG); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(filepath.Join(s.Root, filepath.FromSlash(key)))
	if err := os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, s, "original/"); len(got) != 1 || got[0].Key != key {
		t.Fatalf("listed %+v", got)
	}
	if got := listed(t, s, "original/"+key[len("original/"):len("original/")+2]+"/"); len(got) != 1 {
		t.Fatalf("a deeper prefix lists %+v", got)
	}
}
